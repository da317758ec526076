from django.urls import path

from . import track_views, views

app_name = "collection"
urlpatterns = [
    path("", views.round_list, name="round_list"),
    path("dispositions/new/", views.disposition_new, name="disposition_new"),
    path("dispositions/<id64:disposition_id>/", views.disposition_detail,
         name="disposition_detail"),
    path("dispositions/<id64:disposition_id>/sign/", views.disposition_sign,
         name="disposition_sign"),
    path("dispositions/<id64:disposition_id>/edit/", views.disposition_edit,
         name="disposition_edit"),
    path("dispositions/<id64:disposition_id>/delete/", views.disposition_delete,
         name="disposition_delete"),
    path("<id64:round_id>/", views.round_detail, name="round_detail"),
    path("<id64:round_id>/recap/", views.agency_recap, name="agency_recap"),
    path("<id64:round_id>/recap.xlsx", views.agency_recap_download,
         name="agency_recap_download"),
    path("<id64:round_id>/lkjip.xlsx", views.lkjip_download, name="lkjip_download"),
    path("<id64:round_id>/history/", views.round_history, name="round_history"),
    path("<id64:round_id>/history.xlsx", views.round_history_download,
         name="round_history_download"),
    path("<id64:round_id>/actions/<slug:action>/", views.round_action, name="round_action"),
    path("<id64:round_id>/units/<id64:track_id>/", track_views.track_detail,
         name="track_detail"),
    path("<id64:round_id>/units/<id64:track_id>/preview/", track_views.track_value_preview,
         name="track_value_preview"),
    path("<id64:round_id>/units/<id64:track_id>/format.xlsx", track_views.track_format_download,
         name="track_format_download"),
    path("<id64:round_id>/units/<id64:track_id>/recap.xlsx", track_views.track_recap_download,
         name="track_recap_download"),
    path("<id64:round_id>/units/<id64:track_id>/actions/<slug:action>/",
         track_views.track_action, name="track_action"),
    path("evidence/<id64:evidence_id>/", track_views.evidence_download,
         name="evidence_download"),
]

from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("verify/<uuid:identifier>/", views.verify, name="verify"),
    path("<uuid:identifier>/", views.document_download, name="download"),
    path("<uuid:identifier>/scan/", views.scan_download, name="scan"),
    path("<uuid:identifier>/hardcopy/", views.hardcopy_record, name="hardcopy"),
    path("rounds/<id64:round_id>/print/<slug:kind>/", views.document_print, name="print"),
    path("dispositions/<id64:disposition_id>/print/", views.disposition_print,
         name="disposition_print"),
    path("rounds/<id64:round_id>/archive.zip", views.round_archive, name="archive"),
]

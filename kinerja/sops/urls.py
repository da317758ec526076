from django.urls import path

from . import views

app_name = "sops"
urlpatterns = [
    path("", views.sop_list, name="sop_list"),
    path("<id64:sop_id>/", views.sop_detail, name="sop_detail"),
    path("<id64:sop_id>/v<id64:version>/", views.sop_detail, name="sop_version_detail"),
    path("<id64:sop_id>/document.pdf", views.sop_document, name="sop_document_pdf"),
    path("<id64:sop_id>/v<id64:version>/document.pdf", views.sop_document,
         name="sop_version_document_pdf"),
]

from django.urls import path

from . import views

app_name = "sops"
urlpatterns = [
    path("", views.sop_list, name="sop_list"),
    path("<int:sop_id>/", views.sop_detail, name="sop_detail"),
    path("<int:sop_id>/v<int:version>/", views.sop_detail, name="sop_version_detail"),
    path("<int:sop_id>/document.pdf", views.sop_document, name="sop_document_pdf"),
    path("<int:sop_id>/v<int:version>/document.pdf", views.sop_document,
         name="sop_version_document_pdf"),
]

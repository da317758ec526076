from django.urls import path

from . import views

app_name = "organisation"
urlpatterns = [
    path("", views.unit_list, name="unit_list"),
    path("units/<id64:unit_id>/", views.unit_detail, name="unit_detail"),
]

from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("rounds/<id64:round_id>/", views.round_dashboard, name="round_dashboard"),
    path("remind/<id64:execution_id>/", views.remind, name="remind"),
]

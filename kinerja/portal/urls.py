from django.urls import path

from . import views

# The namespace these pages had while they lived in core: templates, tests and
# LOGIN_REDIRECT_URL name them `core:home` and `core:my_tasks`. Core itself has no urls.py,
# so the name stays unique.
app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/", views.my_tasks, name="my_tasks"),
]

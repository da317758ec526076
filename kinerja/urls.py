from django.contrib import admin
from django.urls import include, path

from kinerja.api.api import api
from kinerja.core import converters  # noqa: F401  registers <id64:...> before the includes
from kinerja.core.views import healthz

handler404 = "kinerja.core.views.page_not_found"
handler500 = "kinerja.core.views.server_error"

admin.site.site_header = "Kinerja"
admin.site.site_title = "Kinerja"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("kinerja.accounts.urls")),
    path("organisation/", include("kinerja.organisation.urls")),
    path("sops/", include("kinerja.sops.urls")),
    path("rounds/", include("kinerja.collection.urls")),
    path("documents/", include("kinerja.documents.urls")),
    path("notifications/", include("kinerja.notifications.urls")),
    path("dashboard/", include("kinerja.dashboard.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("kinerja.portal.urls")),
]

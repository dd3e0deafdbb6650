"""A shop's site: staff UI, staff API, POS API, health."""
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.urls_common import urlpatterns as common_urlpatterns

handler400 = "apps.core.views.json_or_html_400"
handler403 = "apps.core.views.json_or_html_403"
handler404 = "apps.core.views.json_or_html_404"
handler500 = "apps.core.views.json_or_html_500"

api_v1 = [
    path("", include("apps.accounts.urls")),
    path("", include("apps.branches.urls")),
    path("", include("apps.pos_sync.terminal_urls")),
    path("", include("apps.inventory.urls")),
    path("", include("apps.customers.urls")),
    path("", include("apps.sales.urls")),
    path("", include("apps.workshop.urls")),
    path("", include("apps.reports.urls")),
]

urlpatterns = [
    *common_urlpatterns,
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/pos/v1/", include("apps.pos_sync.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file (?script), so the page runs under the CSP (apps.core.csp).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/docs.html"), name="api-docs"),
    path("", include("config.urls_staff")),  # staff web UI (namespace "ui")
]

"""The platform site: landing page, operators' admin, health."""
from django.urls import path

from apps.tenancy import views as tenancy_views
from apps.tenancy.admin import platform_admin
from config.urls_common import urlpatterns as common_urlpatterns

handler400 = "apps.core.views.json_or_html_400"
handler403 = "apps.core.views.json_or_html_403"
handler404 = "apps.core.views.json_or_html_404"
handler500 = "apps.core.views.json_or_html_500"

urlpatterns = [
    *common_urlpatterns,
    path("", tenancy_views.landing, name="landing"),
    path("admin/", platform_admin.urls),
]

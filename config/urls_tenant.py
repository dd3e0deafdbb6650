"""A shop's site: staff UI, staff API, POS API, health."""
from django.contrib import admin
from django.urls import path

from apps.tenancy import views as tenancy_views
from config.urls_common import urlpatterns as common_urlpatterns

handler404 = "apps.core.views.json_or_html_404"
handler500 = "apps.core.views.json_or_html_500"

urlpatterns = [
    *common_urlpatterns,
    path("", tenancy_views.shop_home, name="shop-home"),
    path("admin/", admin.site.urls),
]

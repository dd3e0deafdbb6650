"""Host routing: picks the shop's schema from the host name, first of all."""
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import connection
from django.http import HttpResponse
from django_tenants.middleware.main import TenantMainMiddleware

from apps.core.errors import error_response
from apps.core.views import not_found
from apps.tenancy.selectors import shop_for_host

# Answered on every host, before any database access, so that they still
# answer (or say what is down) when PostgreSQL is.
HOST_INDEPENDENT_PATHS = {"/healthz", "/readyz"}


class ShopMiddleware(TenantMainMiddleware):
    """django-tenants' routing, with the shop found in one query on whatever
    schema the connection points at (apps.tenancy.selectors.shop_for_host),
    so that a request for the shop the connection already serves sends no
    `SET search_path` at all (apps/core/db/base.py)."""

    def process_request(self, request):
        if request.path in HOST_INDEPENDENT_PATHS:
            connection.set_schema_to_public()
            request.urlconf = settings.PUBLIC_SCHEMA_URLCONF
            return None
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:  # django-tenants would answer an empty HTML 404, also under /api/
            connection.set_schema_to_public()
            return not_found(request, "No shop at this address.")
        tenant = shop_for_host(hostname)
        if tenant is None or tenant.is_template:
            connection.set_schema_to_public()
            return not_found(request, "No shop at this address.")
        if tenant.status != tenant.Status.ACTIVE:
            connection.set_schema_to_public()
            return shop_suspended(request)
        tenant.domain_url = hostname
        request.tenant = tenant
        connection.set_tenant(tenant)
        self.setup_url_routing(request)
        return None


def shop_suspended(request):
    message = "This shop is suspended. Contact the platform operator."
    if request.path.startswith("/api/"):
        return error_response("shop_suspended", message, status=403)
    return HttpResponse(
        f"<!doctype html><title>Shop suspended</title><h1>Shop suspended</h1><p>{message}</p>"
        "<!-- error code: shop_suspended -->",
        status=403,
    )

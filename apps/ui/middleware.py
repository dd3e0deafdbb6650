"""Staff pages speak the user's language (else the shop's) and show times in
the shop's time zone. The APIs and the admin keep Django's defaults."""
from django.conf import settings
from django.utils import timezone, translation
from django_tenants.utils import get_public_schema_name

from apps.core.timezones import shop_timezone

SKIPPED_PREFIXES = ("/api/", "/admin/", "/static/", "/healthz", "/readyz")
LANGUAGE_CODES = {code for code, _ in settings.LANGUAGES}


def ui_language(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in LANGUAGE_CODES:
        return user.language
    shop_language = getattr(getattr(request, "tenant", None), "language", "")
    return shop_language if shop_language in LANGUAGE_CODES else settings.LANGUAGE_CODE


class ShopLocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.schema_name == get_public_schema_name() or request.path.startswith(SKIPPED_PREFIXES):
            return self.get_response(request)
        language = ui_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        timezone.activate(shop_timezone(tenant))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

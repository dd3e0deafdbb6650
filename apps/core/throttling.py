"""DRF's rate throttles, keyed on the client address of apps.core.clientip
instead of DRF's own reading of X-Forwarded-For (which, with no proxy count
configured, believes whatever the client sends).

The rates are read when a throttle is made, not when this module is
imported, so a changed REST_FRAMEWORK setting takes effect at once."""
from rest_framework import throttling
from rest_framework.settings import api_settings

from apps.core.clientip import client_ip


class _ClientAddress:
    def get_ident(self, request):
        return client_ip(request) or "unknown"

    @property
    def THROTTLE_RATES(self):  # noqa: N802 (DRF's name)
        return api_settings.DEFAULT_THROTTLE_RATES


class AnonRateThrottle(_ClientAddress, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ClientAddress, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_ClientAddress, throttling.ScopedRateThrottle):
    pass

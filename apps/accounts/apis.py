"""Staff JWT endpoints: simplejwt's views, shop-bound, strictly throttled."""
from drf_spectacular.utils import extend_schema
from rest_framework_simplejwt import views as jwt_views

from apps.accounts.lockout import lockout_response
from apps.core.schema import ERROR_RESPONSES


class _Throttled:
    throttle_scope = "auth"


@extend_schema(tags=["auth"], responses={200: jwt_views.TokenObtainPairView.serializer_class, **ERROR_RESPONSES})
class TokenObtainApi(_Throttled, jwt_views.TokenObtainPairView):
    """Exchange e-mail and password for an access and a refresh token."""

    def handle_exception(self, exc):
        # django-axes marks the request it was given, which is DRF's request
        # here: its middleware never sees the mark, so the lockout (429
        # `account_locked`, even for the right password) is answered here.
        if getattr(self.request, "axes_locked_out", False):
            return lockout_response(self.request)
        return super().handle_exception(exc)


@extend_schema(tags=["auth"], responses={200: jwt_views.TokenRefreshView.serializer_class, **ERROR_RESPONSES})
class TokenRefreshApi(_Throttled, jwt_views.TokenRefreshView):
    """A fresh access token (and, rotated, a fresh refresh token)."""


@extend_schema(tags=["auth"], responses={200: None, **ERROR_RESPONSES})
class TokenBlacklistApi(_Throttled, jwt_views.TokenBlacklistView):
    """Log out: the refresh token can no longer be used."""

"""Staff JWT endpoints: simplejwt's views, shop-bound, strictly throttled."""
from drf_spectacular.utils import extend_schema
from rest_framework_simplejwt import views as jwt_views

from apps.core.schema import ERROR_RESPONSES


class _Throttled:
    throttle_scope = "auth"


@extend_schema(tags=["auth"], responses={200: jwt_views.TokenObtainPairView.serializer_class, **ERROR_RESPONSES})
class TokenObtainApi(_Throttled, jwt_views.TokenObtainPairView):
    """Exchange e-mail and password for an access and a refresh token."""


@extend_schema(tags=["auth"], responses={200: jwt_views.TokenRefreshView.serializer_class, **ERROR_RESPONSES})
class TokenRefreshApi(_Throttled, jwt_views.TokenRefreshView):
    """A fresh access token (and, rotated, a fresh refresh token)."""


@extend_schema(tags=["auth"], responses={200: None, **ERROR_RESPONSES})
class TokenBlacklistApi(_Throttled, jwt_views.TokenBlacklistView):
    """Log out: the refresh token can no longer be used."""

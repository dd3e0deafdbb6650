"""
JWTs bound to the shop that issued them. User ids are per shop schema (user 1
of shop A is not user 1 of shop B), so every token carries the shop's schema
and is refused on any other shop's host.
"""
from django.contrib.auth.models import update_last_login
from django.db import connection
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import (
    TokenBlacklistSerializer,
    TokenObtainPairSerializer,
    TokenObtainSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.accounts.lockout import EMAIL_MAX_LENGTH
from apps.accounts.mfa import OTP_MAX_LENGTH, mfa_enrolment_required, mfa_login_check
from apps.accounts.models import User
from apps.core.errors import ApplicationError

SHOP_CLAIM = "shop"


class ShopBoundToken:
    def verify(self):
        super().verify()
        if self.payload.get(SHOP_CLAIM) != connection.schema_name:
            raise TokenError("Token was issued by another shop.")

    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[SHOP_CLAIM] = connection.schema_name
        return token


class ShopAccessToken(ShopBoundToken, AccessToken):
    pass


class ShopRefreshToken(ShopBoundToken, RefreshToken):
    access_token_class = ShopAccessToken


class ShopTokenObtainSerializer(TokenObtainPairSerializer):
    """E-mail and password, then, for a user with two-step sign-in, `otp`
    (a code from the app or a recovery code), checked before any token is
    made (accounts/mfa.py)."""

    token_class = ShopRefreshToken
    otp = serializers.CharField(required=False, allow_blank=True, max_length=OTP_MAX_LENGTH, write_only=True,
                                help_text="The authenticator app's code, or a recovery code, for users with two-step sign-in.")

    def validate(self, attrs):
        TokenObtainSerializer.validate(self, attrs)  # the password (django-axes counts failures); sets self.user
        request = self.context["request"]
        mfa_login_check(request=request, user=self.user, shop=getattr(request, "tenant", None), code=attrs.get("otp"))
        refresh = self.get_token(self.user)
        if api_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, self.user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # simplejwt's field is unbounded; an over-long e-mail is a 400 here,
        # before authentication (axes would record it).
        self.fields[self.username_field] = serializers.CharField(write_only=True, max_length=EMAIL_MAX_LENGTH)


# A refresh token is judged as a token (401 token_not_valid), not trimmed
# into a blank field first (400): the schema says any non-empty string is one.
class ShopTokenRefreshSerializer(TokenRefreshSerializer):
    token_class = ShopRefreshToken
    refresh = serializers.CharField(trim_whitespace=False)

    def validate(self, attrs):
        """Once the shop requires MFA, a refresh token issued before gives an
        owner or manager without it no new tokens (checked only then)."""
        if getattr(connection.tenant, "mfa_required", False):
            try:
                user_id = self.token_class(attrs["refresh"]).payload.get(api_settings.USER_ID_CLAIM)
            except TokenError:
                user_id = None  # refused below, as always
            user = User.objects.filter(pk=user_id).first() if user_id else None
            if user is not None and mfa_enrolment_required(user=user, shop=connection.tenant):
                raise ApplicationError("mfa_enrolment_required", "The shop requires two-step sign-in: set it up on the staff site first.",
                                       status=403)
        return super().validate(attrs)


class ShopTokenBlacklistSerializer(TokenBlacklistSerializer):
    token_class = ShopRefreshToken
    refresh = serializers.CharField(trim_whitespace=False)

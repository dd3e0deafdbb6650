"""
JWTs bound to the shop that issued them. User ids are per shop schema (user 1
of shop A is not user 1 of shop B), so every token carries the shop's schema
and is refused on any other shop's host.
"""
from django.db import connection
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import (
    TokenBlacklistSerializer,
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from apps.accounts.lockout import EMAIL_MAX_LENGTH

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
    token_class = ShopRefreshToken

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # simplejwt's field is unbounded; an over-long e-mail is a 400 here,
        # before authentication (axes would record it).
        self.fields[self.username_field] = serializers.CharField(write_only=True, max_length=EMAIL_MAX_LENGTH)


class ShopTokenRefreshSerializer(TokenRefreshSerializer):
    token_class = ShopRefreshToken


class ShopTokenBlacklistSerializer(TokenBlacklistSerializer):
    token_class = ShopRefreshToken

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


# A refresh token is judged as a token (401 token_not_valid), not trimmed
# into a blank field first (400): the schema says any non-empty string is one.
class ShopTokenRefreshSerializer(TokenRefreshSerializer):
    token_class = ShopRefreshToken
    refresh = serializers.CharField(trim_whitespace=False)


class ShopTokenBlacklistSerializer(TokenBlacklistSerializer):
    token_class = ShopRefreshToken
    refresh = serializers.CharField(trim_whitespace=False)

from django.urls import path

from apps.accounts import apis

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="token-obtain"),
    path("auth/token/refresh/", apis.TokenRefreshApi.as_view(), name="token-refresh"),
    path("auth/token/blacklist/", apis.TokenBlacklistApi.as_view(), name="token-blacklist"),
]

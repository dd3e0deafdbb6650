from django.urls import path

from apps.accounts import apis, staff_apis

urlpatterns = [
    path("auth/token/", apis.TokenObtainApi.as_view(), name="token-obtain"),
    path("auth/token/refresh/", apis.TokenRefreshApi.as_view(), name="token-refresh"),
    path("auth/token/blacklist/", apis.TokenBlacklistApi.as_view(), name="token-blacklist"),
    path("staff/", staff_apis.StaffListCreateApi.as_view(), name="staff-list"),
    path("staff/<int:user_id>/", staff_apis.StaffDetailApi.as_view(), name="staff-detail"),
    path("staff/<int:user_id>/password/", staff_apis.StaffPasswordApi.as_view(), name="staff-password"),
]

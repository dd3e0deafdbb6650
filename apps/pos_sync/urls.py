from django.urls import path

from apps.pos_sync import apis

urlpatterns = [
    path("devices/enroll", apis.EnrollApi.as_view(), name="pos-enroll"),
    path("sync/status", apis.StatusApi.as_view(), name="pos-status"),
    path("sync/pull", apis.PullApi.as_view(), name="pos-pull"),
    path("sync/push", apis.PushApi.as_view(), name="pos-push"),
]

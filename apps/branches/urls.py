from django.urls import path

from apps.branches import apis

urlpatterns = [
    path("branches/", apis.BranchListApi.as_view(), name="branch-list"),
]

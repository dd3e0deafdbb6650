from django.urls import path

from apps.branches import apis

urlpatterns = [
    path("branches/", apis.BranchListApi.as_view(), name="branch-list"),
    path("terminals/", apis.TerminalListCreateApi.as_view(), name="terminal-list"),
    path("terminals/<uuid:terminal_id>/enrollment-code/", apis.TerminalEnrollmentCodeApi.as_view(), name="terminal-enrollment-code"),
    path("terminals/<uuid:terminal_id>/revoke/", apis.TerminalRevokeApi.as_view(), name="terminal-revoke"),
]

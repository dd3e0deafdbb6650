"""The terminals' routes of the staff API (/api/v1/terminals/...)."""
from django.urls import path

from apps.pos_sync import terminal_apis as apis

urlpatterns = [
    path("terminals/", apis.TerminalListCreateApi.as_view(), name="terminal-list"),
    path("terminals/<uuid:terminal_id>/enrollment-code/", apis.TerminalEnrollmentCodeApi.as_view(), name="terminal-enrollment-code"),
    path("terminals/<uuid:terminal_id>/revoke/", apis.TerminalRevokeApi.as_view(), name="terminal-revoke"),
]

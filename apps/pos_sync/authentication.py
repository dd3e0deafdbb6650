"""`Authorization: Device <token>`: a POS terminal's credentials."""
from dataclasses import dataclass

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission

from apps.pos_sync.models import Device
from apps.pos_sync.services import secret_hash

KEYWORD = "Device"


@dataclass(frozen=True)
class DevicePrincipal:
    """Stands in for request.user on POS calls (throttles key on pk)."""

    device: Device
    is_authenticated: bool = True
    is_anonymous: bool = False

    @property
    def pk(self):
        return f"device:{self.device.pk}"


class DeviceAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme != KEYWORD:
            return None
        token = token.strip()
        if not token:
            raise exceptions.AuthenticationFailed("Empty device token.", code="invalid_device_token")
        # The token hash is looked up in this host's shop schema only: the
        # same token on another shop's host finds nothing.
        device = Device.objects.select_related("terminal__branch").filter(token_hash=secret_hash(token)).first()
        if device is None:
            raise exceptions.AuthenticationFailed("Unknown device token.", code="invalid_device_token")
        if device.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This device has been revoked.", code="device_revoked")
        now = timezone.now()
        if device.last_seen_at is None or (now - device.last_seen_at).total_seconds() > 60:
            Device.objects.filter(pk=device.pk).update(last_seen_at=now)
        return DevicePrincipal(device=device), device

    def authenticate_header(self, request):
        return KEYWORD


class IsDevice(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, Device)

"""Enrolment and revocation of POS devices."""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from apps.branches.models import Terminal
from apps.core.errors import ApplicationError
from apps.core.services import audit_record
from apps.pos_sync.models import Device, EnrollmentCode

ENROLLMENT_CODE_TTL = timedelta(minutes=15)
# No 0/O, 1/I/L: a code is read aloud and typed on a counter keypad.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class EnrolledDevice:
    device: Device
    token: str


@transaction.atomic
def enrollment_code_issue(*, terminal: Terminal, actor=None) -> IssuedCode:
    """A fresh single-use code; earlier unused codes of the terminal stop working."""
    now = timezone.now()
    EnrollmentCode.objects.filter(terminal=terminal, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    row = EnrollmentCode.objects.create(terminal=terminal, code_hash=secret_hash(code), expires_at=now + ENROLLMENT_CODE_TTL, created_by=actor)
    return IssuedCode(code=code, expires_at=row.expires_at)


@transaction.atomic
def device_enroll(*, code: str, name: str, fingerprint: str = "", app_version: str = "") -> EnrolledDevice:
    """Trades a valid code for a device token. A terminal has one active
    device: enrolling again replaces (revokes) the previous one."""
    now = timezone.now()
    entry = (
        EnrollmentCode.objects.select_for_update()
        .select_related("terminal__branch")
        .filter(code_hash=secret_hash(code.strip().upper()))
        .first()
    )
    if entry is None or entry.used_at is not None or entry.expires_at <= now:
        raise ApplicationError("enrollment_code_invalid", "This enrolment code is unknown, used or expired.")
    entry.used_at = now
    entry.save(update_fields=["used_at"])
    Device.objects.filter(terminal=entry.terminal, revoked_at__isnull=True).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    device = Device.objects.create(
        terminal=entry.terminal, name=name.strip() or entry.terminal.name, fingerprint=fingerprint[:200],
        app_version=app_version[:40], token_hash=secret_hash(token), last_seen_at=now,
    )
    return EnrolledDevice(device=device, token=token)


@transaction.atomic
def device_revoke(*, terminal: Terminal, actor=None) -> int:
    """Revokes the terminal's enrolled device(s); returns how many."""
    now = timezone.now()
    devices = list(Device.objects.select_for_update().filter(terminal=terminal, revoked_at__isnull=True).order_by("pk"))
    for device in devices:
        device.revoked_at = now
        device.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="device_revoke", obj=device, before={"revoked_at": None}, after={"revoked_at": now})
    return len(devices)

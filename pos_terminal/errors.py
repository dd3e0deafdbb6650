"""Everything the terminal raises derives from TerminalError, so a caller (the
CLI, a load test) can catch one class and print a clear message."""
from __future__ import annotations


class TerminalError(Exception):
    """Base class of the terminal's errors."""


class NotEnrolled(TerminalError):
    """The local store has no device yet: run `enroll` first."""


class AlreadyEnrolled(TerminalError):
    """A store belongs to one device for life; enrol a new one in a new file."""


class CatalogueError(TerminalError):
    """Something needed to sell offline is missing from the pulled catalogue."""


class ServerError(TerminalError):
    """The server answered with an error (its JSON error body, parsed)."""

    def __init__(self, status: int, code: str, message: str, details=None):
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        super().__init__(f"HTTP {status} {code}: {message}")


class EnrollmentFailed(ServerError):
    """The enrolment code was refused (used, expired or unknown), or
    enrolment from here is refused for a while after too many such codes
    (`enrollment_attempts_exceeded`, with the wait in the message)."""


class EnvelopeError(ServerError):
    """The push envelope was refused as a whole (400/413): nothing was written.
    Resending it unchanged cannot help, so it is not retried."""


class AuthenticationFailed(ServerError):
    """401: the token is unknown here (wrong shop host, or never valid)."""


class DeviceRevoked(AuthenticationFailed):
    """401 device_revoked: a manager revoked this device; it can no longer sync."""


class ServerUnavailable(TerminalError):
    """The server could not be reached (or kept failing) after every retry.
    Nothing is lost: pending operations stay in the store for the next push."""

    def __init__(self, message: str, attempts: int):
        self.attempts = attempts
        super().__init__(f"{message} (gave up after {attempts} attempts)")

"""How many failed enrolments a client, and a code, may have (item 9 of
issue 12): only failures count, so a shop can enrol every counter it has at
once, while guessing codes from one address, or trying one code from many
addresses, is refused for a while (429 `enrollment_attempts_exceeded`)."""
from django.conf import settings

from apps.core.errors import ApplicationError
from apps.core.failures import FailureLimit, failure_record, failures_wait


def _limits() -> dict[str, FailureLimit]:
    window = settings.POS_ENROLL_FAILURE_WINDOW_SECONDS
    return {
        "client": FailureLimit("enroll-client", settings.POS_ENROLL_FAILURES_PER_CLIENT, window),
        "enrollment_code": FailureLimit("enroll-code", settings.POS_ENROLL_FAILURES_PER_CODE, window),
    }


def _subjects(client: str | None, code: str) -> dict[str, str]:
    return {"client": client or "", "enrollment_code": code.strip().upper()}


def enrollment_attempt_check(*, client: str | None, code: str) -> None:
    """Refuses the attempt while the client or the code has used up its failures."""
    subjects = _subjects(client, code)
    waits = {name: failures_wait(rule, subjects[name]) for name, rule in _limits().items()}
    if not any(waits.values()):
        return
    wait = max(waits.values())
    raise ApplicationError(
        "enrollment_attempts_exceeded", f"Too many failed enrolment attempts; try again in {wait} seconds.",
        status=429, headers={"Retry-After": str(wait)},
        details=[{"code": "too_many_failures", "field": name, "message": f"Too many failures; retry in {seconds} seconds."}
                 for name, seconds in waits.items() if seconds],
    )


def enrollment_failure_record(*, client: str | None, code: str) -> None:
    """Counts a refused code against the client and against the code."""
    subjects = _subjects(client, code)
    for name, rule in _limits().items():
        failure_record(rule, subjects[name])

"""One error type for the whole application, with a stable machine code."""
from django.http import JsonResponse


class ApplicationError(Exception):
    """A failure a caller can act on: `code` is snake_case and stable."""

    def __init__(self, code: str, message: str, *, status: int = 400, details: list | None = None, headers: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details or []
        self.headers = headers or {}


def error_body(code: str, message: str, details: list | None = None) -> dict:
    """The JSON shape of every error the API returns."""
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_response(code: str, message: str, *, status: int, details: list | None = None, headers: dict | None = None) -> JsonResponse:
    """An error answered outside DRF (middleware, error handlers), written
    as DRF's renderer writes it (compact UTF-8), so that a client sees the
    same bytes whichever layer refused the request."""
    return JsonResponse(error_body(code, message, details), status=status, headers=headers,
                        json_dumps_params={"separators": (",", ":"), "ensure_ascii": False})

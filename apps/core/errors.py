"""One error type for the whole application, with a stable machine code."""


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

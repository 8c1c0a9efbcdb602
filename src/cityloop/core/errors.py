"""Errors the platform raises on purpose, each with a stable code and an HTTP status."""

from typing import Any


class ApplicationError(Exception):
    """A refusal the user can act on. `message` is already translated; `code` is stable for clients."""

    status = 400
    code = "application_error"

    def __init__(self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class NotFound(ApplicationError):
    """Missing or not visible: the two look the same from outside."""

    status = 404
    code = "not_found"


class Conflict(ApplicationError):
    """The request is valid but the record's state does not allow it now."""

    status = 409
    code = "conflict"


class InvalidInput(ApplicationError):
    status = 422
    code = "invalid_input"

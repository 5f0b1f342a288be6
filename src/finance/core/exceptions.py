"""The error vocabulary of the services. The API layer maps each to one problem+json response."""

from typing import Any


class ApplicationError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str | None = None, *, errors: dict[str, Any] | None = None):
        self.detail = detail or self.title
        self.errors = errors or {}
        super().__init__(self.detail)


class ValidationFailed(ApplicationError):
    status = 400
    title = "Invalid input"

    def __init__(self, errors: dict[str, Any], detail: str = "The request has invalid fields."):
        super().__init__(detail, errors=errors)


class NotFound(ApplicationError):
    status = 404
    title = "Not found"


class Conflict(ApplicationError):
    status = 409
    title = "Conflict"


class Forbidden(ApplicationError):
    status = 403
    title = "Forbidden"


class TooManyRequests(ApplicationError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None):
        super().__init__(detail)
        self.retry_after = retry_after

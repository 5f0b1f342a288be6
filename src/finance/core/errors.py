"""The error vocabulary of the services: one class per kind of failure, each with its HTTP status.

Services raise these; `finance.core.http.problems` turns each into one problem+json answer. A new kind of
failure gets a class here, never a copy elsewhere: a 403 is always `Forbidden`, whatever was refused.
"""

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


class Unauthenticated(ApplicationError):
    status = 401
    title = "Authentication failed"


class Forbidden(ApplicationError):
    status = 403
    title = "Forbidden"


class NotFound(ApplicationError):
    status = 404
    title = "Not found"


class Conflict(ApplicationError):
    status = 409
    title = "Conflict"


class TooLarge(ApplicationError):
    status = 413
    title = "Request body too large"


class UnsupportedMediaType(ApplicationError):
    status = 415
    title = "Unsupported media type"


class Unprocessable(ApplicationError):
    status = 422
    title = "Unprocessable request"


class TooManyRequests(ApplicationError):
    status = 429
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None):
        super().__init__(detail)
        self.retry_after = retry_after


class ServiceUnavailable(ApplicationError):
    status = 503
    title = "Service unavailable"

"""The error vocabulary of the services: one class per kind of failure, each with its HTTP status.

Services raise these; `finance.core.http.problems` turns each into one problem+json answer. A new kind of
failure gets a class here, never a copy elsewhere: a 403 is always `Forbidden`, whatever was refused.
"""

from dataclasses import dataclass
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


@dataclass(frozen=True)
class RateLimit:
    """The limit a refused request ran into: a named policy of `quota` per `window` seconds (no window for a
    limit on things in progress), how many are left and how many seconds until there are more."""

    policy: str
    quota: int
    reset: int
    window: int | None = None
    remaining: int = 0


class TooManyRequests(ApplicationError):
    status = 429
    title = "Too many requests"

    def __init__(
        self,
        detail: str | None = None,
        *,
        retry_after: int | None = None,
        rate_limit: RateLimit | None = None,
    ):
        super().__init__(detail)
        self.rate_limit = rate_limit
        self.retry_after = rate_limit.reset if rate_limit and retry_after is None else retry_after


class ServiceUnavailable(ApplicationError):
    status = 503
    title = "Service unavailable"

"""One error format for every 4xx/5xx answer: RFC 9457 problem details.

The services raise the classes of `finance.core.errors`; this module is the only place that turns an error
into an HTTP answer.

Body: {"type", "title", "status", "detail", "request_id"} plus "errors" ({field: [messages]}) for invalid
input. Django's own error pages (404 for unknown paths, 500) use the same shape through `problem_response`.
"""

from typing import Any

import structlog
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from finance.core.errors import ApplicationError, RateLimit, TooManyRequests
from finance.core.observability.request_context import current_request_id

log = structlog.get_logger("finance.errors")

TITLES = {
    400: "Invalid input",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}
PROBLEM_CONTENT_TYPE = "application/problem+json"
NO_SUCH_ENDPOINT = "No such endpoint: check the path and, for an object, its id (a positive integer)."
# The 401 of a request that sent no token (DRF's own words would be "credentials were not provided").
NO_TOKEN = (
    "This endpoint needs an access token: send 'Authorization: Bearer <access token>' (POST /auth/login)."
)


def problem_body(
    status: int, detail: str, *, errors: dict[str, Any] | None = None, title: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "request_id": current_request_id(),
    }
    if errors:
        body["errors"] = errors
    return body


def problem_response(
    status: int, detail: str, *, errors: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> JsonResponse:
    response = JsonResponse(problem_body(status, detail, errors=errors), status=status)
    response["Content-Type"] = PROBLEM_CONTENT_TYPE
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field_errors(detail: Any) -> dict[str, list[str]]:
    """Flatten DRF's nested error detail into {"field": ["message", ...]}; nested fields use dots."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list) and value and not all(isinstance(v, str) for v in value):
            for index, inner in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), inner)
        else:
            messages = value if isinstance(value, list) else [value]
            flat.setdefault(prefix or "non_field_errors", []).extend(str(m) for m in messages)

    walk("", detail)
    return flat


def _respond(
    status: int,
    detail: str,
    *,
    errors: dict[str, list[str]] | None = None,
    headers: dict[str, str] | None = None,
    title: str | None = None,
) -> Response:
    response = Response(
        problem_body(status, detail, errors=errors, title=title), status=status, headers=headers
    )
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def rate_limit_headers(limit: RateLimit) -> dict[str, str]:
    """The IETF draft's RateLimit-Policy and RateLimit fields (draft-ietf-httpapi-ratelimit-headers):
    `"login";q=10;w=60` names the policy, its quota and window; `"login";r=0;t=42` what is left and the
    seconds until the quota returns."""
    policy = f'"{limit.policy}";q={limit.quota}'
    if limit.window is not None:
        policy += f";w={limit.window}"
    return {"RateLimit-Policy": policy, "RateLimit": f'"{limit.policy}";r={limit.remaining};t={limit.reset}'}


def too_many_requests_headers(exc: TooManyRequests) -> dict[str, str]:
    headers = rate_limit_headers(exc.rate_limit) if exc.rate_limit else {}
    if exc.retry_after:
        headers["Retry-After"] = str(exc.retry_after)
    return headers


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: every error leaves as problem+json."""
    set_rollback()
    if isinstance(exc, ApplicationError):
        headers = too_many_requests_headers(exc) if isinstance(exc, TooManyRequests) else {}
        return _respond(
            exc.status,
            exc.detail,
            errors=_field_errors(exc.errors) if exc.errors else None,
            headers=headers,
            title=exc.title,
        )
    if isinstance(exc, Http404):
        return _respond(404, "Not found.")
    if isinstance(exc, PermissionDenied):
        return _respond(403, "You do not have permission to perform this action.")
    if isinstance(exc, OperationalError | InterfaceError):
        log.error("database.unavailable", exc_info=exc)
        return _respond(503, "The database is unavailable; retry shortly.", headers={"Retry-After": "5"})
    if isinstance(exc, DatabaseError):
        return None
    if isinstance(exc, drf.ValidationError):
        return _respond(400, "The request has invalid fields.", errors=_field_errors(exc.detail))
    if isinstance(exc, drf.Throttled):
        wait = getattr(exc, "wait", None)
        return _respond(
            429, "Too many requests; retry later.", headers={"Retry-After": str(int(wait))} if wait else None
        )
    if isinstance(exc, drf.APIException):
        challenge: dict[str, str] = {}
        unauthenticated = isinstance(exc, drf.NotAuthenticated | drf.AuthenticationFailed)
        if unauthenticated:
            challenge["WWW-Authenticate"] = getattr(exc, "auth_header", None) or 'Bearer realm="api"'
            if isinstance(exc, drf.AuthenticationFailed):
                # RFC 6750: a malformed Authorization header, or a token sent and refused (expired, invalid,
                # revoked).
                code = exc.detail.get("code") if isinstance(exc.detail, dict) else exc.get_codes()
                malformed = str(code) == "bad_authorization_header"
                challenge["WWW-Authenticate"] += (
                    f', error="{"invalid_request" if malformed else "invalid_token"}"'
                )
        status = 401 if unauthenticated else exc.status_code
        detail = exc.detail
        if isinstance(exc, drf.NotAuthenticated):
            text = NO_TOKEN
        elif isinstance(detail, dict):
            text = str(detail.get("detail", "")) or TITLES.get(status, "Error")
        elif isinstance(detail, list):
            text = "; ".join(str(d) for d in detail)
        else:
            text = str(detail)
        return _respond(status, text, headers=challenge)
    return None


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(404, NO_SUCH_ENDPOINT)


def server_error_view(request: HttpRequest) -> JsonResponse:
    return problem_response(500, "Something went wrong on our side; the request id helps us find it.")


def bad_request_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(400, "Bad request.")


def permission_denied_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return problem_response(403, "Forbidden.")

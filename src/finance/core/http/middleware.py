"""Request-scoped plumbing: request id and request log line, edge limits, /metrics guard, headers."""

import time
from collections.abc import Callable

import structlog
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from finance.core.http.client_ip import address_in, client_ip
from finance.core.http.problems import NO_SUCH_ENDPOINT, problem_response
from finance.core.observability.metrics import HTTP_REQUESTS_IN_FLIGHT
from finance.core.observability.request_context import new_request_id, reset_request_id, set_request_id

log = structlog.get_logger("finance.request")

MAX_QUERY_STRING = 2048


def _user_id(request: HttpRequest) -> int | None:
    # DRF stores the authenticated user on the request; the session's lazy user is not worth a query here.
    user = request.__dict__.get("user")
    if user is None or isinstance(user, SimpleLazyObject):
        return None
    return getattr(user, "pk", None)


class RequestIdMiddleware:
    """Binds a request id to every log line of the request and writes one line per request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id(request.headers.get("X-Request-ID"))
        token = set_request_id(request_id)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        try:
            with HTTP_REQUESTS_IN_FLIGHT.track_inprogress():
                response = self.get_response(request)
            response["X-Request-ID"] = request_id
            self._log(request, response.status_code, started)
            return response
        finally:
            structlog.contextvars.clear_contextvars()
            reset_request_id(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        log.error("request.unhandled_exception", exc_info=exception, path=request.path)

    @staticmethod
    def _log(request: HttpRequest, status: int, started: float) -> None:
        match = request.resolver_match
        fields = {
            "method": request.method,
            "route": f"/{match.route}" if match else "unmatched",
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "user_id": _user_id(request),
            "client_ip": client_ip(request),
        }
        if status >= 500:
            log.error("request.finished", **fields)
        elif status >= 400:
            log.warning("request.finished", **fields)
        else:
            log.info("request.finished", **fields)


class MetricsEndpointMiddleware:
    """/metrics is for the internal network: only direct requests from private addresses, never proxied."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/metrics":
            proxied = "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_REAL_IP" in request.META
            if proxied or not address_in(
                request.META.get("REMOTE_ADDR", ""), settings.METRICS_ALLOWED_NETWORKS
            ):
                return problem_response(404, NO_SUCH_ENDPOINT)
        return self.get_response(request)


class AllowedHostsMiddleware:
    """Every request must name a host of ALLOWED_HOSTS (400 problem otherwise), not only the requests that
    happen to build an absolute URL: a forged Host is refused before any view runs.

    /metrics is the exception. Prometheus scrapes pod and container addresses (`Host: 10.1.2.3:8000`), which no
    host list names, and MetricsEndpointMiddleware already answers it only to direct requests from
    METRICS_ALLOWED_NETWORKS. Probes send a listed name (k8s: `Host: finance-api`; the image's health check:
    the first name of ALLOWED_HOSTS).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path != "/metrics":
            try:
                request.get_host()
            except DisallowedHost:
                return problem_response(400, "This API does not answer to the host name in the request.")
        return self.get_response(request)


class RequestLimitsMiddleware:
    """Refuses oversized bodies (413) and control characters or over-long query strings (400) early.

    Bodies are limited to MAX_REQUEST_BODY_BYTES, except on the paths of REQUEST_BODY_LIMITS (file uploads),
    which have their own limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = request.META.get("CONTENT_LENGTH") or "0"
        try:
            size = int(length)
        except ValueError:
            return problem_response(400, "Content-Length must be a number.")
        limit = settings.REQUEST_BODY_LIMITS.get(request.path, settings.MAX_REQUEST_BODY_BYTES)
        if size > limit:
            return problem_response(413, f"The request body is limited to {limit} bytes.")
        query = request.META.get("QUERY_STRING", "")
        if len(query) > MAX_QUERY_STRING:
            return problem_response(400, f"The query string is limited to {MAX_QUERY_STRING} characters.")
        if any(ord(ch) < 32 for key, values in request.GET.lists() for text in (key, *values) for ch in text):
            return problem_response(400, "The query string contains control characters.")
        return self.get_response(request)


class ProblemNotFoundMiddleware:
    """An unknown path or a malformed id answers problem+json even with DEBUG on, where Django would send its
    HTML debug page (which lists every URL pattern). The admin keeps its own pages."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and response.get("Content-Type", "").startswith("text/html")
            and not request.path.startswith("/admin")
        ):
            return problem_response(404, NO_SUCH_ENDPOINT)
        return response


API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; font-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PREFIXES = ("/docs", "/redoc", "/static/", "/admin")


class SecurityHeadersMiddleware:
    """Headers an API should send on every answer (nginx sends the same set at the edge)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        docs = request.path.startswith(DOCS_PREFIXES)
        response.setdefault("Content-Security-Policy", DOCS_CSP if docs else API_CSP)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if not docs:
            response.setdefault("Cache-Control", "no-store")
        return response

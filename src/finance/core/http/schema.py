"""OpenAPI post-processing: what every operation shares, written once.

- the problem+json error answers each operation can give, each with an example shaped like a real answer;
- the `X-Request-ID` header on every answer, `Retry-After` on 429 and 503 (and the app's 429s the IETF draft's
  `RateLimit-Policy` and `RateLimit`), `WWW-Authenticate` on 401;
- public operations (register, login, refresh, the signed download) declare that they need no token
  (`security: []`), so generated clients call them without credentials.
"""

import json
from typing import Any

from finance.core.http.problems import PROBLEM_CONTENT_TYPE, TITLES

PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail", "request_id"],
    "properties": {
        "type": {"type": "string", "description": "Always `about:blank`: the status says what happened."},
        "title": {"type": "string", "description": "The status in words."},
        "status": {"type": "integer", "description": "The HTTP status code."},
        "detail": {"type": "string", "description": "What went wrong, and what to do about it."},
        "request_id": {
            "type": "string",
            "nullable": True,
            "description": "The `X-Request-ID` of the answer: quote it when reporting a problem.",
        },
        "errors": {
            "type": "object",
            "description": "Messages per invalid field (dotted paths for nested fields).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}
_DESCRIPTIONS = {
    "400": "Invalid input: the `errors` member names each bad field.",
    "401": "Missing, invalid, expired or revoked token; the `detail` says which.",
    "403": "Authenticated, but not allowed.",
    "404": "No such object (or it belongs to another user), or no such page.",
    "409": "Conflicts with the current state.",
    "413": "Request body too large.",
    "415": "Only application/json bodies are accepted.",
    "422": "The Idempotency-Key was already used with a different request.",
    "429": "Rate limit reached; wait `Retry-After` seconds.",
    "503": "A backing service is unavailable; retry after `Retry-After` seconds.",
}
_REQUEST_ID = "3f9c2a7d41b04c1e9d0a6b5e8c7f2a10"
_DETAILS = {
    "400": "The request has invalid fields.",
    "401": "The access token has expired; get a new pair from POST /auth/refresh.",
    "403": "Only administrators can do this.",
    "404": "No such object.",
    "409": "The request conflicts with the current state.",
    "413": "The request body is limited to 65536 bytes.",
    "415": 'Unsupported media type "text/plain" in request.',
    "422": "This Idempotency-Key was used with a different request; use a new key for a new request.",
    "429": "Too many requests; retry later.",
    "503": "The database is unavailable; retry shortly.",
}
# Where an operation's answer reads differently from the generic one: (path, status) -> detail, errors.
_SPECIFIC: dict[tuple[str, str], tuple[str, dict[str, list[str]] | None]] = {
    ("/auth/register", "400"): (
        "The request has invalid fields.",
        {"password": ["This password is too common."]},
    ),
    ("/auth/register", "409"): ("A user with this email already exists.", {"email": ["Already registered."]}),
    ("/auth/login", "401"): ("Email or password is incorrect.", None),
    ("/auth/refresh", "401"): (
        "The refresh token is not valid, or was already used or revoked; log in again.",
        None,
    ),
    ("/auth/logout", "401"): ("The refresh token does not belong to this user.", None),
    ("/auth/password", "403"): ("The current password is incorrect.", None),
    ("/accounts", "400"): (
        "The request has invalid fields.",
        {"currency": ['"EURO" is not an ISO 4217 currency code.']},
    ),
    ("/accounts/{id}", "404"): ("No such account.", None),
    ("/accounts/{id}", "409"): (
        "The currency of an account with transactions cannot change; open a new account instead.",
        {"currency": ["Locked by existing transactions."]},
    ),
    ("/categories", "409"): (
        "You already have a category with this name and type.",
        {"name": ["You already have a category with this name and type."]},
    ),
    ("/categories/{id}", "404"): ("No such category.", None),
    ("/categories/{id}", "409"): (
        "The category is used by 3 transaction(s); move or delete them first.",
        {"category": ["Used by 3 transaction(s)."]},
    ),
    ("/transactions", "400"): (
        "The request has invalid fields.",
        {"amount": ["EUR allows at most 2 decimal places."]},
    ),
    ("/transactions/{id}", "404"): ("No such transaction.", None),
    ("/exports/{id}", "404"): ("No such export.", None),
    ("/exports/download/{token}", "403"): ("This download link has expired; ask for the export again.", None),
    ("/exports/download/{token}", "404"): ("This export no longer exists.", None),
    ("/users/{id}", "404"): ("No such user.", None),
    ("/users/{id}", "409"): ("You cannot deactivate yourself or change your own role.", None),
}
_DEFAULT_ERRORS = {"400": {"amount": ['Send the amount as a string of a decimal number, e.g. "12.50".']}}
# Operations that take no token (anything else needs `Authorization: Bearer <access token>`).
PUBLIC_PATHS = {"/auth/register", "/auth/login", "/auth/refresh", "/exports/download/{token}"}
# Registration and the signed download check no credentials; login and refresh answer 401 for bad ones.
_NO_CREDENTIALS = {"/auth/register", "/exports/download/{token}"}
HEADERS = {
    "RequestId": {
        "description": "The request's id: in every log line of the request and in error bodies.",
        "required": True,
        "schema": {"type": "string", "example": _REQUEST_ID},
    },
    "RetryAfter": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0, "example": 30},
    },
    "RateLimitPolicy": {
        "description": (
            "The limit that refused the request (IETF draft RateLimit header fields): its name, quota `q` "
            "and window `w` in seconds. Sent by the app's own limits, not by the edge's."
        ),
        "schema": {"type": "string", "example": '"login";q=10;w=60'},
    },
    "RateLimit": {
        "description": "What is left of that limit (`r`) and the seconds until it resets (`t`).",
        "schema": {"type": "string", "example": '"login";r=0;t=42'},
    },
    "WWWAuthenticate": {
        "description": (
            'The scheme; `error="invalid_token"` for a refused token, `error="invalid_request"` for a '
            "malformed Authorization header."
        ),
        "schema": {"type": "string", "example": 'Bearer realm="api", error="invalid_token"'},
    },
}


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def problem_example(path: str, code: str) -> dict[str, Any]:
    """An answer of status `code` on `path`, as the API writes it."""
    detail, errors = _SPECIFIC.get((path, code), (_DETAILS[code], _DEFAULT_ERRORS.get(code)))
    if code == "404" and not path.endswith("}"):
        detail = "Page 3 does not exist; the last page is 2."
    title = "Authentication failed" if (path, code) in {("/auth/login", "401")} else TITLES[int(code)]
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": int(code),
        "detail": detail,
        "request_id": _REQUEST_ID,
    }
    if errors:
        body["errors"] = errors
    return body


def _error_codes(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    codes = ["400", "429", "503"]
    if path not in _NO_CREDENTIALS:
        codes.append("401")
    parameters = {p.get("name") for p in operation.get("parameters", [])}
    if "{id}" in path or "page" in parameters:  # no such object, or no such page
        codes.append("404")
    if method in {"post", "put", "patch"}:
        codes += ["413", "415"]
    if method in {"post", "put", "patch", "delete"}:
        codes.append("409")
    if path.startswith("/users") or path == "/auth/password":
        codes.append("403")
    if "Idempotency-Key" in parameters:
        codes.append("422")
    return codes


def _inline_nullable_references(result: dict[str, Any]) -> None:
    """A nullable nested object comes out as `{"allOf": [{"$ref": ...}], "nullable": true}`, which OpenAPI 3.0
    does not let null through (`nullable` means nothing without a `type` beside it, and the referenced
    object refuses null). Such members get the referenced object's schema inline, with `nullable: true`; a
    component left unreferenced goes."""
    schemas = result.get("components", {}).get("schemas", {})
    inlined = set()
    for schema in schemas.values():
        for name, member in schema.get("properties", {}).items():
            refs = member.get("allOf", [])
            if member.get("nullable") and len(refs) == 1 and "$ref" in refs[0]:
                target = schemas[refs[0]["$ref"].rsplit("/", 1)[1]]
                extra = {key: value for key, value in member.items() if key != "allOf"}
                schema["properties"][name] = {**target, **extra}
                inlined.add(refs[0]["$ref"])
    text = json.dumps(result, default=str)  # lazy translations among the values
    for ref in inlined:
        if f'"{ref}"' not in text:
            del schemas[ref.rsplit("/", 1)[1]]


def complete_schema(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    components = result.setdefault("components", {})
    _inline_nullable_references(result)
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["headers"] = HEADERS
    problem = _ref("schemas", "Problem")
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if path in PUBLIC_PATHS:
                operation["security"] = []
            responses = operation.setdefault("responses", {})
            for code in _error_codes(path, method, operation):
                responses.setdefault(code, {"description": _DESCRIPTIONS[code]})
            for code, response in responses.items():
                headers = response.setdefault("headers", {})
                headers["X-Request-ID"] = _ref("headers", "RequestId")
                if code in {"429", "503"}:
                    headers["Retry-After"] = _ref("headers", "RetryAfter")
                if code == "429":
                    headers["RateLimit-Policy"] = _ref("headers", "RateLimitPolicy")
                    headers["RateLimit"] = _ref("headers", "RateLimit")
                if code == "401":
                    headers["WWW-Authenticate"] = _ref("headers", "WWWAuthenticate")
                content = response.get("content", {})
                if code >= "400" and (not content or PROBLEM_CONTENT_TYPE in content):
                    response["content"] = {
                        PROBLEM_CONTENT_TYPE: {"schema": problem, "example": problem_example(path, code)}
                    }
    return result

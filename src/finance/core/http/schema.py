"""OpenAPI post-processing: the problem+json error responses every operation can give."""

from typing import Any

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "request_id"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "request_id": {"type": "string", "nullable": True},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
}
_DESCRIPTIONS = {
    "400": "Invalid input: the `errors` member names each bad field.",
    "401": "Missing, invalid, expired or revoked token.",
    "403": "Authenticated, but not allowed.",
    "404": "No such object (or it belongs to another user), or no such page.",
    "409": "Conflicts with the current state.",
    "413": "Request body too large.",
    "415": "Only application/json bodies are accepted.",
    "422": "The Idempotency-Key was already used with a different request.",
    "429": "Rate limit reached; see Retry-After.",
    "503": "A backing service is unavailable; retry shortly.",
}
# Registration needs no credentials and checks none; login and refresh answer 401 for bad ones.
_NO_CREDENTIALS = {"/auth/register", "/exports/download/{token}"}


def add_problem_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
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
            for code in codes:
                operation.setdefault("responses", {}).setdefault(
                    code, {"description": _DESCRIPTIONS[code], "content": ref}
                )
    return result

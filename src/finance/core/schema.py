"""OpenAPI post-processing: the problem+json error responses every operation can give."""

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
    "404": "No such object, or it belongs to another user.",
    "409": "Conflicts with the current state.",
    "413": "Request body too large.",
    "415": "Only application/json bodies are accepted.",
    "422": "The Idempotency-Key was already used with a different request.",
    "429": "Rate limit reached; see Retry-After.",
    "503": "A backing service is unavailable; retry shortly.",
}
_PUBLIC = {"/auth/register", "/auth/login", "/auth/refresh", "/exports/download/{token}"}


def add_problem_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = ["400", "429", "503"]
            if path not in _PUBLIC:
                codes.append("401")
            if "{id}" in path:
                codes.append("404")
            if method in {"post", "put", "patch"}:
                codes += ["413", "415"]
            if method in {"post", "put", "patch", "delete"}:
                codes.append("409")
            if path.startswith("/users") or path == "/auth/password":
                codes.append("403")
            if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
                codes.append("422")
            for code in codes:
                operation.setdefault("responses", {}).setdefault(
                    code, {"description": _DESCRIPTIONS[code], "content": ref}
                )
    return result

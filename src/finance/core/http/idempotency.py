"""Idempotent POSTs: a retried request with the same Idempotency-Key gets the first answer, not a new write.

Apply `@idempotent` to an APIView's `post` method (one line; order with `@extend_schema` does not matter).
Keys are scoped per user and endpoint and kept IDEMPOTENCY_TTL seconds (at least a day):

* no header: the request runs as usual;
* a malformed key (not 1-255 printable ASCII characters): 400;
* first use: the key is claimed (a row inserted under a unique constraint, committed in its own
  transaction), then the view runs in one transaction together with storing its 2xx answer. If the view
  raises or answers 4xx/5xx, the claim is released, so a corrected retry can reuse the key;
* the same key and the same request again: the stored status and body, with `Idempotent-Replayed: true`;
* the same key with another body (or path): 422;
* the same key while the first request still runs: 409.

The running request holds a row lock on its claim for as long as its work transaction is open. On
PostgreSQL an in-flight claim that is not locked belongs to a request that died (process killed, connection
lost: its transaction rolled back) and the next request with the key takes it over at once. Without row
locks (SQLite) a claim counts as abandoned after IN_FLIGHT_LEASE. Taking over is safe either way: the
claim carries a token, and a request that finds its token replaced does no work and answers 409.
"""

import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from finance.core.errors import Conflict, Unprocessable, ValidationFailed
from finance.core.models import IdempotencyRecord

log = structlog.get_logger("finance.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_PATTERN = r"^[\x20-\x7e]{1,255}$"
_KEY = re.compile(KEY_PATTERN)
# Without row locks (SQLite): longer than any request may run, so a claim this old belongs to a dead request.
IN_FLIGHT_LEASE = timedelta(seconds=120)
_CLAIM_ATTEMPTS = 3
_LOCK_NOT_AVAILABLE = "55P03"

KEY_PARAMETER = OpenApiParameter(
    HEADER,
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]{1,255}$"},
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Makes a retry safe: a repeat with the same key and body returns the first answer (with "
        "`Idempotent-Replayed: true`) and writes nothing. 1-255 printable ASCII characters, kept at least "
        "24 hours per user and endpoint. The same key with another body answers 422; while the first "
        "request still runs, 409."
    ),
)
# Documented on the success answer a replay repeats: 201, or 202 for work done in the background (an
# operation shows it on whichever of the two it declares).
REPLAYED_PARAMETER = OpenApiParameter(
    REPLAYED_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    response=[201, 202],
    enum=["true"],
    description="Present when the answer is the stored answer of an earlier request with the same key.",
)


@dataclass(frozen=True)
class _Claim:
    record_id: int
    token: uuid.UUID


@dataclass(frozen=True)
class _Replay:
    status: int
    body: Any


def _canonical(body: Any) -> Any:
    """The body as JSON can hold it: a form (multipart) as lists of values per name, a file as its name, size
    and digest - so the same file sent again is the same request, and another file is not."""
    if isinstance(body, UploadedFile):
        digest = hashlib.sha256()
        for chunk in body.chunks():
            digest.update(chunk)
        body.seek(0)
        return {"file": body.name, "size": body.size, "sha256": digest.hexdigest()}
    if isinstance(body, MultiValueDict):
        return {name: [_canonical(value) for value in values] for name, values in body.lists()}
    return body


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(_canonical(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).hexdigest()


def _lock_not_available(error: DatabaseError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) == _LOCK_NOT_AVAILABLE


def _claim(*, user: Any, endpoint: str, key: str, print_: str) -> _Claim | _Replay:
    for _attempt in range(_CLAIM_ATTEMPTS):
        now = timezone.now()
        fresh = {
            "fingerprint": print_,
            "claim": uuid.uuid4(),
            "state": IdempotencyRecord.State.IN_FLIGHT,
            "response_status": None,
            "response_body": None,
            "claimed_at": now,
            "expires_at": now + timedelta(seconds=settings.IDEMPOTENCY_TTL),
        }
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(user=user, endpoint=endpoint, key=key, **fresh)
            return _Claim(record.pk, record.claim)
        except IntegrityError:
            pass  # the key is taken: look at the request that took it
        try:
            with transaction.atomic():
                found = (
                    IdempotencyRecord.objects.select_for_update(nowait=True)
                    .filter(user=user, endpoint=endpoint, key=key)
                    .first()
                )
                if found is None:
                    continue  # released by a failed first request since: claim again
                record = found
                # We hold the row lock now: on PostgreSQL a live owner would hold it (NOWAIT failed above).
                abandoned = record.state == IdempotencyRecord.State.IN_FLIGHT and (
                    connection.features.has_select_for_update_nowait
                    or record.claimed_at <= now - IN_FLIGHT_LEASE
                )
                if record.expires_at <= now or (abandoned and record.fingerprint == print_):
                    for name, value in fresh.items():
                        setattr(record, name, value)
                    record.save(update_fields=list(fresh))
                    log.info("idempotency.claim_taken_over", endpoint=endpoint, expired=not abandoned)
                    return _Claim(record.pk, record.claim)
                if record.fingerprint != print_:
                    raise Unprocessable(
                        f"This {HEADER} was used with a different request; use a new key for a new request."
                    )
                if record.state == IdempotencyRecord.State.IN_FLIGHT:
                    raise Conflict(f"A request with this {HEADER} is still being processed; retry shortly.")
                return _Replay(record.response_status or 200, record.response_body)
        except OperationalError as error:
            if _lock_not_available(error):
                raise Conflict(
                    f"A request with this {HEADER} is still being processed; retry shortly."
                ) from None
            raise
    raise Conflict(f"A request with this {HEADER} is being retried concurrently; retry shortly.")


def _release(claim: _Claim) -> None:
    """Drop the claim of a request that failed, so the key can be used again. Best effort: if the database
    is gone, the lease frees the claim later."""
    try:
        IdempotencyRecord.objects.filter(pk=claim.record_id, claim=claim.token).delete()
    except DatabaseError as error:
        log.warning("idempotency.release_failed", error=type(error).__name__)


def _as_json(data: Any) -> Any:
    return json.loads(JSONRenderer().render(data)) if data is not None else None


def _run(
    view_method: Callable[..., Response],
    claim: _Claim,
    view: Any,
    request: Request,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Response:
    try:
        with transaction.atomic():
            held = (
                IdempotencyRecord.objects.select_for_update()
                .filter(pk=claim.record_id, claim=claim.token)
                .values_list("pk", flat=True)
                .first()
            )
            if held is None:
                raise Conflict(f"A request with this {HEADER} is still being processed; retry shortly.")
            response = view_method(view, request, *args, **kwargs)
            if 200 <= response.status_code < 300:
                IdempotencyRecord.objects.filter(pk=claim.record_id).update(
                    state=IdempotencyRecord.State.COMPLETED,
                    response_status=response.status_code,
                    response_body=_as_json(getattr(response, "data", None)),
                )
            else:
                IdempotencyRecord.objects.filter(pk=claim.record_id).delete()
        return response
    except BaseException:
        _release(claim)
        raise


def idempotent(view_method: Callable[..., Response]) -> Callable[..., Response]:
    """Decorate an APIView `post` method to honour the Idempotency-Key header (see the module docs)."""

    @functools.wraps(view_method)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return view_method(view, request, *args, **kwargs)
        if not _KEY.match(key):
            raise ValidationFailed(
                {HEADER: ["Must be 1 to 255 printable ASCII characters."]}, detail=f"Invalid {HEADER}."
            )
        match = request.resolver_match
        endpoint = f"{request.method} {match.view_name if match else request.path}"
        print_ = fingerprint(str(request.method), request.path, request.data)
        outcome = _claim(user=request.user, endpoint=endpoint, key=key, print_=print_)
        if isinstance(outcome, _Replay):
            log.info("idempotency.replayed", endpoint=endpoint)
            return Response(outcome.body, status=outcome.status, headers={REPLAYED_HEADER: "true"})
        return _run(view_method, outcome, view, request, args, kwargs)

    # The schema annotations of the wrapped method stay, with the header documented on top of them.
    wrapper.kwargs = dict(getattr(view_method, "kwargs", {}))  # type: ignore[attr-defined]
    return extend_schema(parameters=[KEY_PARAMETER, REPLAYED_PARAMETER])(wrapper)

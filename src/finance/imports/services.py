"""Bank statement imports: upload, mapping, preview with duplicate detection, commit and revert.

Duplicate rules, in this order (docs/imports.md):

1. the bank's id (OFX FITID, or a CSV column), trimmed, blank counting as none: unique per account, looked
   up in ImportedKey, which outlives the transactions (a row the user deleted does not come back);
2. without one, the date, the signed amount and the row's occurrence among the file's rows of that date and
   amount: re-importing an overlapping file adds nothing, two real identical purchases both stay;
3. otherwise a transaction on the account with the same amount and direction within three days makes the
   row a possible duplicate - shown, skipped unless the user imports it - unless the two were told apart by
   the bank already (both carry bank ids, or both were imported without one: their keys differ).

A commit writes every row, both kinds of keys, the balance and (through the trigger) the figures in one
database transaction, with the account locked: a failed commit leaves nothing behind. A revert removes
exactly the transactions the import created, unless one was changed or linked into a transfer since
(409 without `force`).
"""

import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import structlog
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from finance.accounts.models import Account
from finance.accounts.selectors import accounts_for, accounts_for_update
from finance.accounts.services import move_balance
from finance.categories.models import Category
from finance.categories.selectors import categories_for
from finance.core import figure_cache
from finance.core.db.shortcuts import get_owned_or_404
from finance.core.errors import (
    Conflict,
    NotFound,
    ServiceUnavailable,
    TooLarge,
    UnsupportedMediaType,
    ValidationFailed,
)
from finance.core.observability import metrics
from finance.core.observability.events import emit
from finance.exports import storage
from finance.imports import parsing
from finance.imports.models import Import, ImportedKey, ImportRow
from finance.imports.selectors import imports_for, last_mapping
from finance.transactions.models import Transaction
from finance.transfers.services import unlink_transfer
from finance.users.models import User

log = structlog.get_logger("finance.imports")

NEARBY_DAYS = 3
_CHANGEABLE = (Import.Status.UPLOADED, Import.Status.MAPPED, Import.Status.FAILED)
_DELETABLE = (*_CHANGEABLE, Import.Status.REVERTED)
_DEFAULT_ACTIONS = {
    ImportRow.Status.NEW: ImportRow.Action.IMPORT,
    ImportRow.Status.POSSIBLE_DUPLICATE: ImportRow.Action.SKIP,
    ImportRow.Status.DUPLICATE: ImportRow.Action.SKIP,
    ImportRow.Status.INVALID: ImportRow.Action.SKIP,
}
_IMPORTABLE = (ImportRow.Status.NEW, ImportRow.Status.POSSIBLE_DUPLICATE)
_DIRECTIONS = {"income": Transaction.Direction.IN, "expense": Transaction.Direction.OUT}


def _object_key(user_id: int) -> str:
    return f"imports/{user_id}/{secrets.token_hex(16)}"


def get_import(*, user: User, import_id: int, for_update: bool = False) -> Import:
    queryset = imports_for(user)
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    return get_owned_or_404(queryset, import_id, noun="import")


def _count(result: str) -> Any:
    return metrics.IMPORTS.labels(result=result).inc


# --- rows and the duplicate rules ------------------------------------------------------------------------
def signed(row: ImportRow) -> Decimal:
    assert row.amount is not None
    return row.amount if row.type == "income" else -row.amount


def row_key(row: ImportRow) -> str:
    """Rule 2's key: the date, the signed amount (at storage precision) and the occurrence."""
    assert row.date is not None
    return f"{row.date.isoformat()}|{signed(row).quantize(Decimal('0.0001')):f}|{row.occurrence}"


def _key_of(row: ImportRow) -> tuple[str, str]:
    if row.external_id:
        return ImportedKey.Kind.BANK_ID, row.external_id
    return ImportedKey.Kind.ROW, row_key(row)


def _rows_from_parsed(user: User, parsed: Sequence[parsing.ParsedRow]) -> list[ImportRow]:
    """ImportRows with their type, category and occurrence; rows with errors are invalid."""
    by_name: dict[tuple[str, str], Category] = {}
    other_type: dict[str, str] = {}
    for category in categories_for(user):
        by_name.setdefault((category.name.strip().lower(), category.type), category)
        other_type[category.name.strip().lower()] = category.type
    occurrences: Counter[tuple[Any, Decimal]] = Counter()
    rows = []
    for p in parsed:
        errors = {name: list(messages) for name, messages in p.errors.items()}
        row = ImportRow(
            row=p.row,
            date=p.date,
            amount=abs(p.amount) if p.amount is not None else None,
            type=("income" if p.amount > 0 else "expense") if p.amount is not None else "",
            description=p.description,
            external_id=p.external_id,
            category_name=p.category_name,
        )
        if p.category_name and row.type:
            found = by_name.get((p.category_name.lower(), row.type))
            if found is not None:
                row.category = found
            elif p.category_name.lower() in other_type:
                errors.setdefault("category", []).append(
                    f"{p.category_name!r} is an {other_type[p.category_name.lower()]} category; this row is "
                    f"{'income' if row.type == 'income' else 'an expense'}."
                )
            else:
                errors.setdefault("category", []).append(
                    f"You have no {row.type} category named {p.category_name!r}: create it, or leave the "
                    "cell empty to use the import's default."
                )
        if row.date is not None and row.amount is not None and not errors:
            occurrences[(row.date, signed(row))] += 1
            row.occurrence = occurrences[(row.date, signed(row))]
        row.errors = errors
        row.status = ImportRow.Status.INVALID if errors else ImportRow.Status.NEW
        row.action = _DEFAULT_ACTIONS[ImportRow.Status(row.status)]
        rows.append(row)
    return rows


def _apply_duplicate_rules(
    account: Account, rows: Sequence[ImportRow], *, exclude_import: int | None
) -> None:
    """Set status, match and (unless the user chose it) action of every valid row, from the account's
    imported keys and transactions as they are now."""
    valid = [r for r in rows if r.status != ImportRow.Status.INVALID]
    bank_ids = {r.external_id for r in valid if r.external_id}
    row_keys = {row_key(r) for r in valid if not r.external_id}
    known: dict[tuple[str, str], int] = {}
    for key_kind, values in ((ImportedKey.Kind.BANK_ID, bank_ids), (ImportedKey.Kind.ROW, row_keys)):
        if values:
            keys = ImportedKey.objects.filter(account=account, kind=key_kind, value__in=values)
            if exclude_import is not None:
                keys = keys.exclude(source_import_id=exclude_import)
            known.update(
                {
                    (str(key_kind), value): tx_id
                    for value, tx_id in keys.values_list("value", "transaction_id")
                }
            )
    live = set(
        Transaction.objects.filter(pk__in=set(known.values()), account=account).values_list("pk", flat=True)
    )
    candidates = _nearby_candidates(account, valid)
    claimed: set[int] = set()
    seen_bank_ids: set[str] = set()
    for row in valid:
        row.status, row.match_transaction_id, row.match_reason = ImportRow.Status.NEW, None, ""
        kind, value = _key_of(row)
        if (kind, value) in known or (kind == ImportedKey.Kind.BANK_ID and value in seen_bank_ids):
            matched = known.get((kind, value))
            row.status = ImportRow.Status.DUPLICATE
            row.match_transaction_id = matched if matched in live else None
            row.match_reason = (
                ImportRow.Reason.BANK_ID if kind == ImportedKey.Kind.BANK_ID else ImportRow.Reason.SAME_DAY
            )
            if matched is not None:
                claimed.add(matched)
        if kind == ImportedKey.Kind.BANK_ID:
            seen_bank_ids.add(value)
    for row in valid:
        if row.status == ImportRow.Status.NEW:
            near = _nearest(row, candidates, claimed)
            if near is not None:
                claimed.add(near)
                row.status = ImportRow.Status.POSSIBLE_DUPLICATE
                row.match_transaction_id, row.match_reason = near, ImportRow.Reason.NEARBY
    for row in rows:
        if not row.action_chosen:
            row.action = _DEFAULT_ACTIONS[ImportRow.Status(row.status)]
        elif row.status not in _IMPORTABLE:
            row.action = ImportRow.Action.SKIP


def _nearby_candidates(account: Account, rows: Sequence[ImportRow]) -> list[dict[str, Any]]:
    if not rows:
        return []
    dates = [r.date for r in rows if r.date is not None]
    amounts = {r.amount for r in rows}
    return [
        dict(candidate)
        for candidate in Transaction.objects.filter(
            account=account,
            amount__in=amounts,
            date__gte=min(dates) - timedelta(days=NEARBY_DAYS),
            date__lte=max(dates) + timedelta(days=NEARBY_DAYS),
        )
        .order_by("date", "id")
        .values("id", "date", "amount", "direction", "source_import_id", "external_id")
    ]


def _nearest(row: ImportRow, candidates: Iterable[dict[str, Any]], claimed: set[int]) -> int | None:
    """The unclaimed transaction of rule 3 nearest in date (then the oldest), or None."""
    assert row.date is not None
    direction = _DIRECTIONS[row.type]
    best: tuple[int, int] | None = None
    for tx in candidates:
        if tx["id"] in claimed or tx["amount"] != row.amount or tx["direction"] != direction:
            continue
        distance = abs((tx["date"] - row.date).days)
        if distance > NEARBY_DAYS:
            continue
        # Both came from the bank with keys of the same kind, and the keys differ (else rule 1 or 2 would
        # have matched): the bank itself told them apart (daily interest of the same amount, say).
        if tx["source_import_id"] is not None and bool(tx["external_id"]) == bool(row.external_id):
            continue
        if best is None or (distance, tx["id"]) < best:
            best = (distance, tx["id"])
    return best[1] if best else None


def _store_rows(source_import: Import, rows: list[ImportRow]) -> None:
    ImportRow.objects.filter(source_import=source_import).delete()
    for row in rows:
        row.source_import = source_import
    ImportRow.objects.bulk_create(rows, batch_size=2000)
    source_import.row_count = len(rows)
    source_import.invalid_count = sum(r.status == ImportRow.Status.INVALID for r in rows)


def _check_size(count: int) -> None:
    if count > settings.IMPORT_MAX_ROWS:
        raise TooLarge(f"The file has {count:,} rows; an import holds at most {settings.IMPORT_MAX_ROWS:,}.")


# --- upload ----------------------------------------------------------------------------------------------
def _csv_preview(account: Account, text: str) -> tuple[dict[str, Any], list[str], list[list[str]], int]:
    """(suggested mapping, headers, sample, row count) of a CSV file: the mapping last used on this account
    when there is one, else a guess from the file."""
    delimiter = parsing.sniff_delimiter(text)
    guessed, headers, sample = parsing.guess_mapping(parsing.records(text, delimiter), delimiter)
    mapping = last_mapping(account.pk) or guessed
    recs = parsing.records(text, mapping["delimiter"])
    if mapping is not guessed:
        body = [r for r in recs[mapping["skip_rows"] :] if not parsing.is_blank(r)]
        headers = [c.strip() for c in body[0]] if mapping["has_header"] and body else []
        sample = body[1 if mapping["has_header"] else 0 :][: parsing.SAMPLE_SIZE]
    count = parsing.data_row_count(recs, skip_rows=mapping["skip_rows"], has_header=mapping["has_header"])
    return mapping, headers, [list(r) for r in sample], count


def upload(*, user: User, account_id: int, file: UploadedFile) -> Import:
    """Check and keep a statement file; for OFX also parse and check its rows (CSV waits for a mapping)."""
    account = accounts_for(user).filter(pk=account_id).first()
    if account is None:
        raise ValidationFailed({"account": ["No such account."]})
    if (file.size or 0) > settings.IMPORT_MAX_BYTES:
        raise TooLarge(f"The file is larger than {settings.IMPORT_MAX_BYTES:,} bytes.")
    data = file.read()
    try:
        fmt = parsing.detect(data)
        if fmt == Import.Format.OFX:
            parsed = parsing.ofx_rows(data, account.currency)
            _check_size(len(parsed))
            encoding, mapping, headers, sample = (
                "utf-8",
                None,
                parsing.OFX_HEADERS,
                parsing.ofx_sample(parsed),
            )
            count = len(parsed)
        else:
            text, encoding = parsing.decode(data)
            mapping, headers, sample, count = _csv_preview(account, text)
            _check_size(count)
    except parsing.NotAStatement as error:
        raise UnsupportedMediaType(
            f"{error} Upload a CSV file or an OFX/QFX statement.", errors={"file": [str(error)]}
        ) from None
    except parsing.Unreadable as error:
        raise ValidationFailed({"file": [str(error)]}, detail=str(error)) from None
    key = _object_key(user.pk)
    try:
        file.seek(0)
        storage.save(key, file)
    except Exception as exc:
        log.warning("import.store_failed", error=type(exc).__name__)
        raise ServiceUnavailable("The file store is unavailable; try again shortly.") from None
    try:
        with transaction.atomic():
            created = Import.objects.create(
                user=user,
                account=account,
                format=fmt,
                object_key=key,
                filename=(file.name or "")[-255:],
                size_bytes=len(data),
                encoding=encoding,
                headers=headers,
                sample=sample,
                suggested_mapping=mapping,
                row_count=count if fmt == Import.Format.CSV else None,
            )
            if fmt == Import.Format.OFX:
                rows = _rows_from_parsed(user, parsed)
                _apply_duplicate_rules(account, rows, exclude_import=None)
                _store_rows(created, rows)
                created.save(update_fields=["row_count", "invalid_count"])
            figure_cache.invalidate(user.pk)
            emit(
                "import.uploaded",
                import_id=created.pk,
                user_id=user.pk,
                format=fmt,
                rows=count,
                size_bytes=len(data),
                metric=_count("uploaded"),
            )
    except BaseException:
        _forget_file(key)
        raise
    return created


def _forget_file(key: str) -> None:
    try:
        storage.delete(key)
    except Exception as exc:  # the store being down is often why we are here
        log.warning("import.cleanup_failed", error=type(exc).__name__)


# --- mapping, rows ---------------------------------------------------------------------------------------
def _check_changeable(source_import: Import) -> None:
    if source_import.status not in _CHANGEABLE:
        raise Conflict(
            f"The import is {source_import.status}: its rows can no longer change.",
            errors={"status": [f"Is {source_import.status}."]},
        )


@transaction.atomic
def set_mapping(*, user: User, import_id: int, mapping: dict[str, Any]) -> Import:
    """Parse the CSV file's rows with this mapping and check them (any earlier rows and choices go)."""
    source_import = get_import(user=user, import_id=import_id, for_update=True)
    if source_import.format != Import.Format.CSV:
        raise Conflict("OFX statements need no mapping: their fields are defined by the format.")
    _check_changeable(source_import)
    try:
        data = storage.read(source_import.object_key)
    except Exception as exc:
        log.warning("import.read_failed", import_id=import_id, error=type(exc).__name__)
        raise ServiceUnavailable("The file store is unavailable; try again shortly.") from None
    text, _ = parsing.decode(data)
    try:
        recs = parsing.records(text, mapping["delimiter"])
    except parsing.Unreadable as error:
        raise ValidationFailed({"delimiter": [str(error)]}) from None
    width = max((len(r) for r in recs[mapping["skip_rows"] :]), default=0)
    wide = {
        f"columns.{name}": [f"The file has {width} columns (0 to {width - 1})."]
        for name, index in mapping["columns"].items()
        if index >= width
    }
    if wide:
        raise ValidationFailed(wide, detail="A column is beyond the file's columns with this delimiter.")
    parsed = parsing.csv_rows(recs, mapping, source_import.account.currency)
    _check_size(len(parsed))
    rows = _rows_from_parsed(user, parsed)
    _apply_duplicate_rules(source_import.account, rows, exclude_import=None)
    _store_rows(source_import, rows)
    source_import.mapping = mapping
    source_import.mapped_at = timezone.now()
    source_import.status = Import.Status.MAPPED
    source_import.error = ""
    source_import.save(
        update_fields=["mapping", "mapped_at", "status", "error", "row_count", "invalid_count"]
    )
    figure_cache.invalidate(user.pk)
    return source_import


@transaction.atomic
def choose_action(*, user: User, import_id: int, row: int, action: str) -> ImportRow:
    """The user's choice for one row: import a possible duplicate, or skip a new row."""
    source_import = get_import(user=user, import_id=import_id, for_update=True)
    _check_changeable(source_import)
    found = ImportRow.objects.filter(source_import=source_import, row=row).first()
    if found is None:
        raise NotFound(f"The import has no row {row}.")
    if action == ImportRow.Action.IMPORT and found.status not in _IMPORTABLE:
        raise Conflict(
            f"Row {row} is {found.status.replace('_', ' ')}: it cannot be imported.",
            errors={"action": [f"The row is {found.status}."]},
        )
    found.action, found.action_chosen = action, True
    found.save(update_fields=["action", "action_chosen"])
    figure_cache.invalidate(user.pk)
    return found


# --- commit ----------------------------------------------------------------------------------------------
def _default_for(source_import: Import, type: str) -> int | None:
    return source_import.income_category_id if type == "income" else source_import.expense_category_id


def _uncategorized(source_import: Import) -> Counter[str]:
    """Rows to import whose file names no category, per type."""
    rows = ImportRow.objects.filter(
        source_import=source_import,
        action=ImportRow.Action.IMPORT,
        status__in=_IMPORTABLE,
        category__isnull=True,
    )
    return Counter(rows.values_list("type", flat=True))


@transaction.atomic
def request_commit(
    *,
    user: User,
    import_id: int,
    income_category_id: int | None = None,
    expense_category_id: int | None = None,
) -> Import:
    """Check that the import can be committed and schedule the commit (a background task)."""
    source_import = get_import(user=user, import_id=import_id, for_update=True)
    if source_import.status == Import.Status.IMPORTING:
        raise Conflict("The import is already being committed.", errors={"status": ["Is importing."]})
    if source_import.status not in _CHANGEABLE:
        raise Conflict(
            f"The import is {source_import.status}: it was committed already.",
            errors={"status": [f"Is {source_import.status}."]},
        )
    if source_import.format == Import.Format.CSV and source_import.status == Import.Status.UPLOADED:
        raise Conflict(
            "Map the file's columns first (PUT /imports/{id}/mapping).", errors={"status": ["Is uploaded."]}
        )
    errors: dict[str, list[str]] = {}
    for name, category_id, type in (
        ("income_category", income_category_id, "income"),
        ("expense_category", expense_category_id, "expense"),
    ):
        if category_id is None:
            continue
        category = categories_for(user).filter(pk=category_id).first()
        if category is None:
            errors[name] = ["No such category."]
        elif category.type != type:
            errors[name] = [
                f"Must be an {type} category." if type == "income" else "Must be an expense category."
            ]
    if errors:
        raise ValidationFailed(errors)
    source_import.income_category_id = income_category_id
    source_import.expense_category_id = expense_category_id
    for type, count in _uncategorized(source_import).items():
        if _default_for(source_import, type) is None:
            errors[f"{type}_category"] = [
                f"{count} {type} row(s) to import name no category: choose the {type} category for them."
            ]
    if errors:
        raise ValidationFailed(errors, detail="Some rows need a default category.")
    source_import.status = Import.Status.IMPORTING
    source_import.error = ""
    source_import.save(update_fields=["income_category", "expense_category", "status", "error"])
    figure_cache.invalidate(user.pk)
    _schedule("commit", source_import.pk)
    return source_import


def _schedule(kind: str, import_id: int, *args: Any) -> None:
    # Imported here: the tasks module imports this one.
    from finance.core.tasks import enqueue_on_commit
    from finance.imports import tasks

    task = tasks.commit_import if kind == "commit" else tasks.revert_import
    enqueue_on_commit(
        task,
        import_id,
        *args,
        on_error=lambda: fail_import(
            import_id=import_id, error="The work could not be queued; try again later.", stage=kind
        ),
    )


def _transaction_of(source_import: Import, row: ImportRow) -> Transaction:
    # Importable rows have both.
    assert row.amount is not None
    assert row.date is not None
    return Transaction(
        user_id=source_import.user_id,
        account_id=source_import.account_id,
        category_id=row.category_id or _default_for(source_import, row.type),
        type=row.type,
        direction=_DIRECTIONS[row.type],
        amount=row.amount,
        description=row.description,
        date=row.date,
        source_import_id=source_import.pk,
        external_id=row.external_id,
    )


def commit_import(*, import_id: int) -> None:
    """Write the import's rows as transactions, their keys, the balance and the figures, all or nothing.
    Safe to run twice: only an import that is importing is committed."""
    started = timezone.now()
    found = Import.objects.filter(pk=import_id).values_list("account_id", "user_id", "status").first()
    if found is None or found[2] != Import.Status.IMPORTING:
        log.info("import.commit_skipped", import_id=import_id)
        return
    account_id, user_id, _ = found
    with transaction.atomic():
        account = accounts_for_update(user_id=user_id, account_ids=[account_id])[account_id]
        source_import = Import.objects.select_for_update().filter(pk=import_id).first()
        if source_import is None or source_import.status != Import.Status.IMPORTING:
            return
        rows = list(ImportRow.objects.filter(source_import=source_import).order_by("row"))
        before = {r.pk: (r.status, r.action, r.match_transaction_id, r.match_reason) for r in rows}
        _apply_duplicate_rules(account, rows, exclude_import=None)
        changed = [
            r for r in rows if before[r.pk] != (r.status, r.action, r.match_transaction_id, r.match_reason)
        ]
        ImportRow.objects.bulk_update(
            changed, ["status", "action", "match_transaction_id", "match_reason"], batch_size=1000
        )
        chosen = [r for r in rows if r.action == ImportRow.Action.IMPORT and r.status in _IMPORTABLE]
        missing = sorted(
            {r.type for r in chosen if r.category_id is None and _default_for(source_import, r.type) is None}
        )
        if missing:
            raise ValidationFailed(
                {f"{t}_category": ["Required."] for t in missing},
                detail=f"Rows without a category need a default {' and '.join(missing)} category.",
            )
        transactions = [_transaction_of(source_import, r) for r in chosen]
        Transaction.objects.bulk_create(transactions, batch_size=1000)
        ImportedKey.objects.bulk_create(
            [
                ImportedKey(
                    account_id=account_id,
                    kind=_key_of(r)[0],
                    value=_key_of(r)[1],
                    source_import_id=import_id,
                    row=r.row,
                    transaction_id=tx.pk,
                )
                for r, tx in zip(chosen, transactions, strict=True)
            ],
            batch_size=2000,
        )
        move_balance(account, sum((signed(r) for r in chosen), Decimal(0)))
        duplicates = sum(r.status == ImportRow.Status.DUPLICATE for r in rows)
        source_import.status = Import.Status.DONE
        source_import.created = len(chosen)
        source_import.duplicates = duplicates
        source_import.skipped = len(rows) - len(chosen) - duplicates
        source_import.committed_at = timezone.now()
        source_import.error = ""
        source_import.save(
            update_fields=["status", "created", "duplicates", "skipped", "committed_at", "error"]
        )
        figure_cache.invalidate(user_id)
        seconds = (timezone.now() - started).total_seconds()

        def count() -> None:
            metrics.IMPORTS.labels(result="committed").inc()
            for result, number in (
                ("created", len(chosen)),
                ("duplicate", duplicates),
                ("skipped", source_import.skipped or 0),
            ):
                metrics.IMPORT_ROWS.labels(result=result).inc(number)
            metrics.IMPORT_COMMIT_DURATION.observe(seconds)

        emit(
            "import.committed",
            import_id=import_id,
            user_id=user_id,
            format=source_import.format,
            created=len(chosen),
            duplicates=duplicates,
            skipped=source_import.skipped,
            duration_ms=round(seconds * 1000, 1),
            metric=count,
        )


def fail_import(*, import_id: int, error: str, stage: str = "commit") -> None:
    """Record why the commit (back to failed) or the revert (back to done) did not happen."""
    status = Import.Status.IMPORTING if stage == "commit" else Import.Status.REVERTING
    back = Import.Status.FAILED if stage == "commit" else Import.Status.DONE
    found = Import.objects.filter(pk=import_id, status=status).values_list("user_id", "format").first()
    if found is None:
        return
    Import.objects.filter(pk=import_id, status=status).update(status=back, error=error[:500])
    emit(
        "import.failed",
        level="warning",
        import_id=import_id,
        user_id=found[0],
        format=found[1],
        stage=stage,
        error=error,
        metric=_count("failed" if stage == "commit" else "revert_failed"),
    )


# --- revert ----------------------------------------------------------------------------------------------
def _conflicts(source_import: Import, keys: Sequence[ImportedKey]) -> list[str]:
    """What stands in the way of a revert: transactions of the import changed or linked since."""
    rows = {
        r.row: r for r in ImportRow.objects.filter(source_import=source_import, row__in=[k.row for k in keys])
    }
    found = {tx.pk: tx for tx in Transaction.objects.filter(pk__in=[k.transaction_id for k in keys])}
    problems = []
    for key in keys:
        tx = found.get(key.transaction_id)
        if tx is None:
            continue  # deleted since: nothing left to remove
        if tx.transfer_id is not None:
            problems.append(f"Transaction {tx.pk} is now a leg of transfer {tx.transfer_id}.")
            continue
        row = rows[key.row]
        expected = (
            source_import.account_id,
            row.type,
            row.amount,
            row.date,
            row.description,
            row.category_id or _default_for(source_import, row.type),
        )
        if (tx.account_id, tx.type, tx.amount, tx.date, tx.description, tx.category_id) != expected:
            problems.append(f"Transaction {tx.pk} was changed since the import.")
    return problems


@transaction.atomic
def request_revert(*, user: User, import_id: int, force: bool = False) -> Import:
    source_import = get_import(user=user, import_id=import_id, for_update=True)
    if source_import.status != Import.Status.DONE:
        raise Conflict(
            f"Only a done import can be reverted; this one is {source_import.status}.",
            errors={"status": [f"Is {source_import.status}."]},
        )
    problems = _conflicts(source_import, list(ImportedKey.objects.filter(source_import=source_import)))
    if problems and not force:
        raise Conflict(
            f"{len(problems)} of the import's transactions were changed or linked since; revert with "
            "?force=true to remove them anyway (a transfer they are part of is unlinked first).",
            errors={"transactions": problems[:20]},
        )
    source_import.status = Import.Status.REVERTING
    source_import.error = ""
    source_import.save(update_fields=["status", "error"])
    figure_cache.invalidate(user.pk)
    _schedule("revert", source_import.pk, force)
    return source_import


def revert_import(*, import_id: int, force: bool) -> None:
    """Remove the transactions the import created (restoring balances and figures) and its keys."""
    found = Import.objects.filter(pk=import_id).values_list("user_id", "status").first()
    if found is None or found[1] != Import.Status.REVERTING:
        return
    user = User.objects.get(pk=found[0])
    with transaction.atomic():
        keys = list(ImportedKey.objects.filter(source_import_id=import_id))
        ids = [k.transaction_id for k in keys]
        current = Transaction.objects.filter(pk__in=ids)
        transfers = set(current.exclude(transfer__isnull=True).values_list("transfer_id", flat=True))
        account_ids = set(current.values_list("account_id", flat=True)) | set(
            Transaction.objects.filter(transfer_id__in=transfers).values_list("account_id", flat=True)
        )
        accounts = accounts_for_update(user_id=user.pk, account_ids=account_ids)
        source_import = Import.objects.select_for_update().filter(pk=import_id).first()
        if source_import is None or source_import.status != Import.Status.REVERTING:
            return
        problems = _conflicts(source_import, keys)
        if problems and not force:
            raise Conflict(
                f"{len(problems)} of the import's transactions were changed or linked since the revert was "
                "asked for; nothing was removed."
            )
        for transfer_id in transfers:
            unlink_transfer(user=user, transfer_id=transfer_id)
        doomed = list(Transaction.objects.select_for_update().filter(pk__in=ids))
        if any(tx.account_id not in accounts for tx in doomed):
            raise Conflict(
                "A transaction of the import moved to another account meanwhile; retry the revert."
            )
        moved: dict[int, Decimal] = defaultdict(Decimal)
        for tx in doomed:
            moved[tx.account_id] += -tx.amount if tx.direction == Transaction.Direction.IN else tx.amount
        for account_id, delta in moved.items():
            move_balance(accounts[account_id], delta)
        Transaction.objects.filter(pk__in=[tx.pk for tx in doomed]).delete()
        ImportedKey.objects.filter(source_import_id=import_id).delete()
        source_import.status = Import.Status.REVERTED
        source_import.reverted_at = timezone.now()
        source_import.save(update_fields=["status", "reverted_at"])
        figure_cache.invalidate(user.pk)
        emit(
            "import.reverted",
            import_id=import_id,
            user_id=user.pk,
            removed=len(doomed),
            forced=bool(problems),
            metric=_count("reverted"),
        )


# --- delete ----------------------------------------------------------------------------------------------
def delete_import(*, user: User, import_id: int) -> None:
    """Remove an import that holds no transactions (before its commit, or after its revert) and its file."""
    with transaction.atomic():
        source_import = get_import(user=user, import_id=import_id, for_update=True)
        if source_import.status not in _DELETABLE:
            raise Conflict(
                f"The import is {source_import.status}: revert it first, which removes its transactions.",
                errors={"status": [f"Is {source_import.status}."]},
            )
        try:
            storage.delete(source_import.object_key)
        except Exception as exc:
            log.warning("import.delete_failed", import_id=import_id, error=type(exc).__name__)
            raise ServiceUnavailable("The file store is unavailable; try again shortly.") from None
        source_import.delete()
        figure_cache.invalidate(user.pk)
        emit("import.deleted", import_id=import_id, user_id=user.pk)

from typing import Any

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.core.http.fields import DATE, ObjectId, StrictSerializer, query_data
from finance.core.http.idempotency import idempotent
from finance.core.http.pagination import PagePagination, paginated_response
from finance.core.http.problems import PROBLEM_CONTENT_TYPE
from finance.core.money import format_money
from finance.imports import parsing, selectors, services
from finance.imports.models import Import, ImportedKey, ImportRow
from finance.transactions.models import Transaction
from finance.users.authentication import AuthenticatedRequest

MAX_COLUMN = 199


# --- the mapping -------------------------------------------------------------------------------------------
def _column(help_text: str, *, required: bool = False) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=0, max_value=MAX_COLUMN, required=required, help_text=f"{help_text} (0: the first column)."
    )


class ColumnsIn(StrictSerializer):
    date = _column("The column of the posting date", required=True)
    description = _column("The column of the description (payee, memo)", required=True)
    amount = _column("The column of the signed amount; or give inflow and outflow instead")
    inflow = _column("The column of money in (with outflow, instead of amount)")
    outflow = _column("The column of money out, with or without a minus (with inflow, instead of amount)")
    external_id = _column("The column of the bank's id of the transaction, if the file has one")
    category = _column("The column of a category name (of your categories), if the file has one")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_amount = "amount" in attrs
        has_pair = "inflow" in attrs and "outflow" in attrs
        if has_amount == has_pair or (not has_pair and ("inflow" in attrs or "outflow" in attrs)):
            raise serializers.ValidationError(
                {"amount": ["Give either amount, or both inflow and outflow (not both kinds)."]}
            )
        used = list(attrs.values())
        if len(used) != len(set(used)):
            raise serializers.ValidationError({"date": ["Each field needs a column of its own."]})
        return attrs


class DateFormat(serializers.CharField):
    """A strftime pattern of a date: "%d.%m.%Y", "%Y-%m-%d", "%m/%d/%Y"."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        value = super().to_internal_value(data)
        codes = set(value.replace("%%", "").split("%")[1:])
        day = {c[:1] for c in codes}
        if not ({"d"} <= day and day & {"m", "b", "B"} and day & {"Y", "y"}) or day - {
            "d",
            "m",
            "b",
            "B",
            "Y",
            "y",
        }:
            raise serializers.ValidationError(
                "Must name the day (%d), the month (%m, %b) and the year (%Y, %y), and nothing else."
            )
        return value


class MappingIn(StrictSerializer):
    delimiter = serializers.ChoiceField(choices=parsing.DELIMITERS, help_text="The character between cells.")
    has_header = serializers.BooleanField(
        help_text="Whether the first row (after skip_rows) names the columns."
    )
    skip_rows = serializers.IntegerField(
        min_value=0,
        max_value=100,
        default=0,
        help_text="Rows above the table to ignore (an account summary).",
    )
    columns = ColumnsIn()
    date_format = DateFormat(max_length=20, help_text='strftime style: "%d.%m.%Y", "%Y-%m-%d", "%m/%d/%Y".')
    decimal_separator = serializers.ChoiceField(choices=parsing.DECIMAL_SEPARATORS, default=".")
    thousands_separator = serializers.ChoiceField(
        choices=parsing.THOUSANDS_SEPARATORS, default="", allow_blank=True, help_text='"" for none.'
    )
    sign = serializers.ChoiceField(
        choices=parsing.SIGNS,
        default="inflow_positive",
        help_text="For an amount column: inflow_positive (a positive amount is money in, as bank accounts "
        "write it) or inflow_negative (a positive amount is money out, as many card statements write it).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["decimal_separator"] == attrs["thousands_separator"]:
            raise serializers.ValidationError(
                {"thousands_separator": ["Must differ from decimal_separator."]}
            )
        return attrs


class ColumnsOut(serializers.Serializer):
    date = serializers.IntegerField()
    description = serializers.IntegerField()
    amount = serializers.IntegerField(required=False)
    inflow = serializers.IntegerField(required=False)
    outflow = serializers.IntegerField(required=False)
    external_id = serializers.IntegerField(required=False)
    category = serializers.IntegerField(required=False)


class MappingOut(serializers.Serializer):
    delimiter = serializers.ChoiceField(choices=parsing.DELIMITERS)
    has_header = serializers.BooleanField()
    skip_rows = serializers.IntegerField()
    columns = ColumnsOut()
    date_format = serializers.CharField()
    decimal_separator = serializers.ChoiceField(choices=parsing.DECIMAL_SEPARATORS)
    thousands_separator = serializers.ChoiceField(choices=parsing.THOUSANDS_SEPARATORS, allow_blank=True)
    sign = serializers.ChoiceField(choices=parsing.SIGNS)


class MappedOut(serializers.Serializer):
    row_count = serializers.IntegerField(help_text="The data rows the mapping found.")
    invalid_count = serializers.IntegerField(help_text="Rows that cannot be imported; their errors say why.")


# --- the import ----------------------------------------------------------------------------------------
class ImportUploadIn(StrictSerializer):
    file = serializers.FileField(
        help_text="The statement: CSV (any delimiter, UTF-8 or Windows-1252) or OFX/QFX (1.x SGML or 2.x "
        "XML), at most 5 MB and 10,000 rows. The format is read from the content."
    )
    account = ObjectId(help_text="The account the statement belongs to.")


# The upload's body as the document describes it: written inline (not as a component), so that clients and
# test tools that do not follow references into multipart schemas still see `file` as a binary part.
UPLOAD_SCHEMA = {
    "type": "object",
    "properties": {
        "file": {
            "type": "string",
            "format": "binary",
            "description": "The statement: CSV (any delimiter, UTF-8 or Windows-1252) or OFX/QFX (1.x SGML or "
            "2.x XML), at most 5 MB and 10,000 rows. The format is read from the content, not the name.",
        },
        "account": {
            "type": "integer",
            "format": "int64",
            "minimum": 1,
            "maximum": 2**63 - 1,
            "description": "The id of the account the statement belongs to.",
        },
    },
    "required": ["file", "account"],
}


class ImportOut(serializers.ModelSerializer):
    account = serializers.IntegerField(source="account_id")
    headers = serializers.ListField(
        child=serializers.CharField(),
        help_text="CSV: the header row's cells (empty without a header). OFX: the fields of `sample`.",
    )
    sample = serializers.ListField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="The first five rows: CSV cells as written, or OFX rows as date, amount, description, "
        "bank id.",
    )
    suggested_mapping = MappingOut(
        allow_null=True,
        help_text="CSV: the mapping last used on this account, else a guess from the file. Null for OFX.",
    )
    mapping = MappingOut(allow_null=True, help_text="The mapping the rows were read with (CSV), or null.")
    income_category = serializers.IntegerField(source="income_category_id", allow_null=True)
    expense_category = serializers.IntegerField(source="expense_category_id", allow_null=True)
    created = serializers.IntegerField(allow_null=True, help_text="Transactions the commit created.")
    skipped = serializers.IntegerField(
        allow_null=True,
        help_text="Rows the commit did not import (invalid, "
        "skipped by choice, possible duplicates left skipped).",
    )
    duplicates = serializers.IntegerField(allow_null=True, help_text="Rows already imported before.")
    error = serializers.SerializerMethodField()

    class Meta:
        model = Import
        fields = [
            "id",
            "account",
            "status",
            "format",
            "filename",
            "size_bytes",
            "headers",
            "sample",
            "suggested_mapping",
            "mapping",
            "row_count",
            "invalid_count",
            "income_category",
            "expense_category",
            "created",
            "skipped",
            "duplicates",
            "error",
            "created_at",
            "committed_at",
            "reverted_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        {"type": "string", "nullable": True, "description": "Why the last commit or revert failed."}
    )
    def get_error(self, source_import: Import) -> str | None:
        return source_import.error or None


class MatchOut(serializers.Serializer):
    transaction = serializers.IntegerField(
        allow_null=True,
        help_text="The transaction it matched; null if that was deleted, or for an earlier row.",
    )
    reason = serializers.ChoiceField(choices=ImportRow.Reason.choices)


class RowOut(serializers.Serializer):
    row = serializers.IntegerField(
        help_text="The row's number in the file (a spreadsheet's row number for CSV)."
    )
    date = serializers.DateField(allow_null=True)
    amount = serializers.CharField(allow_null=True, help_text="Positive, with the account currency's digits.")
    type = serializers.CharField(
        allow_null=True, help_text="income or expense; null when no amount was read."
    )
    description = serializers.CharField(allow_blank=True)
    external_id = serializers.CharField(
        allow_blank=True, help_text="The bank's id; empty when there is none."
    )
    category = serializers.IntegerField(
        allow_null=True, help_text="Your category named in the file; null: the import's default for its type."
    )
    status = serializers.ChoiceField(choices=ImportRow.Status.choices)
    action = serializers.ChoiceField(
        choices=ImportRow.Action.choices,
        help_text="What the commit does with the row: new rows are imported and the others skipped, unless "
        "you chose otherwise (PATCH).",
    )
    match = MatchOut(allow_null=True, help_text="Why the row is a duplicate or a possible duplicate.")
    # A field named like Serializer.errors: declared fields leave the class, so the property stays.
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Why an invalid row cannot be imported, per field.",
    )
    transaction = serializers.IntegerField(allow_null=True, help_text="The transaction the commit created.")

    def to_representation(self, row: ImportRow) -> dict[str, Any]:
        currency = self.context["currency"]
        live = self.context["live"]
        return {
            "row": row.row,
            "date": DATE.to_representation(row.date) if row.date else None,
            "amount": format_money(row.amount, currency) if row.amount is not None else None,
            "type": row.type or None,
            "description": row.description,
            "external_id": row.external_id,
            "category": row.category_id,
            "status": row.status,
            "action": row.action,
            "match": (
                {
                    "transaction": row.match_transaction_id if row.match_transaction_id in live else None,
                    "reason": row.match_reason,
                }
                if row.match_reason
                else None
            ),
            "errors": row.errors,
            "transaction": self.context["created"].get(row.row),
        }


class RowChangeIn(StrictSerializer):
    action = serializers.ChoiceField(choices=ImportRow.Action.choices)


class RowQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=ImportRow.Status.choices, required=False)


class CommitIn(StrictSerializer):
    income_category = ObjectId(
        required=False, source="income_category_id", help_text="For income rows whose file names no category."
    )
    expense_category = ObjectId(
        required=False,
        source="expense_category_id",
        help_text="For expense rows whose file names no category.",
    )


class NoBody(StrictSerializer):
    """No fields: anything sent is refused, so a mistaken field is an error rather than ignored."""


class RevertQuery(serializers.Serializer):
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Remove the import's transactions even if some were changed or linked into a transfer since.",
    )


# --- examples --------------------------------------------------------------------------------------------
_MAPPING = {
    "delimiter": ";",
    "has_header": True,
    "skip_rows": 0,
    "columns": {"date": 0, "description": 1, "amount": 2},
    "date_format": "%d.%m.%Y",
    "decimal_separator": ",",
    "thousands_separator": ".",
    "sign": "inflow_positive",
}
_UPLOADED = {
    "id": 9,
    "account": 1,
    "status": "uploaded",
    "format": "csv",
    "filename": "statement-2026-03.csv",
    "size_bytes": 4817,
    "headers": ["Buchungstag", "Verwendungszweck", "Betrag"],
    "sample": [["02.03.2026", "ACME PAYROLL", "2.450,00"], ["03.03.2026", "WHOLE FOODS", "-54,20"]],
    "suggested_mapping": _MAPPING,
    "mapping": None,
    "row_count": 42,
    "invalid_count": None,
    "income_category": None,
    "expense_category": None,
    "created": None,
    "skipped": None,
    "duplicates": None,
    "error": None,
    "created_at": "2026-04-05T09:00:00.000000Z",
    "committed_at": None,
    "reverted_at": None,
}
_DONE = {
    **_UPLOADED,
    "status": "done",
    "mapping": _MAPPING,
    "invalid_count": 0,
    "income_category": 31,
    "expense_category": 12,
    "created": 39,
    "skipped": 1,
    "duplicates": 2,
    "committed_at": "2026-04-05T09:01:00.000000Z",
}
_ROW = {
    "row": 3,
    "date": "2026-03-03",
    "amount": "4.75",
    "type": "expense",
    "description": "BLUE BOTTLE COFFEE",
    "external_id": "",
    "category": None,
    "status": "possible_duplicate",
    "action": "skip",
    "match": {"transaction": 811, "reason": "nearby_amount"},
    "errors": {},
    "transaction": None,
}
_LOCATION = OpenApiParameter(
    "Location",
    str,
    location=OpenApiParameter.HEADER,
    response=[201],
    description="The import's address (`/imports/{id}`). A replayed answer has the id in its body only.",
)
_PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _row_context(source_import: Import, rows: list[ImportRow]) -> dict[str, Any]:
    """What a page of rows shows besides their own columns: which matched transactions still exist and which
    transactions the commit created."""
    matched = {r.match_transaction_id for r in rows if r.match_transaction_id}
    live = set(
        Transaction.objects.filter(pk__in=matched, user_id=source_import.user_id).values_list("pk", flat=True)
    )
    created = dict(
        ImportedKey.objects.filter(source_import=source_import, row__in=[r.row for r in rows]).values_list(
            "row", "transaction_id"
        )
    )
    return {"currency": source_import.account.currency, "live": live, "created": created}


# --- views -----------------------------------------------------------------------------------------------
class ImportListView(APIView):
    pagination_class = PagePagination  # documents the page envelope and parameters in the schema
    parser_classes = [MultiPartParser]

    @extend_schema(
        responses={200: ImportOut(many=True)},
        tags=["imports"],
        summary="Your imports, newest first",
        description="Your bank statement imports, newest first, a page at a time.",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query_data(serializers.Serializer, request)  # only page and page_size: refuse anything else
        return paginated_response(request, selectors.imports_for(request.user), ImportOut)

    @extend_schema(
        request={"multipart/form-data": UPLOAD_SCHEMA},
        parameters=[_LOCATION],
        responses={
            201: ImportOut,
            (413, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                _PROBLEM, description="The file is larger than 5 MB or holds more than 10,000 rows."
            ),
            (415, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                _PROBLEM, description="The body is not multipart/form-data, or the file is not CSV or OFX."
            ),
        },
        examples=[OpenApiExample("a CSV file", value=_UPLOADED, response_only=True, status_codes=[201])],
        tags=["imports"],
        summary="Upload a bank statement (CSV or OFX) for one of your accounts",
        description=(
            "A `multipart/form-data` body with the statement in `file` and the account's id in `account`. The "
            "format is read from the content: OFX 1.x (SGML) and 2.x (XML), QFX included, or CSV with any "
            "delimiter; anything else answers 415. At most 5 MB and 10,000 rows (413). The answer shows the "
            "file's `headers` and first rows (`sample`) and, for CSV, a `suggested_mapping`: the mapping last "
            "used on this account, else a guess. Send it (corrected) to `PUT /imports/{id}/mapping`; OFX "
            "needs none. Nothing is imported yet. Send an `Idempotency-Key` to make a retry safe."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest) -> Response:
        data = ImportUploadIn(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.upload(
            user=request.user, account_id=data.validated_data["account"], file=data.validated_data["file"]
        )
        return Response(
            ImportOut(created).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("import-detail", args=[created.pk])},
        )


class ImportDetailView(APIView):
    @extend_schema(
        responses={200: ImportOut},
        examples=[OpenApiExample("done", value=_DONE, response_only=True)],
        tags=["imports"],
        summary="One import: its status and, once committed, what it did",
        description=(
            "`status` is uploaded, mapped, importing, done, failed, reverting or reverted. Once done, "
            "`created`, `skipped` and `duplicates` count its rows; a failed commit or revert says why in "
            "`error` (and wrote nothing)."
        ),
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(ImportOut(services.get_import(user=request.user, import_id=pk)).data)

    @extend_schema(
        responses={204: None},
        tags=["imports"],
        summary="Delete an import that holds no transactions, and its file",
        description=(
            "Deletes the import, its rows and its file - before it was committed, after a failed commit, or "
            "after it was reverted. A committed import answers 409: revert it first (its transactions stay "
            "yours otherwise)."
        ),
    )
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        services.delete_import(user=request.user, import_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MappingView(APIView):
    @extend_schema(
        request=MappingIn,
        responses={200: MappedOut},
        examples=[
            OpenApiExample("a German bank's CSV", value=_MAPPING, request_only=True),
            OpenApiExample("read", value={"row_count": 42, "invalid_count": 0}, response_only=True),
        ],
        tags=["imports"],
        summary="Read a CSV file's rows with a column mapping",
        description=(
            "Which column holds what (0 is the first), and how dates and numbers are written. `columns` needs "
            "`date`, `description` and either `amount` (signed; `sign` says which way) or `inflow` and "
            "`outflow`; `external_id` (the bank's id) and `category` (a name of one of your categories) are "
            "optional. The rows are read and checked for duplicates at once (see `GET /imports/{id}/rows`); "
            "mapping again replaces them and your choices. CSV only: an OFX import answers 409."
        ),
    )
    def put(self, request: AuthenticatedRequest, pk: int) -> Response:
        data = MappingIn(data=request.data)
        data.is_valid(raise_exception=True)
        mapping = {**data.validated_data, "columns": dict(data.validated_data["columns"])}
        mapped = services.set_mapping(user=request.user, import_id=pk, mapping=mapping)
        return Response({"row_count": mapped.row_count, "invalid_count": mapped.invalid_count})


class RowListView(APIView):
    pagination_class = PagePagination  # documents the page envelope and parameters in the schema

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status", str, enum=ImportRow.Status.values, description="Only rows with this status."
            )
        ],
        responses={200: RowOut(many=True)},
        examples=[OpenApiExample("a possible duplicate", value=_ROW, response_only=True)],
        tags=["imports"],
        summary="The import's rows as they will be imported",
        description=(
            "Every row of the file, parsed and checked, in file order: `new` (imported), `duplicate` (already "
            "imported: the bank's id, or the same date, amount and occurrence as a row imported before), "
            "`possible_duplicate` (a transaction of the same amount within 3 days; skipped unless you import "
            "it) or `invalid` (`errors` says why). `match` names the transaction a duplicate matched."
        ),
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        source_import = services.get_import(user=request.user, import_id=pk)
        query = query_data(RowQuery, request)
        paginator = PagePagination()
        page = paginator.paginate_queryset(
            selectors.rows_of(source_import, status=query.get("status")), request
        )
        context = _row_context(source_import, page)
        return paginator.get_paginated_response(RowOut(page, many=True, context=context).data)


class RowDetailView(APIView):
    @extend_schema(
        request=RowChangeIn,
        responses={200: RowOut},
        examples=[
            OpenApiExample("import it after all", value={"action": "import"}, request_only=True),
            OpenApiExample("chosen", value={**_ROW, "action": "import"}, response_only=True),
        ],
        tags=["imports"],
        summary="Import or skip one row",
        description=(
            "Overrides what the commit does with a row: `import` a possible duplicate (or a new row you had "
            "skipped), `skip` any row. Duplicates and invalid rows cannot be imported (409). Before the "
            "commit only."
        ),
    )
    def patch(self, request: AuthenticatedRequest, pk: int, row: int) -> Response:
        data = RowChangeIn(data=request.data)
        data.is_valid(raise_exception=True)
        changed = services.choose_action(
            user=request.user, import_id=pk, row=row, action=data.validated_data["action"]
        )
        source_import = services.get_import(user=request.user, import_id=pk)
        return Response(RowOut(changed, context=_row_context(source_import, [changed])).data)


class CommitView(APIView):
    @extend_schema(
        request=CommitIn,
        responses={202: ImportOut},
        examples=[
            OpenApiExample(
                "default categories", value={"income_category": 31, "expense_category": 12}, request_only=True
            )
        ],
        tags=["imports"],
        summary="Import the rows (in the background)",
        description=(
            "Creates a transaction for every row whose action is `import`, in one database transaction with "
            "the balance and the reports' figures: all or nothing. Rows whose file names no category go to "
            "`income_category` or `expense_category` (required when such rows exist; 400 names the missing "
            "one). The answer is 202 with the import `importing`: poll `GET /imports/{id}` until `done` or "
            "`failed` (nothing written; commit again). Committing an import twice answers 409. Send an "
            "`Idempotency-Key` to make a retry safe."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        data = CommitIn(data=request.data)
        data.is_valid(raise_exception=True)
        committing = services.request_commit(user=request.user, import_id=pk, **data.validated_data)
        committing.refresh_from_db()
        return Response(ImportOut(committing).data, status=status.HTTP_202_ACCEPTED)


class RevertView(APIView):
    @extend_schema(
        request=None,
        parameters=[
            OpenApiParameter(
                "force",
                OpenApiTypes.BOOL,
                description="Revert even if transactions were changed or linked into a transfer since.",
            ),
        ],
        responses={202: ImportOut},
        tags=["imports"],
        summary="Undo a committed import (in the background)",
        description=(
            "Removes exactly the transactions the import created and restores the balances and reports; their "
            "bank ids are forgotten, so the file can be imported again. If one of them was changed or linked "
            "into a transfer since, the answer is 409 listing them, unless `?force=true` (a transfer is then "
            "unlinked first: the other side keeps its transaction). Transactions you deleted are simply gone. "
            "The answer is 202 with the import `reverting`: poll it until `reverted`."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        NoBody(data=request.data or {}).is_valid(raise_exception=True)
        query = query_data(RevertQuery, request)
        reverting = services.request_revert(user=request.user, import_id=pk, force=query.get("force", False))
        reverting.refresh_from_db()
        return Response(ImportOut(reverting).data, status=status.HTTP_202_ACCEPTED)

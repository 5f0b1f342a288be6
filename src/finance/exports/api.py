from typing import Any

from django.core import signing
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.core.errors import Forbidden, NotFound
from finance.core.http.fields import ObjectId, PeriodQuery, StrictSerializer, query_data
from finance.core.http.idempotency import idempotent
from finance.core.http.pagination import PagePagination, paginated_response
from finance.core.http.problems import PROBLEM_CONTENT_TYPE
from finance.exports import selectors, services, storage
from finance.exports.models import Export
from finance.transactions.models import Transaction
from finance.users.authentication import AuthenticatedRequest


class ExportIn(StrictSerializer, PeriodQuery):
    report = serializers.ChoiceField(choices=Export.Report.choices)
    account = ObjectId(required=False, source="account_id", help_text="Only this account.")
    category = ObjectId(required=False, source="category_id", help_text="Transactions report only.")
    type = serializers.ChoiceField(
        choices=Transaction.Type.choices, required=False, help_text="Transactions report only."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"].required = fields["to"].required = True
        return fields


class ExportOut(serializers.ModelSerializer):
    date_from = serializers.DateField(source="date_from", read_only=True, help_text="First day, inclusive.")
    date_to = serializers.DateField(source="date_to", read_only=True, help_text="Last day, inclusive.")
    account = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    type = serializers.SerializerMethodField()
    error = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField(help_text="Download link while the export is done; expires.")
    expires_at = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id",
            "report",
            "date_from",
            "date_to",
            "account",
            "category",
            "type",
            "status",
            "row_count",
            "size_bytes",
            "created_at",
            "finished_at",
            "error",
            "url",
            "expires_at",
        ]
        read_only_fields = fields

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._links: dict[int, storage.DownloadLink] = {}

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword: the fields are declared as date_from/date_to and published renamed.
        names = {"date_from": "from", "date_to": "to"}
        return {names.get(name, name): field for name, field in super().get_fields().items()}

    def _link(self, export: Export) -> storage.DownloadLink | None:
        if export.status != Export.Status.DONE:
            return None
        if export.pk not in self._links:
            self._links[export.pk] = storage.download_link(export.object_key, filename=export.filename)
        return self._links[export.pk]

    def get_account(self, export: Export) -> int | None:
        return export.filters.get("account")

    def get_category(self, export: Export) -> int | None:
        return export.filters.get("category")

    def get_type(self, export: Export) -> str | None:
        return export.filters.get("type")

    def get_error(self, export: Export) -> str | None:
        return export.error or None

    def get_url(self, export: Export) -> str | None:
        link = self._link(export)
        if link is None:
            return None
        return self.context["request"].build_absolute_uri(link.url) if link.local else link.url

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_expires_at(self, export: Export) -> str | None:
        link = self._link(export)
        return serializers.DateTimeField().to_representation(link.expires_at) if link else None


_EXAMPLE = OpenApiExample(
    "transactions",
    value={"report": "transactions", "from": "2026-11-01", "to": "2026-11-30", "type": "expense"},
    request_only=True,
)
_PENDING = {
    "id": 4,
    "report": "transactions",
    "from": "2026-11-01",
    "to": "2026-11-30",
    "account": None,
    "category": None,
    "type": "expense",
    "status": "pending",
    "row_count": None,
    "size_bytes": None,
    "created_at": "2026-12-01T08:00:00.000000Z",
    "finished_at": None,
    "error": None,
    "url": None,
    "expires_at": None,
}
_DONE = {
    **_PENDING,
    "status": "done",
    "row_count": 1,
    "size_bytes": 119,
    "finished_at": "2026-12-01T08:00:01.000000Z",
    "url": "https://finance.example.com/exports/download/ZXhwb3J0cy83L2V4YW1wbGUuY3N2:1uRk2b:c2lnbmF0dXJl",
    "expires_at": "2026-12-01T08:15:01.000000Z",
}


_LOCATION_202 = OpenApiParameter(
    "Location",
    str,
    location=OpenApiParameter.HEADER,
    response=[202],
    description=(
        "The export's address (`/exports/{id}`): poll it until the export is done or failed. A replayed "
        "answer (`Idempotent-Replayed: true`) has the export's `id` in its body but no Location."
    ),
)


class ExportListView(APIView):
    pagination_class = PagePagination  # documents the page envelope and parameters in the schema

    @extend_schema(
        responses={200: ExportOut(many=True)},
        tags=["exports"],
        summary="Your exports, newest first",
        description="Your exports, newest first, a page at a time; a done export carries a fresh link.",
    )
    def get(self, request: AuthenticatedRequest) -> Response:
        query_data(serializers.Serializer, request)  # only page and page_size: refuse anything else
        return paginated_response(request, selectors.exports_for(request.user), ExportOut)

    @extend_schema(
        request=ExportIn,
        parameters=[_LOCATION_202],
        responses={202: ExportOut},
        examples=[
            _EXAMPLE,
            OpenApiExample("pending", value=_PENDING, response_only=True, status_codes=[202]),
        ],
        tags=["exports"],
        summary="Export a report as CSV (built in the background; poll the export for its link)",
        description=(
            "Asks for a CSV file of a report (`summary`, `by-category`) or of the transactions over "
            "`from`..`to` (inclusive). The answer is 202 with the export `pending` and its address in "
            "`Location`: poll it until `done` (with a `url` that expires) or `failed` (with an `error`). "
            "At most a few exports per user may be unfinished at a time (429 beyond). Send an "
            "`Idempotency-Key` to make a retry safe."
        ),
    )
    @idempotent
    def post(self, request: AuthenticatedRequest) -> Response:
        data = ExportIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        export = services.request_export(
            user=request.user,
            report=values["report"],
            date_from=values["from"],
            date_to=values["to"],
            account_id=values.get("account_id"),
            category_id=values.get("category_id"),
            type=values.get("type"),
        )
        return Response(
            ExportOut(export, context={"request": request}).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": reverse("export-detail", args=[export.pk])},
        )


class ExportDetailView(APIView):
    @extend_schema(
        responses={200: ExportOut},
        examples=[OpenApiExample("done", value=_DONE, response_only=True)],
        tags=["exports"],
        summary="One export; when done, a fresh download link",
        description=(
            "The export's status. Once `done`, `url` is a download link signed afresh on every read, "
            "valid until `expires_at`; it needs no Authorization header."
        ),
    )
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        export = services.get_export(user=request.user, export_id=pk)
        return Response(ExportOut(export, context={"request": request}).data)

    @extend_schema(
        responses={204: None},
        tags=["exports"],
        summary="Delete an export and its file",
        description="Deletes the export and its file; links handed out before stop working.",
    )
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        services.delete_export(user=request.user, export_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


_PROBLEM = {"$ref": "#/components/schemas/Problem"}


class ExportDownloadView(APIView):
    """Serves export files kept on local disk. The signed token is the credential (like an S3 presigned
    URL), so no Authorization header is needed; an altered or expired token is refused."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        auth=[],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="The CSV file: UTF-8, a header row, CRLF line ends."
            ),
            (403, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                _PROBLEM, description="The link was altered or has expired."
            ),
            (404, PROBLEM_CONTENT_TYPE): OpenApiResponse(
                _PROBLEM,
                description="The export was deleted, its owner deactivated, or files are kept in S3.",
            ),
        },
        tags=["exports"],
        summary="Download an export through a signed link (local storage only)",
        description=(
            "Where export files live on the server's disk (no S3), an export's `url` points here. The "
            "signed token in the path is the credential, like an S3 presigned URL: no Authorization "
            "header. An altered or expired link answers 403."
        ),
    )
    def get(self, request: Request, token: str) -> FileResponse:
        if not storage.is_local():
            raise NotFound("Exports are served by the file store.")
        try:
            file, filename = services.open_download(token=token)
        except signing.SignatureExpired:
            raise Forbidden("This download link has expired; ask for the export again.") from None
        except signing.BadSignature:
            raise Forbidden("This download link is not valid.") from None
        return FileResponse(file, as_attachment=True, filename=filename, content_type=storage.CONTENT_TYPE)

"""The Invoices Report API: /api/invoices/report/, keyset-paged, with its totals."""

import base64
import binascii

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.api import Access, ApiViewMixin, JSONErrorsMixin
from core.db_router import ReplicaReadsMixin
from core.downloads import bom_wanted, csv_response
from core.pagination import PLAIN_COUNT
from invoicing.api import INVOICING, CSVRenderer, InvoiceKindField, InvoiceStatusField
from invoicing.filters import InvoiceReportFilter
from invoicing.models import Invoice
from projects.api.serializers import money
from reports.invoice_report import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_SORT,
    PAGE_SIZES,
    Cursor,
    invoice_report_page,
    invoice_report_totals,
)
from reports.invoice_report_exports import invoice_report_csv


class InvoiceReportRowSerializer(serializers.Serializer):
    """One row of the report, read from the keyset page's values (reports.invoice_report.invoice_report_page)."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    date = serializers.DateField(read_only=True)
    status = InvoiceStatusField(read_only=True)
    kind = InvoiceKindField(read_only=True)
    client = serializers.IntegerField(source="client_id", read_only=True)
    client_name = serializers.CharField(read_only=True)
    project = serializers.IntegerField(source="project_id", read_only=True)
    project_number = serializers.CharField(read_only=True)
    sales_order = serializers.IntegerField(source="sales_order_id", read_only=True)
    sales_order_number = serializers.CharField(read_only=True)
    order_rep = serializers.IntegerField(source="order_rep_id", read_only=True)
    order_rep_name = serializers.CharField(read_only=True, help_text="Full name, or the username without one.")
    subtotal = money(read_only=True)
    tax = money(read_only=True)
    total = money(read_only=True)
    remaining_amount = money(read_only=True, help_text="What remains to invoice on the sales order, net.")


class InvoiceReportTotalsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Rows matching the filters, on every page.")
    void = serializers.IntegerField(help_text="Void rows among them; their amounts are not in the sums.")
    subtotal = money(read_only=True)
    tax = money(read_only=True)
    total = money(read_only=True)
    remaining_amount = money(read_only=True, help_text="Still to invoice on the rows' sales orders, each once.")


class InvoiceReportCursorPagination(BasePagination):
    """Keyset pages of the report, newest first, plus the totals of every row the filters match.

    A page is found by the (date, number) of the row before or after it, never by counting rows from
    the start, so the last page costs what the first does (an OFFSET reads and drops every row before
    it). `cursor` comes from the `next` and `previous` links; `page=last` gives the final page.
    """

    page_size = DEFAULT_PAGE_SIZE
    max_page_size = max(PAGE_SIZES)
    cursor_query_param = "cursor"
    page_query_param = "page"
    page_size_query_param = "page_size"
    invalid_cursor = "Invalid cursor: follow the `next` or `previous` link of the previous answer."

    def paginate_report(self, filters: dict, request) -> list[dict]:
        """The page the request asks for, as rows of values; the totals are set apart by the view."""
        params = request.query_params
        self.request = request
        page = params.get(self.page_query_param) or None
        if page not in (None, "last"):
            raise ValidationError(
                {self.page_query_param: ["Pages are reached by cursor: follow `next`; page=last gives the last page."]}
            )
        direction, position = self.decode_cursor(params.get(self.cursor_query_param))
        if page and position:
            raise ValidationError({self.page_query_param: ["Give page=last or a cursor, not both."]})
        self.page = invoice_report_page(
            filters,
            sort=DEFAULT_SORT,
            after=position if direction == "after" else None,
            before=position if direction == "before" else None,
            last=page == "last",
            size=self.get_page_size(request),
        )
        return self.page.rows

    def get_page_size(self, request) -> int:
        # Plain digits from 1 as on every list (core.pagination), above the largest page served at it.
        size = request.query_params.get(self.page_size_query_param, "")
        if not size:
            return self.page_size
        if not PLAIN_COUNT.fullmatch(size):
            raise ValidationError(
                {self.page_size_query_param: [f"Give a page size from 1 to {self.max_page_size}, in plain digits."]}
            )
        return min(int(size), self.max_page_size) if len(size) <= 6 else self.max_page_size

    def encode_cursor(self, direction: str, position: str) -> str:
        return base64.urlsafe_b64encode(f"{direction}|{position}".encode()).decode().rstrip("=")

    def decode_cursor(self, text: str | None) -> tuple[str | None, str | None]:
        if not text:
            return None, None
        try:
            direction, _, position = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode().partition("|")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            direction, position = "", ""
        if direction not in ("after", "before") or Cursor.decode(position, DEFAULT_SORT) is None:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor]})
        return direction, position

    def _link(self, direction: str, position: str | None) -> str | None:
        if position is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, self.encode_cursor(direction, position))

    def get_paginated_response(self, data):
        page = self.page
        return Response(
            {
                "count": self.totals["count"],
                "next": self._link("after", page.last_cursor) if page.has_next else None,
                "previous": self._link("before", page.first_cursor) if page.has_previous else None,
                "results": data,
                "totals": InvoiceReportTotalsSerializer(self.totals).data,
            }
        )

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: take it from the `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "`last`: the final page (the oldest invoices). Pages are not numbered.",
                "schema": {"type": "string", "enum": ["last"]},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Rows per page, 1 to {self.max_page_size}; {self.page_size} when left out.",
                "schema": {"type": "integer"},
            },
        ]

    def get_paginated_response_schema(self, schema):
        money_schema = {"type": "string", "format": "decimal", "pattern": r"^-?\d+(?:\.\d{2})?$"}
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "results", "totals"],
            "properties": {
                "count": {"type": "integer", "example": 123, "description": "Rows matching the filters."},
                "next": {**link, "description": "The following (older) page; null on the last page."},
                "previous": {**link, "description": "The preceding (newer) page; null on the first page."},
                "results": schema,
                "totals": {
                    "type": "object",
                    "description": "Totals of every row the filters match; void rows add nothing to the amounts.",
                    "properties": {
                        "count": {"type": "integer"},
                        "void": {"type": "integer"},
                        **{name: money_schema for name in ("subtotal", "tax", "total", "remaining_amount")},
                    },
                    "required": ["count", "void", "subtotal", "tax", "total", "remaining_amount"],
                },
            },
        }


class InvoiceReportView(ReplicaReadsMixin, JSONErrorsMixin, ApiViewMixin, generics.ListAPIView):
    """GET /api/reports/invoices/: one row per invoice with its sales order's remaining amount, and totals."""

    serializer_class = InvoiceReportRowSerializer
    filterset_class = InvoiceReportFilter
    pagination_class = InvoiceReportCursorPagination
    renderer_classes = [JSONRenderer, CSVRenderer]
    access = {"get": Access(INVOICING, "read the Invoices Report")}

    def _filters(self) -> dict:
        filterset = InvoiceReportFilter(self.request.query_params, queryset=Invoice.objects.none())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        filters = filterset.form.cleaned_data
        if filters.get("date_from") and filters.get("date_to") and filters["date_from"] > filters["date_to"]:
            raise ValidationError({"date_to": ["The end date is before the start date."]})
        return filters

    def get_queryset(self):
        # The rows are read as values by the paginator; this names the model for the schema and filters.
        return Invoice.objects.none()

    def filter_queryset(self, queryset):
        return queryset  # the filters are checked by _filters and applied by the report's selectors

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "format",
                str,
                enum=["json", "csv"],
                description="`csv` streams every matching row as CSV (no pages, no totals).",
            ),
            OpenApiParameter(
                "bom",
                str,
                enum=["0", "1"],
                description="With `format=csv`: `0` leaves out the UTF-8 byte order mark the file starts with "
                "(Excel needs it to read the file as UTF-8).",
            ),
        ],
        responses={
            (200, "application/json"): InvoiceReportRowSerializer(many=True),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Every matching row, as CSV."),
        },
        description=(
            "Newest first (by date, then number). Pages are found by cursor: follow `next` and `previous`, or "
            "ask `page=last` for the final page; every page costs the same however far it is. A bad cursor, or "
            "a page number, answers 400 naming the parameter."
        ),
    )
    def get(self, request, *args, **kwargs):
        filters = self._filters()
        if request.accepted_renderer.format == "csv":
            # The report page's export: a server-side cursor, rows written in chunks, never all held.
            return csv_response(
                invoice_report_csv(filters),
                filename=f"invoices-report-{timezone.localdate().isoformat()}.csv",
                bom=bom_wanted(request),
            )
        rows = self.paginator.paginate_report(filters, request)
        self.paginator.totals = invoice_report_totals(filters)
        return self.paginator.get_paginated_response(self.get_serializer(rows, many=True).data)

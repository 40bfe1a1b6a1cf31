"""Invoices and the Invoices Report over HTTP; issuing, sending, marking and voiding are services."""

from django.contrib.auth.models import User
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from core.api import Access, ApiViewMixin, JSONErrorsMixin, enum_field, errors_in_json
from core.downloads import bom_wanted, csv_response
from core.errors import TransitionNotAllowed
from core.pagination import UpdatedSincePagination
from core.roles import Role
from invoicing.accounting_export import FORMAT_CHOICES, NothingToExport, invoices_export_to_accounting
from invoicing.filters import InvoiceFilter
from invoicing.models import REPORTED_STATUSES, Invoice, InvoiceLine
from invoicing.pdf import invoice_pdf_bytes
from invoicing.selectors import InvoiceReportFilters
from invoicing.services.drafts import invoice_draft_issue
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.marks import invoice_mark_undo, invoice_status_change
from invoicing.services.sending import invoice_send
from invoicing.services.void import invoice_void
from projects.api.serializers import money, percent, quantity
from projects.models import Client, SalesOrder
from purchasing.figures import not_shipped_warnings

INVOICING = (Role.INVOICING,)
MANAGERS = (Role.MANAGERS,)

InvoiceKindField = enum_field("InvoiceKind", Invoice.Kind.choices)
InvoiceStatusField = enum_field("InvoiceStatus", Invoice.Status.choices)
MARKS = (Invoice.Status.EXPORTED, Invoice.Status.PAID)
InvoiceMarkField = enum_field("InvoiceMark", [(mark, label) for mark, label in Invoice.Status.choices if mark in MARKS])


class PDFRenderer(BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


# --- invoices -----------------------------------------------------------------------------------


class InvoiceLineSerializer(serializers.ModelSerializer):
    unit_price = money(read_only=True)
    tax_rate = percent(read_only=True, help_text="Percent, e.g. 8.25, copied from the item at issue.")
    amount = money(read_only=True, help_text="quantity × unit price, rounded half-up to cents.")
    tax = money(read_only=True, help_text="amount × tax rate, rounded half-up to cents.")

    class Meta:
        model = InvoiceLine
        fields = ["id", "sales_order_item", "description", "quantity", "unit_price", "tax_rate", "amount", "tax"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    kind = InvoiceKindField(read_only=True, help_text="partial while the order still has something remaining.")
    status = InvoiceStatusField(read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    subtotal = money(read_only=True)
    tax = money(read_only=True)
    total = money(read_only=True)
    project = serializers.IntegerField(source="sales_order.project_id", read_only=True)
    paid_amount = money(read_only=True, help_text="The payments received, summed.")
    balance_due = money(read_only=True, help_text="What the client still owes: total less credit notes and payments.")

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "sales_order",
            "project",
            "date",
            "due_date",
            "kind",
            "status",
            "lines",
            "subtotal",
            "tax",
            "total",
            "sent_at",
            "void_reason",
            "created_at",
            "updated_at",
            "paid_amount",
            "balance_due",
        ]
        read_only_fields = fields
        extra_kwargs = {"updated_at": {"help_text": "When the invoice last changed; what `updated_since` compares."}}


class InvoiceIssuedSerializer(InvoiceSerializer):
    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=(
            "Quantities invoiced above what is ready whose goods sit on a purchase order not shipped yet, each "
            "naming the PO; empty when everything invoiced is there."
        ),
    )

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "warnings"]


class InvoiceLineInputSerializer(serializers.Serializer):
    sales_order_item = serializers.IntegerField(min_value=1, help_text="Id of an item of the sales order.")
    quantity = quantity(help_text="From 1 to what remains of the item.")


class InvoiceCreateSerializer(serializers.Serializer):
    sales_order = serializers.PrimaryKeyRelatedField(queryset=SalesOrder.objects.all())
    lines = InvoiceLineInputSerializer(
        many=True,
        required=False,
        max_length=500,
        help_text="Left out: every item's ready quantity (what remains less what is backordered).",
    )
    draft = serializers.BooleanField(
        default=False,
        help_text="true: save it as a draft, with no number and counted nowhere, to issue later with "
        "POST /api/invoices/{id}/issue/.",
    )


class InvoiceStatusSerializer(serializers.Serializer):
    status = InvoiceMarkField()


class InvoiceVoidSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the invoice is void.")


class InvoiceUndoSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the mark is undone.")


class InvoiceViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Invoices: issued from a sales order, never edited; a mistake is fixed by voiding."""

    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    pagination_class = UpdatedSincePagination
    access = {
        "create": Access(INVOICING, "issue invoices"),
        "issue": Access(INVOICING, "issue invoices"),
        "send": Access(INVOICING, "email invoices"),
        "status": Access(INVOICING, "change invoice statuses"),
        "void": Access(MANAGERS, "void invoices"),
        "undo": Access(MANAGERS, "undo a mark"),
    }
    conflicts = ("create", "issue", "send", "status", "void", "undo")

    def get_queryset(self):
        return Invoice.objects.select_related("sales_order").prefetch_related("lines").order_by("-sequence_number")

    def get_serializer_class(self):
        return {
            "create": InvoiceCreateSerializer,
            "status": InvoiceStatusSerializer,
            "void": InvoiceVoidSerializer,
            "undo": InvoiceUndoSerializer,
        }.get(self.action, InvoiceSerializer)

    def handle_exception(self, exc):
        if self.action == "pdf":
            errors_in_json(self.request)
        return super().handle_exception(exc)

    def _answer(self, invoice: Invoice, code: int = http.HTTP_200_OK) -> Response:
        return Response(InvoiceSerializer(self.get_queryset().get(pk=invoice.pk)).data, status=code)

    @extend_schema(
        request=InvoiceCreateSerializer,
        responses={201: InvoiceIssuedSerializer},
        description=(
            "Issue an invoice while the sales order is ready_to_be_invoiced (409 otherwise). Without `lines`, "
            "every item's ready quantity is invoiced. The invoice is `partial` while something remains. "
            'With `"draft": true` it is saved as a draft instead (status `draft`, `number` null), under the '
            "same checks, and issued later. Quantities above what is ready (goods on a purchase order that has not "
            "shipped) are invoiced as asked, and `warnings` names each such PO."
        ),
    )
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lines = data.get("lines")
        order = data["sales_order"]
        warnings = []
        if lines is not None and not data["draft"]:
            items = {item.pk: item for item in order.items.all()}
            asked = [
                (items[line["sales_order_item"]], line["quantity"])
                for line in lines
                if line["sales_order_item"] in items
            ]
            warnings = not_shipped_warnings(sales_order_id=order.pk, quantities=asked)
        invoice = invoice_create(
            sales_order=order,
            lines=[LineRequest(**line) for line in lines] if lines is not None else None,
            by=request.user,
            draft=data["draft"],
        )
        issued = self.get_queryset().get(pk=invoice.pk)
        issued.warnings = warnings
        return Response(InvoiceIssuedSerializer(issued).data, status=http.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: InvoiceSerializer},
        description=(
            "Issue a draft invoice: it takes the next number and counts as invoiced, under every rule of "
            "issuing at this moment (the order ready_to_be_invoiced, each quantity within what remains now), "
            "409 when it is not a draft or the order is not ready, 400 naming the line when a quantity no "
            "longer fits."
        ),
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Issue a draft invoice."""
        return self._answer(invoice_draft_issue(invoice=self.get_object(), by=request.user))

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The invoice as PDF.")}
    )
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer, JSONRenderer])
    def pdf(self, request, pk=None):
        invoice = self.get_object()
        if invoice.is_draft:
            raise NotFound("A draft invoice has no PDF until it is issued.")
        response = HttpResponse(invoice_pdf_bytes(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
        return response

    @extend_schema(request=None, responses={200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        """Email the invoice to the client's billing address; its status becomes sent_to_client."""
        return self._answer(invoice_send(invoice=self.get_object(), by=request.user))

    @extend_schema(
        request=InvoiceStatusSerializer,
        responses={200: InvoiceSerializer},
        description=(
            "Mark the invoice exported (to accounting) or paid; either mark ends the chance to void it. "
            "A manager may take the mark back on the same day with `POST /api/invoices/{id}/undo/`."
        ),
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        """Mark the invoice exported (to accounting) or paid."""
        invoice = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            invoice_status_change(invoice=invoice, status=serializer.validated_data["status"], by=request.user)
        )

    @extend_schema(
        request=InvoiceUndoSerializer,
        responses={200: InvoiceSerializer},
        description=(
            "Undo the invoice's latest mark (Managers), with a reason logged in the activity: exported goes "
            "back to open or sent_to_client, paid back to what it was before (exported, sent_to_client or "
            "open). Only on the day the mark was made, in the company's time zone; later, or on an invoice "
            "that is neither exported nor paid, the answer is 409 naming the day or the status."
        ),
    )
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Undo an exported or paid mark on the day it was made (Managers)."""
        invoice = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            invoice_mark_undo(invoice=invoice, reason=serializer.validated_data["reason"], by=request.user)
        )

    @extend_schema(request=InvoiceVoidSerializer, responses={200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request, pk=None):
        """Void an open or sent invoice (Managers): its quantities return to the sales order."""
        invoice = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(invoice_void(invoice=invoice, reason=serializer.validated_data["reason"], by=request.user))


# --- the Invoices Report ------------------------------------------------------------------------


# --- export to accounting -----------------------------------------------------------------------

AccountingFormatField = enum_field("AccountingExportFormat", FORMAT_CHOICES)
ReportStatusField = enum_field("InvoiceReportStatus", REPORTED_STATUSES)


class InvoiceReportFiltersSerializer(serializers.Serializer):
    """The Invoices Report's filters, as GET /api/reports/invoices/ takes them; left out means any."""

    date_from = serializers.DateField(required=False, help_text="Invoice date on or after (YYYY-MM-DD).")
    date_to = serializers.DateField(required=False, help_text="Invoice date on or before (YYYY-MM-DD).")
    client = serializers.PrimaryKeyRelatedField(queryset=Client.objects.all(), required=False, help_text="Client id.")
    rep = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text="User id of the project's order rep."
    )
    status = ReportStatusField(required=False)
    kind = InvoiceKindField(required=False)
    has_remaining = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Only rows whose sales order still has (true) or has no (false) remaining.",
    )

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError({"date_to": ["The end date is before the start date."]})
        return data


class AccountingExportSerializer(serializers.Serializer):
    format = AccountingFormatField(help_text="The import file to write.")
    invoices = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        min_length=1,
        max_length=1000,
        help_text="Ids of the invoices to export. Send these or `filters`, not both.",
    )
    filters = InvoiceReportFiltersSerializer(
        required=False, help_text="Export every invoice these report filters match (`{}`: every invoice)."
    )
    include_exported = serializers.BooleanField(
        default=False, help_text="Export invoices already exported or paid again; left out otherwise."
    )
    bom = serializers.BooleanField(
        default=True, help_text="Start the file with a UTF-8 byte order mark, so Excel reads it as UTF-8."
    )

    def validate(self, data):
        if ("invoices" in data) == ("filters" in data):
            raise ValidationError(
                {"invoices": ["Send either the invoices' ids or the report's filters (every invoice they match)."]}
            )
        return data


class InvoiceAccountingExportView(JSONErrorsMixin, ApiViewMixin, generics.GenericAPIView):
    """POST /api/invoices/export/: the chosen invoices as an accounting import file, marked exported."""

    serializer_class = AccountingExportSerializer
    renderer_classes = [CSVRenderer, JSONRenderer]
    access = {"post": Access(INVOICING, "export invoices to accounting")}
    conflicts = ("post",)

    @extend_schema(
        operation_id="invoices_export_create",
        request=AccountingExportSerializer,
        parameters=[
            OpenApiParameter("bom", str, enum=["0", "1"], description="`0`: no byte order mark (as `bom`: false)."),
            OpenApiParameter(
                "X-Exported-Count", int, OpenApiParameter.HEADER, response=[200], description="Invoices in the file."
            ),
            OpenApiParameter(
                "X-Exported-Invoices",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="Their ids, comma-separated.",
            ),
            OpenApiParameter(
                "X-Left-Out-Count",
                int,
                OpenApiParameter.HEADER,
                response=[200],
                description="Chosen invoices left out: void, drafts, and (without include_exported) exported or paid.",
            ),
            OpenApiParameter(
                "X-Export-Summary",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="How many were exported and how many left out, and why, in a sentence.",
            ),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The import file: QuickBooks Online's invoice import CSV or Xero's sales invoice "
                "import CSV, one row per invoice line, UTF-8 (with a byte order mark unless bom is off).",
            )
        },
        description=(
            "Write the chosen invoices into an accounting import file and mark each one exported, in one "
            "transaction, with an activity row per invoice: open and sent invoices become `exported`; with "
            "`include_exported`, exported ones are exported again and paid ones stay `paid`. Void invoices "
            "and drafts are never exported. Choose the invoices by id (`invoices`) or by the Invoices "
            "Report's filters (`filters`: every invoice they match). An unknown id or format answers 400 "
            "naming the field and exports nothing; 409 when none of the chosen invoices can be exported, "
            "saying why. QuickBooks Online imports at most 100 invoices from a file, Xero 500: more answer 400."
        ),
    )
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        filters = data.get("filters")
        try:
            export = invoices_export_to_accounting(
                export_format=data["format"],
                by=request.user,
                invoice_ids=data.get("invoices"),
                filters=InvoiceReportFilters.from_mapping(filters) if filters is not None else None,
                include_exported=data["include_exported"],
            )
        except NothingToExport as error:
            raise TransitionNotAllowed(error.message(include_hint=INCLUDE_EXPORTED_HINT)) from error
        summary = export.summary(include_hint=INCLUDE_EXPORTED_HINT)
        response = csv_response([export.content], filename=export.filename, bom=data["bom"] and bom_wanted(request))
        response["X-Exported-Count"] = str(len(export.exported))
        response["X-Exported-Invoices"] = ",".join(str(invoice.pk) for invoice in export.exported)
        response["X-Left-Out-Count"] = str(export.left_out_count)
        response["X-Export-Summary"] = summary.encode("ascii", "replace").decode("ascii")
        return response


INCLUDE_EXPORTED_HINT = 'send "include_exported": true'

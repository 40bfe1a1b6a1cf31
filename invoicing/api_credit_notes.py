"""Credit notes over HTTP: issued against an invoice (Managers), listed for accounting integrations that poll."""

from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.api import Access, ApiViewMixin, errors_in_json
from core.pagination import UpdatedSincePagination
from core.roles import Role
from invoicing.api import PDFRenderer
from invoicing.credit_note_pdf import credit_note_pdf_bytes
from invoicing.credit_notes import (
    REASON_MAX,
    CreditLineRequest,
    credit_note_create,
    credit_note_detail,
    credit_notes_for_api,
)
from invoicing.filters import UpdatedSinceFilter
from invoicing.models import CreditNote, CreditNoteLine, Invoice
from projects.api.serializers import money, percent, quantity

MANAGERS = (Role.MANAGERS,)


class CreditNoteLineSerializer(serializers.ModelSerializer):
    sales_order_item = serializers.IntegerField(
        source="invoice_line.sales_order_item_id", read_only=True, help_text="The sales-order item credited."
    )
    unit_price = money(read_only=True)
    tax_rate = percent(read_only=True, help_text="Percent, copied from the invoice line.")
    amount = money(read_only=True, help_text="What the credited units are worth, net.")
    tax = money(read_only=True)

    class Meta:
        model = CreditNoteLine
        fields = [
            "id",
            "invoice_line",
            "sales_order_item",
            "description",
            "quantity",
            "unit_price",
            "tax_rate",
            "amount",
            "tax",
        ]
        read_only_fields = fields


class CreditNoteSerializer(serializers.ModelSerializer):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    lines = CreditNoteLineSerializer(many=True, read_only=True)
    subtotal = money(read_only=True)
    tax = money(read_only=True)
    total = money(read_only=True, help_text="subtotal + tax: what the invoice is reduced by.")

    class Meta:
        model = CreditNote
        fields = [
            "id",
            "number",
            "invoice",
            "invoice_number",
            "date",
            "reason",
            "lines",
            "subtotal",
            "tax",
            "total",
            "issued_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "updated_at": {"help_text": "When the credit note last changed; what `updated_since` compares."}
        }


class CreditLineInputSerializer(serializers.Serializer):
    invoice_line = serializers.IntegerField(min_value=1, help_text="Id of a line of the invoice.")
    quantity = quantity(help_text="From 1 to what of the line is not yet credited.")


class CreditNoteCreateSerializer(serializers.Serializer):
    whole = serializers.BooleanField(
        default=False, help_text="true: credit everything of the invoice not yet credited (leave `lines` out)."
    )
    lines = CreditLineInputSerializer(  # type: ignore[call-arg]  # many=True makes a ListSerializer
        many=True, required=False, max_length=500, help_text="The lines and quantities to credit, unless `whole`."
    )
    reason = serializers.CharField(max_length=REASON_MAX, help_text="Why the invoice is credited.")


# The mixin's class attributes are typed looser than DRF's stubs have them; the classes are DRF's own.
class InvoiceCreditNotesView(ApiViewMixin, generics.GenericAPIView):  # type: ignore[misc]
    """GET /api/invoices/{id}/credit-notes/ lists an invoice's credit notes; POST issues one (Managers)."""

    queryset = Invoice.objects.all()  # what {id} names, for the schema
    serializer_class = CreditNoteSerializer
    access = {"post": Access(MANAGERS, "credit invoices")}
    conflicts = ("post",)
    pagination_class = None

    def _invoice(self) -> Invoice:
        # get_object answers 404 for an id that is no number too, as the router's detail routes do.
        return self.get_object()

    @extend_schema(
        operation_id="invoices_credit_notes_list",
        responses={200: CreditNoteSerializer(many=True)},
        description="The invoice's credit notes, by number.",
    )
    def get(self, request, pk=None):
        invoice = self._invoice()
        notes = credit_notes_for_api().filter(invoice=invoice).order_by("sequence_number")
        return Response(CreditNoteSerializer(notes, many=True).data)

    @extend_schema(
        operation_id="invoices_credit_notes_create",
        request=CreditNoteCreateSerializer,
        responses={201: CreditNoteSerializer},
        description=(
            'Credit an issued invoice (Managers): `"whole": true` for everything not yet credited, or `lines` '
            "with quantities from 1 to what of each line is not yet credited; a `reason` always. The credit note "
            "takes the next CN- number; its quantities go back to the sales order as remaining to invoice, and the "
            "order to ready_to_be_invoiced. More than the invoice has unpaid and uncredited is refused (400, naming "
            "`lines` or `whole`); 409 when no credit is possible in the invoice's state: a draft or void invoice, "
            "or one already credited in full or paid in full. An invoice with credit notes can no longer be voided."
        ),
    )
    def post(self, request, pk=None):
        invoice = self._invoice()
        serializer = CreditNoteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        lines = data.get("lines")
        note = credit_note_create(
            invoice=invoice,
            whole=data["whole"],
            lines=[CreditLineRequest(line["invoice_line"], line["quantity"]) for line in lines] if lines else None,
            reason=data["reason"],
            by=request.user,
        )
        return Response(CreditNoteSerializer(credit_note_detail(pk=note.pk)).data, status=http.HTTP_201_CREATED)


class CreditNoteFilter(filters.FilterSet):
    # A whole number an id can be (64 bits): a larger one is refused naming the field, on any database.
    invoice = filters.NumberFilter(
        field_name="invoice_id", help_text="Invoice id.", min_value=1, max_value=2**63 - 1, decimal_places=0
    )
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = CreditNote
        fields = ["invoice", "updated_since"]


class CreditNoteViewSet(  # type: ignore[misc]
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Credit notes, for an accounting integration to poll with `updated_since`; each with its PDF."""

    serializer_class = CreditNoteSerializer
    filterset_class = CreditNoteFilter
    pagination_class = UpdatedSincePagination

    def get_queryset(self):
        return credit_notes_for_api()

    def handle_exception(self, exc):
        if self.action == "pdf":
            errors_in_json(self.request)
        return super().handle_exception(exc)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The credit note as PDF.")
        }
    )
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer, JSONRenderer])
    def pdf(self, request, pk=None):
        note = credit_note_detail(pk=self.get_object().pk)
        response = HttpResponse(credit_note_pdf_bytes(note), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{note.number}.pdf"'
        return response

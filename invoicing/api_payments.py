"""Payments over HTTP: recorded against an invoice, listed for accounting integrations that poll, taken back."""

from collections.abc import Callable

from django.http import Http404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import Access, ApiViewMixin, enum_field
from core.pagination import UpdatedSincePagination
from core.roles import Role
from invoicing.api import InvoiceStatusField as _InvoiceStatusField
from invoicing.filters import UpdatedSinceFilter
from invoicing.models import Invoice, Payment, PaymentMethod
from invoicing.payments import invoice_payments, payment_list, payment_record, payment_undo
from projects.api.serializers import money

INVOICING = (Role.INVOICING,)
MANAGERS = (Role.MANAGERS,)

# enum_field builds ChoiceFields whose choices are already set; typed as plain field factories for mypy.
PaymentMethodField: Callable[..., serializers.Field] = enum_field("PaymentMethod", PaymentMethod.choices)
InvoiceStatusField: Callable[..., serializers.Field] = _InvoiceStatusField


class PaymentSerializer(serializers.ModelSerializer):
    method = PaymentMethodField(read_only=True)
    amount = money(read_only=True)
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    invoice_status = InvoiceStatusField(
        source="invoice.status", read_only=True, help_text="The invoice's status now: paid once nothing is due."
    )
    invoice_balance_due = money(
        source="invoice.balance_due", read_only=True, help_text="What the invoice still has due now."
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "invoice",
            "invoice_number",
            "date",
            "amount",
            "method",
            "reference",
            "recorded_by",
            "created_at",
            "updated_at",
            "invoice_status",
            "invoice_balance_due",
        ]
        read_only_fields = fields
        extra_kwargs = {"updated_at": {"help_text": "When the payment last changed; what `updated_since` compares."}}


class PaymentCreateSerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text="The day the money was received (YYYY-MM-DD), not in the future; today if left out."
    )
    # Plain decimal notation as on the page; the service checks it against the invoice (above 0, the balance).
    amount = money(
        example="120.00", help_text="Above 0, at most 2 decimals, and no more than the invoice's balance due."
    )
    method = PaymentMethodField()
    reference = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text="Check number, transfer id, ..."
    )


class PaymentUndoSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the payment is taken back.")


class InvoiceBalanceSerializer(serializers.ModelSerializer):
    status = InvoiceStatusField(read_only=True)
    total = money(read_only=True)
    credited_amount = money(read_only=True)
    paid_amount = money(read_only=True)
    balance_due = money(read_only=True, help_text="total - credited_amount - paid_amount.")

    class Meta:
        model = Invoice
        fields = ["id", "number", "status", "total", "credited_amount", "paid_amount", "balance_due", "updated_at"]
        read_only_fields = fields


# ApiViewMixin narrows APIView's class attributes (config/api.py); mypy reads that as a clash.
class InvoicePaymentsView(ApiViewMixin, generics.GenericAPIView):  # type: ignore[misc]
    """GET /api/invoices/{id}/payments/ lists an invoice's payments; POST records one."""

    queryset = Invoice.objects.all()  # what {id} names, for the schema
    serializer_class = PaymentSerializer
    access = {"post": Access(INVOICING, "record payments")}
    conflicts = ("post",)
    pagination_class = None

    def _invoice(self, pk: str) -> Invoice:
        # The URL takes any id, as the router's do, so one that is no number answers the API's JSON 404.
        invoice = Invoice.objects.filter(pk=int(pk)).first() if pk.isdigit() and len(pk) < 19 else None
        if invoice is None:
            raise Http404("No such invoice.")
        return invoice

    @extend_schema(
        operation_id="invoices_payments_list",
        responses={200: PaymentSerializer(many=True)},
        description="The invoice's payments, oldest first.",
    )
    def get(self, request, pk: str):
        invoice = self._invoice(pk)
        payments = invoice_payments(invoice=invoice).select_related("invoice")
        return Response(PaymentSerializer(payments, many=True).data)

    @extend_schema(
        operation_id="invoices_payments_create",
        request=PaymentCreateSerializer,
        responses={201: PaymentSerializer},
        description=(
            "Record money received against an issued invoice (Invoicing, Managers). More than the balance due "
            "is refused (400 naming `amount` and the balance due), as is a date in the future; a draft, void or "
            "paid invoice answers 409. When nothing is left due the invoice becomes `paid`."
        ),
    )
    def post(self, request, pk: str):
        invoice = self._invoice(pk)
        serializer = PaymentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = payment_record(
            invoice=invoice,
            date=data.get("date") or timezone.localdate(),
            amount=data["amount"],
            method=data["method"],
            reference=data.get("reference", ""),
            by=request.user,
        )
        fresh = Payment.objects.select_related("invoice").get(pk=payment.pk)
        return Response(PaymentSerializer(fresh).data, status=http.HTTP_201_CREATED)


class PaymentFilter(filters.FilterSet):
    # A whole number an id can be (64 bits): a larger one is refused naming the field, on any database.
    invoice = filters.NumberFilter(
        field_name="invoice_id", help_text="Invoice id.", min_value=1, max_value=2**63 - 1, decimal_places=0
    )
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Payment
        fields = ["invoice", "updated_since"]


class PaymentViewSet(  # type: ignore[misc]  # as InvoicePaymentsView
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Payments received, for an accounting integration to poll with `updated_since`."""

    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter
    pagination_class = UpdatedSincePagination
    access = {"undo": Access(MANAGERS, "take back payments")}
    conflicts = ("undo",)

    def get_queryset(self):
        return payment_list()

    def get_serializer_class(self):
        return PaymentUndoSerializer if self.action == "undo" else PaymentSerializer

    @extend_schema(
        request=PaymentUndoSerializer,
        responses={200: InvoiceBalanceSerializer},
        description=(
            "Take back a payment recorded by mistake (Managers), with a reason kept in the activity log, on the "
            "day it was recorded in the company's time zone; later the answer is 409 naming the day. A paid "
            "invoice goes back to the status it had before. Answers with the invoice's figures after it."
        ),
    )
    @action(detail=True, methods=["post"])
    def undo(self, request, pk=None):
        """Take back a payment recorded by mistake (Managers)."""
        payment = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice = payment_undo(payment=payment, reason=serializer.validated_data["reason"], by=request.user)
        return Response(InvoiceBalanceSerializer(invoice).data)

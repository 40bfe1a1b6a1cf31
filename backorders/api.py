"""Backorders over HTTP: flag one on a PO (rule 1), list them, resolve or cancel them."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.response import Response

from backorders.filters import BackorderFilter
from backorders.models import Backorder
from backorders.selectors import days_overdue, flag_moves_order_by_default
from backorders.services import (
    FLAG_STATUSES,
    BackorderRequest,
    backorder_cancel,
    backorder_flag,
    backorder_resolve,
)
from core.api import Access, ApiViewMixin, enum_field
from core.roles import Role
from projects.api.serializers import NoteSerializer, SalesOrderSerializer, quantity
from projects.selectors import sales_order_detail
from projects.services.notes import mentioned_usernames
from purchasing.api.serializers import PurchaseOrderSerializer
from purchasing.models import PurchaseOrder, PurchaseOrderItem
from purchasing.selectors import purchase_order_list

PRODUCTION = (Role.PRODUCTION,)

BackorderStatusField = enum_field("BackorderStatus", Backorder.Status.choices)
FlagStatusField = enum_field(
    "BackorderFlagStatus", [(value, label) for value, label in PurchaseOrder.Status.choices if value in FLAG_STATUSES]
)


class BackorderSerializer(serializers.ModelSerializer):
    status = BackorderStatusField(read_only=True)
    description = serializers.CharField(source="purchase_order_item.sales_order_item.description", read_only=True)
    sales_order_item = serializers.IntegerField(source="purchase_order_item.sales_order_item_id", read_only=True)
    project = serializers.IntegerField(source="purchase_order.project_id", read_only=True)
    supplier = serializers.IntegerField(source="purchase_order.supplier_id", read_only=True)
    overdue = serializers.SerializerMethodField(help_text="Open and past the expected date.")
    days_overdue = serializers.SerializerMethodField(
        help_text="Days an open backorder is past its expected date in the company's time zone; 0 when it is not."
    )

    class Meta:
        model = Backorder
        fields = [
            "id",
            "purchase_order",
            "purchase_order_item",
            "sales_order_item",
            "description",
            "project",
            "supplier",
            "quantity",
            "expected_date",
            "reason",
            "status",
            "overdue",
            "days_overdue",
            "raised_by",
            "created_at",
            "closed_at",
            "closed_by",
            "cancel_reason",
        ]
        read_only_fields = fields

    def get_overdue(self, backorder: Backorder) -> bool:
        return bool(backorder.is_open and backorder.expected_date and backorder.expected_date < timezone.localdate())

    def get_days_overdue(self, backorder: Backorder) -> int:
        if not backorder.is_open:
            return 0
        return days_overdue(expected_date=backorder.expected_date, today=timezone.localdate())


class BackorderItemInputSerializer(serializers.Serializer):
    purchase_order_item = serializers.PrimaryKeyRelatedField(
        queryset=PurchaseOrderItem.objects.select_related("sales_order_item"), help_text="Purchase-order item id."
    )
    quantity = quantity(help_text="At most the PO item's quantity less its other open backorders.")
    expected_date = serializers.DateField(help_text="When the supplier expects to ship; today or later.")
    reason = serializers.CharField(max_length=500)


class BackorderFlagSerializer(serializers.Serializer):
    status = FlagStatusField(help_text="The PO's new status.")
    items = BackorderItemInputSerializer(many=True, allow_empty=False, max_length=500)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        help_text=(
            "The note for the project, with @mentions. Left out or blank, a note that mentions the project's "
            "order rep and invoicing rep and lists the backordered items is written."
        ),
    )
    pin = serializers.BooleanField(default=True, help_text="Pin the note to the project overview.")
    ready_to_invoice = serializers.BooleanField(
        required=False,
        help_text=(
            "Move the sales order to ready_to_be_invoiced: the rest can be invoiced now. Allowed only while the "
            "order is in_production or shipped (400 otherwise); left out, the move is made where it is allowed "
            "and every other purchase order of the sales order has shipped (their goods are not ready otherwise)."
        ),
    )


class BackorderFlagResultSerializer(serializers.Serializer):
    backorders = BackorderSerializer(many=True)
    note = NoteSerializer(allow_null=True)
    moved_to_ready = serializers.BooleanField(help_text="Whether the sales order moved to ready_to_be_invoiced.")
    purchase_order = PurchaseOrderSerializer()
    sales_order = SalesOrderSerializer()


class BackorderResolveSerializer(serializers.Serializer):
    ready_for_billing = serializers.BooleanField(
        default=False,
        help_text=(
            "Also move the PO to ready_for_billing in the same step (rule 2 then applies). Allowed only when this "
            "is the PO's last open backorder; 400 otherwise."
        ),
    )


class BackorderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the goods will never ship.")


def default_flag_note(*, purchase_order: PurchaseOrder, items: list[BackorderRequest], ready_to_invoice: bool) -> str:
    """The note rule 1 asks for: the order rep and invoicing rep tagged with what is short."""
    project = purchase_order.project
    tags = []
    for rep in (project.order_rep, project.invoicing_rep):
        # Only names a mention can carry (and that would resolve) are tagged.
        if rep.is_active and mentioned_usernames(f"@{rep.username}") == [rep.username]:
            tags.append(f"@{rep.username}")
    short = "; ".join(
        f"{item.quantity} × {item.purchase_order_item.sales_order_item.description} expected {item.expected_date}"
        for item in items
    )
    rest = " The rest can be invoiced now." if ready_to_invoice else ""
    return " ".join([*dict.fromkeys(tags), f"Backorder on {purchase_order.number}: {short}.{rest}"])


class PurchaseOrderBackorderFlagView(ApiViewMixin, generics.GenericAPIView):
    """POST /api/purchase-orders/{id}/backorders/: the Flag backorder form of the PO page."""

    queryset = PurchaseOrder.objects.select_related("project__order_rep", "project__invoicing_rep", "sales_order")
    serializer_class = BackorderFlagSerializer
    access = {"post": Access(PRODUCTION, "flag backorders")}
    conflicts = ("post",)

    @extend_schema(
        operation_id="purchase_orders_backorders_create",
        request=BackorderFlagSerializer,
        responses={201: BackorderFlagResultSerializer},
        description=(
            "Flag a backorder in one transaction (rule 1): set the PO's status, write the backorder rows, "
            "write the tagged note (pinned by default) and move the sales order to ready_to_be_invoiced "
            "(unless `ready_to_invoice` is false; only from in_production or shipped). A PO already ready for "
            "billing answers 409."
        ),
    )
    def post(self, request, pk=None):
        purchase_order = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        items = [BackorderRequest(**item) for item in data["items"]]
        ready_to_invoice = data.get("ready_to_invoice")
        if ready_to_invoice is None:
            # As on the page: moved where allowed and only when every other PO of the order has shipped.
            ready_to_invoice = flag_moves_order_by_default(purchase_order)
        note = (data.get("note") or "").strip() or default_flag_note(
            purchase_order=purchase_order, items=items, ready_to_invoice=ready_to_invoice
        )
        result = backorder_flag(
            purchase_order=purchase_order,
            status=data["status"],
            items=items,
            note=note,
            pin=data["pin"],
            ready_to_invoice=ready_to_invoice,
            by=request.user,
        )
        backorders = Backorder.objects.filter(pk__in=[backorder.pk for backorder in result.backorders]).select_related(
            "purchase_order", "purchase_order_item__sales_order_item"
        )
        answer = {
            "backorders": backorders,
            "note": result.note,
            "moved_to_ready": result.moved_to_ready,
            "purchase_order": purchase_order_list().get(pk=purchase_order.pk),
            "sales_order": sales_order_detail(pk=purchase_order.sales_order_id),
        }
        return Response(BackorderFlagResultSerializer(answer).data, status=http.HTTP_201_CREATED)


class BackorderViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Shortages on purchase-order items, open until resolved (goods ready) or cancelled (never shipping)."""

    serializer_class = BackorderSerializer
    filterset_class = BackorderFilter
    access = {
        "resolve": Access(PRODUCTION, "resolve backorders"),
        "cancel": Access(PRODUCTION, "cancel backorders"),
    }
    conflicts = ("resolve", "cancel")

    def get_queryset(self):
        return Backorder.objects.select_related("purchase_order", "purchase_order_item__sales_order_item").order_by(
            "expected_date", "id"
        )

    def _answer(self, backorder: Backorder) -> Response:
        return Response(BackorderSerializer(self.get_queryset().get(pk=backorder.pk)).data)

    @extend_schema(request=BackorderResolveSerializer, responses={200: BackorderSerializer})
    @action(detail=True, methods=["post"], serializer_class=BackorderResolveSerializer)
    def resolve(self, request, pk=None):
        """Mark the backorder resolved: the goods are ready; the last one may move its PO to ready_for_billing."""
        backorder = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            backorder_resolve(
                backorder=backorder,
                by=request.user,
                ready_for_billing=serializer.validated_data["ready_for_billing"],
            )
        )

    @extend_schema(
        request=BackorderCancelSerializer,
        responses={200: BackorderSerializer},
        description=(
            "Cancel the backorder with a reason: its quantity becomes cancelled on the sales-order item. 409 when "
            "it is no longer open, or when less than its quantity remains to invoice on the item."
        ),
    )
    @action(detail=True, methods=["post"], serializer_class=BackorderCancelSerializer)
    def cancel(self, request, pk=None):
        """Cancel the backorder: its goods will never ship, so that quantity is no longer to invoice."""
        backorder = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._answer(
            backorder_cancel(backorder=backorder, reason=serializer.validated_data["reason"], by=request.user)
        )

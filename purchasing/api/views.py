"""/api/suppliers/ and /api/purchase-orders/."""

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api import Access, ApiViewMixin
from projects.api.views import ANY_ROLE, PRODUCTION, SALES_OR_PRODUCTION, ServiceWrittenViewSet
from purchasing.api import serializers as s
from purchasing.filters import PurchaseOrderFilter
from purchasing.models import PurchaseOrder, Supplier
from purchasing.selectors import purchase_order_list
from purchasing.services import (
    PurchaseItemRequest,
    purchase_order_allowed_stages,
    purchase_order_create,
    purchase_order_stage_change,
    purchase_order_status_change,
    supplier_create,
    supplier_update,
)


class SupplierViewSet(ServiceWrittenViewSet):
    """Suppliers: everyone signed in reads them; Sales and Production create and change them; only Managers
    set or change their order status service."""

    queryset = Supplier.objects.all()
    serializer_class = s.SupplierSerializer
    access = {
        "create": Access(SALES_OR_PRODUCTION, "create suppliers"),
        "partial_update": Access(SALES_OR_PRODUCTION, "change suppliers"),
    }

    create_service = staticmethod(supplier_create)
    update_service = staticmethod(supplier_update)
    instance_argument = "supplier"


class PurchaseOrderViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.PurchaseOrderSerializer
    filterset_class = PurchaseOrderFilter
    access = {
        "create": Access(SALES_OR_PRODUCTION, "create purchase orders"),
        "stage": Access(PRODUCTION, "move purchase-order stages"),
        "status": Access(PRODUCTION, "set purchase-order statuses"),
    }
    conflicts = ("stage", "status")

    def get_queryset(self):
        return purchase_order_list().order_by("-number")

    def get_serializer_class(self):
        return {
            "create": s.PurchaseOrderCreateSerializer,
            "stage": s.PurchaseOrderStageSerializer,
            "status": s.PurchaseOrderStatusSerializer,
        }.get(self.action, s.PurchaseOrderSerializer)

    def _answer(self, order: PurchaseOrder, code: int = http.HTTP_200_OK) -> Response:
        return Response(s.PurchaseOrderSerializer(self.get_queryset().get(pk=order.pk)).data, status=code)

    @extend_schema(responses={201: s.PurchaseOrderSerializer})
    @transaction.atomic
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = purchase_order_create(
            sales_order=data["sales_order"],
            supplier=data["supplier"],
            production_rep=data.get("production_rep"),
            expected_date=data.get("expected_date"),
            ship_to=data.get("ship_to", ""),
            number=data.get("number", ""),
            items=[PurchaseItemRequest(**item) for item in data["items"]],
            by=request.user,
        )
        return self._answer(order, http.HTTP_201_CREATED)

    @extend_schema(
        request=s.PurchaseOrderStageSerializer,
        responses={200: s.PurchaseOrderSerializer},
        description=(
            "Move the PO forward, skipping stages if need be; only Managers move it back (403 for others). "
            "Reaching ready_for_billing resolves its open backorders and readies its sales order."
        ),
    )
    @action(detail=True, methods=["post"])
    def stage(self, request, pk=None):
        order = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = serializer.validated_data["stage"]
        if target in purchase_order_allowed_stages(purchase_order=order, user=ANY_ROLE) and (
            target not in purchase_order_allowed_stages(purchase_order=order, user=request.user)
        ):
            raise PermissionDenied(
                f"Only Managers may move purchase order {order.number} back from {order.get_stage_display()} "
                f"to {PurchaseOrder.Stage(target).label}."
            )
        order = purchase_order_stage_change(purchase_order=order, stage=target, by=request.user)
        return self._answer(order)

    @extend_schema(request=s.PurchaseOrderStatusSerializer, responses={200: s.PurchaseOrderSerializer})
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        order = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = purchase_order_status_change(
            purchase_order=order, status=serializer.validated_data["status"], by=request.user
        )
        return self._answer(order)

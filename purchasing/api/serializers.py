"""The API's suppliers and purchase orders."""

from rest_framework import serializers

from core.api import enum_field
from projects.api.serializers import quantity, user_field
from projects.models import SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier

PurchaseOrderStageField = enum_field("PurchaseOrderStage", PurchaseOrder.Stage.choices)
PurchaseOrderStatusField = enum_field("PurchaseOrderStatus", PurchaseOrder.Status.choices)


class SupplierSerializer(serializers.ModelSerializer):
    # The service is sent the stored password on every call, so only Managers set or change it;
    # anyone else who sends a different value is refused with 403 (the service says which field).
    order_status_password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=200,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Managers only. Stored encrypted and never returned; blank or left out keeps the stored one. "
        "A changed order_status_url or order_status_username drops it: send it again with them.",
    )
    order_status_password_stored = serializers.SerializerMethodField(
        help_text="Whether a password is stored for the order status service."
    )

    class Meta:
        model = Supplier
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "order_status_url",
            "order_status_username",
            "order_status_password",
            "order_status_password_stored",
            "shipment_url",
            "shipment_enabled",
            "inventory_url",
            "inventory_enabled",
        ]
        extra_kwargs = {
            "order_status_url": {
                "help_text": "Managers only. The PromoStandards Order Status Service 1.0.0 address, https "
                "(plain http or a local address only for the hosts the desk's settings allow); blank: not asked."
            },
            "order_status_username": {"help_text": "Managers only. The user id the supplier's service expects."},
            "shipment_url": {
                "help_text": "Managers only. The PromoStandards Order Shipment Notification Service 2.0.0 address, "
                "https; it is sent the order status user id and password. A change drops the stored password."
            },
            "shipment_enabled": {"help_text": "Managers only. Read shipments of open POs from shipment_url."},
            "inventory_url": {
                "help_text": "Managers only. The PromoStandards Inventory Service 2.0.0 address, https; it is sent "
                "the order status user id and password. A change drops the stored password."
            },
            "inventory_enabled": {"help_text": "Managers only. Check the stock of open POs' items at inventory_url."},
        }

    def get_order_status_password_stored(self, supplier: Supplier) -> bool:
        return bool(supplier.order_status_password_encrypted)


class PurchaseOrderItemSerializer(serializers.ModelSerializer):
    description = serializers.CharField(source="sales_order_item.description", read_only=True)

    class Meta:
        model = PurchaseOrderItem
        fields = ["id", "sales_order_item", "description", "quantity"]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer):
    stage = PurchaseOrderStageField(read_only=True)
    status = PurchaseOrderStatusField(read_only=True)
    items = PurchaseOrderItemSerializer(many=True, read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "number",
            "project",
            "sales_order",
            "supplier",
            "production_rep",
            "stage",
            "status",
            "expected_date",
            "ship_to",
            "email_state",
            "items",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class PurchaseOrderItemInputSerializer(serializers.Serializer):
    sales_order_item = serializers.PrimaryKeyRelatedField(queryset=SalesOrderItem.objects.all())
    quantity = quantity()


class PurchaseOrderCreateSerializer(serializers.Serializer):
    number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Left out, the next PO-number is taken."
    )
    sales_order = serializers.PrimaryKeyRelatedField(queryset=SalesOrder.objects.select_related("project"))
    supplier = serializers.PrimaryKeyRelatedField(queryset=Supplier.objects.all())
    production_rep = user_field(required=False, help_text="User id; left out, the project's production rep.")
    expected_date = serializers.DateField(required=False, allow_null=True)
    ship_to = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    items = PurchaseOrderItemInputSerializer(many=True, allow_empty=False, max_length=500)

    def validate_number(self, value: str) -> str:
        if value and PurchaseOrder.objects.filter(number=value).exists():
            raise serializers.ValidationError(f"Purchase order {value} already exists.")
        return value


class PurchaseOrderStageSerializer(serializers.Serializer):
    stage = PurchaseOrderStageField()


class PurchaseOrderStatusSerializer(serializers.Serializer):
    status = PurchaseOrderStatusField()

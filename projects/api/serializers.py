"""What the API shows of clients, suppliers, projects, orders and notes, and what it accepts."""

from decimal import Decimal

from django.contrib.auth.models import User
from rest_framework import serializers

from core.api import enum_field
from core.roles import Role
from projects.api.fields import AmountField, PercentField, QuantityField
from projects.models import (
    MAX_QUANTITY,
    MAX_UNITS_PER_PACK,
    Client,
    Note,
    Project,
    SalesOrder,
    SalesOrderItem,
    suppliers,
)
from projects.services.notes import NOTE_MAX_LENGTH

SalesOrderStatusField = enum_field("SalesOrderStatus", SalesOrder.Status.choices)
BillingStatusField = enum_field("BillingStatus", SalesOrder.BillingStatus.choices)
ItemKindField = enum_field("ItemKind", SalesOrderItem.Kind.choices)


def money(**kwargs) -> serializers.DecimalField:
    """Money as a string with two places, e.g. "1240.00"; typed in plain decimal notation (core.fields)."""
    if kwargs.get("read_only"):
        # Figures such as 10,000,000 × 999,999.99 are longer than a stored price; never refuse to show one.
        return serializers.DecimalField(max_digits=None, decimal_places=2, **kwargs)
    return AmountField(**kwargs)


def percent(**kwargs) -> serializers.DecimalField:
    """A tax rate in percent as a string, e.g. "8.25", from 0 to 100 in plain decimal notation."""
    return PercentField(**kwargs)


def quantity(**kwargs) -> serializers.IntegerField:
    """A whole quantity from 1 to the desk's maximum, in plain digits."""
    return QuantityField(min_value=1, max_value=MAX_QUANTITY, **kwargs)


def user_field(**kwargs) -> serializers.PrimaryKeyRelatedField:
    return serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), **kwargs)


SUPPLIER_PRODUCT_ID_HELP = (
    "The supplier's product id (PromoStandards productId): the item's stock is checked by it. Optional; up to 64 "
    "characters of plain text (no <, > or control characters)."
)
UNITS_PER_PACK_HELP = (
    "How many of this item make one of the supplier's packs (a case, a box), for a supplier whose inventory "
    "service counts stock in them; null when it counts eaches (a dozen is 12 without it)."
)
SUPPLIER_PART_ID_HELP = (
    "The supplier's part id (PromoStandards partId), e.g. a colour or size; blank counts every part of the "
    "product. Optional; up to 64 characters of plain text."
)


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "billing_email",
            "billing_address",
            "tax_id",
            "terms_days",
            "default_tax_rate",
            "status_updates_automatic",
        ]


class ProjectSerializer(serializers.ModelSerializer):
    number = serializers.CharField(
        max_length=20, required=False, help_text="Given on creation only; left out, the next P-number is taken."
    )
    order_rep = user_field(help_text="User id.")
    production_rep = user_field(help_text="User id.")
    invoicing_rep = user_field(help_text="User id.")

    class Meta:
        model = Project
        fields = ["id", "number", "name", "client", "order_rep", "production_rep", "invoicing_rep", "created_at"]
        read_only_fields = ["created_at"]

    def validate_number(self, value: str) -> str:
        if self.instance is not None and value != self.instance.number:
            raise serializers.ValidationError("A project's number cannot change.")
        return value


# --- sales orders -------------------------------------------------------------------------------


class SalesOrderItemSerializer(serializers.ModelSerializer):
    """An item with the figures of the domain: what is ordered, invoiced, backordered, remaining, ready."""

    kind = ItemKindField()
    unit_price = money()
    unit_cost = money()
    tax_rate = percent(help_text="Percent, e.g. 8.25.")
    ordered = serializers.IntegerField(read_only=True, help_text="The item's quantity.")
    invoiced = serializers.IntegerField(read_only=True, help_text="On invoices that are not void.")
    backordered = serializers.IntegerField(read_only=True, help_text="On open backorders.")
    cancelled = serializers.IntegerField(read_only=True, help_text="Will never ship (cancelled backorders).")
    remaining = serializers.IntegerField(read_only=True, help_text="ordered − cancelled − invoiced.")
    ready = serializers.IntegerField(read_only=True, help_text="remaining − backordered, never below 0.")
    remaining_amount = money(read_only=True, help_text="remaining × unit price, net.")
    remaining_amount_gross = money(read_only=True, help_text="remaining × unit price with tax.")
    ready_amount = money(read_only=True, help_text="ready × unit price, net.")

    class Meta:
        model = SalesOrderItem
        fields = [
            "id",
            "position",
            "kind",
            "description",
            "supplier",
            "supplier_product_id",
            "supplier_part_id",
            "supplier_units_per_pack",
            "quantity",
            "unit_price",
            "unit_cost",
            "tax_rate",
            "ordered",
            "invoiced",
            "backordered",
            "cancelled",
            "remaining",
            "ready",
            "remaining_amount",
            "remaining_amount_gross",
            "ready_amount",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "supplier_product_id": {"help_text": SUPPLIER_PRODUCT_ID_HELP},
            "supplier_part_id": {"help_text": SUPPLIER_PART_ID_HELP},
            "supplier_units_per_pack": {"help_text": UNITS_PER_PACK_HELP},
        }


class SalesOrderItemInputSerializer(serializers.Serializer):
    kind = ItemKindField(default=SalesOrderItem.Kind.PRODUCT)
    description = serializers.CharField(max_length=300)
    supplier = serializers.PrimaryKeyRelatedField(
        queryset=suppliers().all(),
        required=False,
        allow_null=True,
        help_text="Supplier id; the sales order page's Create purchase orders writes one PO per supplier.",
    )
    supplier_product_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=SUPPLIER_PRODUCT_ID_HELP,
    )
    supplier_part_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text=SUPPLIER_PART_ID_HELP
    )
    supplier_units_per_pack = serializers.IntegerField(
        min_value=1,
        max_value=MAX_UNITS_PER_PACK,
        required=False,
        allow_null=True,
        help_text=UNITS_PER_PACK_HELP,
    )
    quantity = quantity()
    unit_price = money()
    unit_cost = money(default=Decimal("0.00"))
    tax_rate = percent(default=Decimal("0.00"), help_text="Percent, e.g. 8.25.")


class SalesOrderSerializer(serializers.ModelSerializer):
    status = SalesOrderStatusField(read_only=True, help_text="Changed with POST …/status/ only.")
    billing_status = BillingStatusField(read_only=True, help_text="Derived from the items' invoiced quantities.")
    items = SalesOrderItemSerializer(many=True, read_only=True)
    subtotal = money(read_only=True, help_text="Sum of quantity × unit price, net.")
    remaining_amount = money(read_only=True, help_text="Still to invoice, net.")
    remaining_amount_gross = money(read_only=True, help_text="Still to invoice, with tax.")
    ready_amount = money(read_only=True, help_text="What a new invoice would propose, net.")

    class Meta:
        model = SalesOrder
        fields = [
            "id",
            "number",
            "project",
            "status",
            "billing_status",
            "in_hands_date",
            "ship_to",
            "client_po_number",
            "items",
            "subtotal",
            "remaining_amount",
            "remaining_amount_gross",
            "ready_amount",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class SalesOrderCreateSerializer(serializers.Serializer):
    number = serializers.CharField(
        max_length=20, required=False, allow_blank=True, help_text="Left out, the next SO-number is taken."
    )
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.all())
    in_hands_date = serializers.DateField(required=False, allow_null=True)
    ship_to = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    client_po_number = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="The client's own PO number."
    )
    items = SalesOrderItemInputSerializer(many=True, allow_empty=False, max_length=500)

    def validate_number(self, value: str) -> str:
        if value and SalesOrder.objects.filter(number=value).exists():
            raise serializers.ValidationError(f"Sales order {value} already exists.")
        return value


class SalesOrderUpdateSerializer(serializers.Serializer):
    in_hands_date = serializers.DateField(required=False)
    client_po_number = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="The client's own PO number; may change any time."
    )
    items = SalesOrderItemInputSerializer(
        many=True,
        allow_empty=False,
        max_length=500,
        required=False,
        help_text="Replaces every item; refused (409) once the order has an invoice or purchase orders.",
    )

    def validate(self, attrs):
        if "status" in self.initial_data:
            raise serializers.ValidationError({"status": ["Change the status with POST …/status/."]})
        return attrs


class SalesOrderStatusSerializer(serializers.Serializer):
    status = SalesOrderStatusField()


# --- purchase orders ----------------------------------------------------------------------------


# --- notes --------------------------------------------------------------------------------------


class NoteSerializer(serializers.ModelSerializer):
    body = serializers.CharField(
        max_length=NOTE_MAX_LENGTH, help_text="Plain text; @username mentions notify those users."
    )
    pinned = serializers.BooleanField(default=False)
    mentions = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="User ids.")

    class Meta:
        model = Note
        fields = ["id", "project", "author", "body", "pinned", "mentions", "created_at"]
        read_only_fields = ["author", "created_at"]


class UserSerializer(serializers.ModelSerializer):
    """A colleague, as integrators need them to name reps on projects."""

    full_name = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "email", "roles"]
        read_only_fields = fields

    def get_full_name(self, user: User) -> str:
        return user.get_full_name() or user.get_username()

    def get_roles(self, user: User) -> list[str]:
        # Read from the prefetched groups, so a page of users costs no query per user.
        if user.is_superuser:
            return list(Role.ALL)
        return sorted(group.name for group in user.groups.all() if group.name in Role.ALL)

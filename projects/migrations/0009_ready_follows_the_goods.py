from django.db import migrations, models
from django.db.models import F, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

SHIPPED_OR_LATER = ["shipped", "ready_for_billing", "billed"]


def where_the_goods_are(apps, schema_editor):
    """Each item's purchased and shipped quantities, from the purchase orders as they stand."""
    SalesOrderItem = apps.get_model("projects", "SalesOrderItem")
    PurchaseOrderItem = apps.get_model("purchasing", "PurchaseOrderItem")

    def summed(lines):
        total = lines.filter(sales_order_item=OuterRef("pk")).values("sales_order_item").annotate(t=Sum("quantity"))
        return Coalesce(Subquery(total.values("t"), output_field=IntegerField()), Value(0))

    there = Q(purchase_order__stage__in=SHIPPED_OR_LATER) | Q(purchase_order__rest_ships_declared_at__isnull=False)
    SalesOrderItem.objects.using(schema_editor.connection.alias).update(
        purchased_quantity=summed(PurchaseOrderItem.objects.all()),
        shipped_quantity=summed(PurchaseOrderItem.objects.filter(there)),
    )


class Migration(migrations.Migration):
    """ "Ready" follows the goods: items keep what of them is on POs and what of that has shipped."""

    dependencies = [
        ("projects", "0008_suppliers_and_purchase_orders_move_to_purchasing"),
        ("purchasing", "0002_ready_follows_the_goods"),
    ]

    operations = [
        migrations.AddField(
            model_name="salesorderitem",
            name="purchased_quantity",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="salesorderitem",
            name="shipped_quantity",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(where_the_goods_are, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="salesorderitem",
            constraint=models.CheckConstraint(
                condition=models.Q(("shipped_quantity__gte", 0), ("shipped_quantity__lte", F("purchased_quantity"))),
                name="so_item_shipped_within_purchased",
            ),
        ),
    ]

from django.db import migrations, models
from django.db.models import Min, OuterRef, Subquery


def declared_where_flagged(apps, schema_editor):
    """A PO that already had a backorder flagged declared then that the rest of it ships."""
    PurchaseOrder = apps.get_model("purchasing", "PurchaseOrder")
    Backorder = apps.get_model("backorders", "Backorder")
    first_flag = (
        Backorder.objects.filter(purchase_order=OuterRef("pk"))
        .values("purchase_order")
        .annotate(first=Min("created_at"))
        .values("first")
    )
    PurchaseOrder.objects.using(schema_editor.connection.alias).filter(backorders__isnull=False).update(
        rest_ships_declared_at=Subquery(first_flag)
    )


class Migration(migrations.Migration):
    """ "Ready" follows the goods: a PO records when flagging a backorder declared that its rest ships."""

    dependencies = [
        ("backorders", "0004_purchase_orders_in_purchasing"),
        ("purchasing", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="purchaseorder",
            name="rest_ships_declared_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(declared_where_flagged, migrations.RunPython.noop),
    ]

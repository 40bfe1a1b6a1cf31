import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def keep_each_invoice_s_client(apps, schema_editor):
    """Every invoice takes the client of its order's project, in one statement."""
    Invoice = apps.get_model("invoicing", "Invoice")
    SalesOrder = apps.get_model("projects", "SalesOrder")
    client_of_order = SalesOrder.objects.filter(pk=OuterRef("sales_order_id")).values("project__client_id")[:1]
    Invoice.objects.update(client_id=Subquery(client_of_order))


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0008_invoice_owed_amount"),
        ("projects", "0013_client_status_updates"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="client",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="projects.client",
            ),
        ),
        migrations.RunPython(keep_each_invoice_s_client, migrations.RunPython.noop, elidable=False),
    ]

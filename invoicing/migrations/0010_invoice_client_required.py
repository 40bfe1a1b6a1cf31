import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from the rows' update (0009): PostgreSQL checks the deferred foreign keys of updated rows at
    # commit, and refuses to alter a table that still has such checks pending in the transaction.
    dependencies = [("invoicing", "0009_invoice_kept_client")]

    operations = [
        migrations.AlterField(
            model_name="invoice",
            name="client",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="projects.client",
            ),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(fields=["client", "date"], name="invoice_client_date_idx"),
        ),
    ]

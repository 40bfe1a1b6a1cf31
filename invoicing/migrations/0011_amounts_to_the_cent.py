"""An invoice's balance due and the paid-within-total check, rounded to the cent.

On PostgreSQL the amounts are exact and nothing changes but the definitions. On SQLite, which keeps
decimals as floats, 1,293.80 - 323.45 - 970.35 was -0.0000000000001: the check refused a payment of
the whole balance and the balance due read a few femtocents. A generated column cannot be altered,
so it is dropped and added again with its partial index (PostgreSQL rewrites the table once).
"""

from django.db import migrations, models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.db.models.lookups import LessThanOrEqual

OWED_INDEX = "invoice_owed_date_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0010_invoice_client_required"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="invoice", name="invoice_paid_and_credited_within_total"),
        migrations.RemoveIndex(model_name="invoice", name=OWED_INDEX),
        migrations.RemoveField(model_name="invoice", name="owed_amount"),
        migrations.AddField(
            model_name="invoice",
            name="owed_amount",
            field=models.GeneratedField(
                db_persist=True,
                expression=Round(F("total") - F("credited_amount") - F("paid_amount"), 2),
                output_field=models.DecimalField(decimal_places=2, max_digits=14),
            ),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=Q(("owed_amount__gt", 0), Q(("status__in", ["draft", "void"]), _negated=True)),
                fields=["date"],
                name=OWED_INDEX,
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=Q(paid_amount__gte=0)
                & Q(credited_amount__gte=0)
                & Q(credited_amount__lte=F("total"))
                & Q(LessThanOrEqual(F("paid_amount"), Round(F("total") - F("credited_amount"), 2))),
                name="invoice_paid_and_credited_within_total",
            ),
        ),
    ]

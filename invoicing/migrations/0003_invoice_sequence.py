"""Create the invoice number sequence row, so the first invoices never race to create it."""

from django.db import migrations


def create_sequence(apps, schema_editor):
    apps.get_model("invoicing", "InvoiceNumberSequence").objects.get_or_create(name="INV")


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0002_initial")]

    operations = [migrations.RunPython(create_sequence, migrations.RunPython.noop)]

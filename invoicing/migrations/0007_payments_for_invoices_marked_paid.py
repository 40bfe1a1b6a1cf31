from django.db import migrations


def payments_for_invoices_marked_paid(apps, schema_editor):
    """Give every invoice marked paid before payments existed one payment of what it owed, so its balance is 0."""
    Invoice = apps.get_model("invoicing", "Invoice")
    Payment = apps.get_model("invoicing", "Payment")
    for invoice in Invoice.objects.filter(status="paid", paid_amount=0).iterator():
        amount = invoice.total - invoice.credited_amount
        if amount <= 0:
            continue
        paid_on = invoice.paid_at.date() if invoice.paid_at else invoice.date
        Payment.objects.create(
            invoice=invoice,
            date=max(paid_on, invoice.date),
            amount=amount,
            method="other",
            reference="Marked paid",
            recorded_by_id=invoice.issued_by_id,
        )
        Invoice.objects.filter(pk=invoice.pk).update(paid_amount=amount)


class Migration(migrations.Migration):
    dependencies = [("invoicing", "0006_payments_and_credit_notes")]

    operations = [migrations.RunPython(payments_for_invoices_marked_paid, migrations.RunPython.noop)]

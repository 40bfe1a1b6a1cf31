"""Draft invoices (no number until issued), the dates of the exported and paid marks, and the site
address an invoice email was asked from.

A draft's number and sequence number are NULL, so the unique constraints leave drafts alone and the
sequence is taken only at issue; a CHECK holds that only drafts lack a number.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0004_invoice_bill_to_and_email_state"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="invoice",
            name="invoice_status_valid",
        ),
        migrations.AddField(
            model_name="invoice",
            name="email_site_url",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="invoice",
            name="exported_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="invoice",
            name="paid_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="number",
            field=models.CharField(blank=True, max_length=20, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="sequence_number",
            field=models.PositiveBigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("open", "Open"),
                    ("sent_to_client", "Sent to Client"),
                    ("exported", "Exported"),
                    ("paid", "Paid"),
                    ("void", "Void"),
                ],
                default="open",
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["draft", "open", "sent_to_client", "exported", "paid", "void"])),
                name="invoice_status_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("number__isnull", True), ("sequence_number__isnull", True), ("status", "draft")),
                    models.Q(
                        models.Q(("status", "draft"), _negated=True),
                        ("number__isnull", False),
                        ("sequence_number__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="invoice_number_only_when_issued",
            ),
        ),
    ]

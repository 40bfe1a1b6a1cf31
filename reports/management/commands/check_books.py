"""Recompute each sales-order item's cached counters, each invoice's kept client and the invoices' kept totals,
and report any drift."""

from django.core.management.base import BaseCommand, CommandError

from invoicing.day_totals import day_totals_drifted, day_totals_rebuild
from projects.models import SalesOrderItem
from reports.books import drifts_of, invoices_with_another_client, items_drifted


class Command(BaseCommand):
    help = (
        "Recompute each sales-order item's invoiced, backordered and cancelled quantities from the "
        "non-void invoice lines less their credit note lines, and the open and cancelled backorders; "
        "check that each invoice's kept client is its project's; recompute the invoices' totals per day, "
        "order rep, status and kind that the Invoices Report reads; print one line per item, invoice or "
        "total that drifted and exit 1 if any did."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rebuild-invoice-totals",
            action="store_true",
            help="Write the invoices' kept totals again from the invoices, once a drift's cause is fixed.",
        )

    def handle(self, *args, **options):
        if options["rebuild_invoice_totals"]:
            self.stdout.write(f"Rebuilt the invoice totals: {day_totals_rebuild()} rows.")
        checked = SalesOrderItem.objects.count()
        drifted = 0
        for item in items_drifted().iterator():
            drifted += 1
            found = "; ".join(f"{d.counter} stored {d.stored}, recomputed {d.recomputed}" for d in drifts_of(item))
            self.stdout.write(f'{item.sales_order.number} item {item.pk} "{item.description}": {found}')
        moved = 0
        for invoice in invoices_with_another_client().iterator():
            moved += 1
            self.stdout.write(
                f"{invoice}: kept client {invoice.client.name}, "
                f"its project's client {invoice.sales_order.project.client.name}"
            )
        totals = day_totals_drifted()
        for drift in totals:
            self.stdout.write(str(drift))
        problems = [f"{drifted} drifted"] if drifted else []
        if moved:
            problems.append(f"invoices on another client than their project's: {moved}")
        if totals:
            problems.append(f"invoice totals drifted: {len(totals)}")
        if problems:
            raise CommandError(f"Checked {checked} items: {'; '.join(problems)}.", returncode=1)
        self.stdout.write(f"Checked {checked} items: no drift.")

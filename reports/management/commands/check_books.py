"""Recompute every sales-order item's cached counters from its rows and report any drift."""

from django.core.management.base import BaseCommand, CommandError

from projects.models import SalesOrderItem
from reports.books import drifts_of, items_drifted


class Command(BaseCommand):
    help = (
        "Recompute each sales-order item's invoiced, backordered and cancelled quantities from the "
        "non-void invoice lines less their credit note lines, and the open and cancelled backorders; "
        "print one line per item that drifted and exit 1 if any did."
    )

    def handle(self, *args, **options):
        checked = SalesOrderItem.objects.count()
        drifted = 0
        for item in items_drifted().iterator():
            drifted += 1
            found = "; ".join(f"{d.counter} stored {d.stored}, recomputed {d.recomputed}" for d in drifts_of(item))
            self.stdout.write(f'{item.sales_order.number} item {item.pk} "{item.description}": {found}')
        if drifted:
            raise CommandError(f"Checked {checked} items: {drifted} drifted.", returncode=1)
        self.stdout.write(f"Checked {checked} items: no drift.")

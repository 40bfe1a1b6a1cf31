"""The invoices' kept totals per day, order rep, status and kind (InvoiceDayTotal): reading and checking them.

PostgreSQL keeps them through the triggers of migration 0012, in the transaction of every invoice
write; these functions tell whether they are kept here, recompute them from the invoices for
`check_books`, and rebuild them should a drift ever be found.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Sum, Value
from django.db.models.functions import Coalesce

from invoicing.models import Invoice, InvoiceDayTotal, InvoiceStatus

FIGURES = ("count", "subtotal", "tax", "total", "owed")
Key = tuple[date, int, str, str]


def day_totals_kept() -> bool:
    """Whether the database keeps the totals (PostgreSQL's triggers); SQLite does not."""
    return connection.vendor == "postgresql"


def _recomputed() -> dict[Key, tuple]:
    rows = (
        Invoice.objects.exclude(status=InvoiceStatus.DRAFT)
        .annotate(rep=Coalesce(F("sales_order__project__order_rep_id"), Value(0), output_field=IntegerField()))
        .values("date", "rep", "status", "kind")
        .annotate(
            count=Count("pk"), subtotal=Sum("subtotal"), tax=Sum("tax"), total=Sum("total"), owed=Sum("owed_amount")
        )
        .order_by()
    )
    grouped: list[Mapping[str, Any]] = list(rows)  # rows as plain mappings, read by name below
    return {(r["date"], r["rep"], r["status"], r["kind"]): tuple(r[name] for name in FIGURES) for r in grouped}


def _kept() -> dict[Key, tuple]:
    rows = InvoiceDayTotal.objects.values("day", "order_rep_id", "status", "kind", *FIGURES)
    kept = {(r["day"], r["order_rep_id"], r["status"], r["kind"]): tuple(r[name] for name in FIGURES) for r in rows}
    # A key whose invoices all moved away keeps a row of zeros: the same as no row.
    return {key: figures for key, figures in kept.items() if figures[0] or any(figures[1:])}


@dataclass(frozen=True)
class DayTotalDrift:
    day: date
    order_rep_id: int
    status: str
    kind: str
    kept: tuple
    recomputed: tuple

    def __str__(self) -> str:
        def spelled(figures: tuple) -> str:
            if not figures:
                return "nothing"
            count, *amounts = figures
            return f"{count} invoices, " + ", ".join(
                f"{name} {Decimal(amount):.2f}" for name, amount in zip(FIGURES[1:], amounts, strict=True)
            )

        return (
            f"invoice totals of {self.day.isoformat()}, order rep {self.order_rep_id or 'none'}, "
            f"{self.status} {self.kind}: kept {spelled(self.kept)}; recomputed {spelled(self.recomputed)}"
        )


def day_totals_drifted() -> list[DayTotalDrift]:
    """Each kept total that differs from the invoices' own sums (nothing on a database that does not keep them)."""
    if not day_totals_kept():
        return []
    if connection.in_atomic_block:
        kept, recomputed = _kept(), _recomputed()  # the caller's transaction
    else:
        with transaction.atomic():
            # One snapshot for both reads, so that a write in between is not taken for drift.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            kept, recomputed = _kept(), _recomputed()
    return [
        DayTotalDrift(*key, kept=kept.get(key, ()), recomputed=recomputed.get(key, ()))
        for key in sorted(kept.keys() | recomputed.keys())
        if kept.get(key) != recomputed.get(key)
    ]


def day_totals_rebuild() -> int:
    """Write the totals again from the invoices, with the invoices locked against writes meanwhile; return the rows."""
    if not day_totals_kept():
        return 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE invoicing_invoice IN SHARE MODE")
        InvoiceDayTotal.objects.all().delete()
        InvoiceDayTotal.objects.bulk_create(
            InvoiceDayTotal(
                day=key[0], order_rep_id=key[1], status=key[2], kind=key[3], **dict(zip(FIGURES, figures, strict=True))
            )
            for key, figures in _recomputed().items()
        )
    return InvoiceDayTotal.objects.count()

"""Accounts-receivable aging: what each client still owes, by how long past due, as of a day.

One query groups the unpaid balances by client with a conditional sum per bucket. A balance is the
invoice's total less its credits and payments; payments and credit notes dated after the chosen day
are added back, so a past day shows what was owed then. Only issued invoices dated by that day
count, never drafts or void ones.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce

from core.downloads import XlsxColumn, spreadsheet_safe
from invoicing.models import CreditNote, Invoice, Payment

ZERO = Decimal("0.00")
MONEY_OUTPUT = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    # Days past due (the day less the due date) the bucket holds, both ends included; None: no end.
    first_day: int | None
    last_day: int | None

    def condition(self, as_of: date) -> Q:
        """The invoices whose due date puts them in this bucket on the given day."""
        # Whole days past due, compared as due dates so the database can use them as they are.
        q = Q()
        if self.first_day is not None:
            q &= Q(due_date__lte=as_of - timedelta(days=self.first_day))
        if self.last_day is not None:
            q &= Q(due_date__gte=as_of - timedelta(days=self.last_day))
        return q


BUCKETS = [
    Bucket("current", "Current", None, 0),  # not yet due (due today counts as current)
    Bucket("days_1_30", "1–30 days", 1, 30),
    Bucket("days_31_60", "31–60 days", 31, 60),
    Bucket("days_61_90", "61–90 days", 61, 90),
    Bucket("days_over_90", "Over 90 days", 91, None),
]


@dataclass
class AgingRow:
    client_id: int
    client_name: str
    invoice_count: int
    amounts: dict[str, Decimal]
    total: Decimal


@dataclass
class AgingReport:
    as_of: date
    rows: list[AgingRow]
    totals: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO
    invoice_count: int = 0


def _sum_after(model, as_of: date, amount: str) -> Coalesce:
    """The invoice's rows of `model` dated after the day, summed (0 when none): what had not happened yet."""
    later = (
        model.objects.filter(invoice=OuterRef("pk"), date__gt=as_of)
        .order_by()
        .values("invoice")
        .annotate(sum=Sum(amount))
        .values("sum")
    )
    return Coalesce(Subquery(later, output_field=MONEY_OUTPUT), Value(ZERO), output_field=MONEY_OUTPUT)


def unpaid_invoices(*, as_of: date):
    """Issued invoices dated by the day with something owed on it, each annotated with `open_balance`.

    Only two kinds of invoice can have been owed on the day: those owed today (the partial index on
    `owed_amount` holds just these), and those paid or credited after the day (one query by date). So
    the invoices' query never reads the paid history, however long it grows.
    """
    paid_later = Payment.objects.filter(date__gt=as_of).order_by().values_list("invoice_id", flat=True)
    credited_later = CreditNote.objects.filter(date__gt=as_of).order_by().values_list("invoice_id", flat=True)
    settled_later = set(paid_later.union(credited_later))
    if not settled_later:
        # Nothing paid or credited since the day: what was owed then is what is owed now.
        balance: Combinable = F("owed_amount")
        maybe_owed = Q(owed_amount__gt=0)
    else:
        balance = F("owed_amount") + _sum_after(Payment, as_of, "amount") + _sum_after(CreditNote, as_of, "total")
        maybe_owed = Q(owed_amount__gt=0) | Q(pk__in=sorted(settled_later))
    return (
        Invoice.objects.exclude(status__in=(Invoice.Status.DRAFT, Invoice.Status.VOID))
        .filter(maybe_owed, date__lte=as_of)
        .annotate(open_balance=balance)
        .filter(open_balance__gt=0)
    )


def ar_aging(*, as_of: date) -> AgingReport:
    """What each client owes on the day, by bucket; one query, clients by name."""
    sums = {
        bucket.key: Coalesce(
            Sum("open_balance", filter=bucket.condition(as_of)), Value(ZERO), output_field=MONEY_OUTPUT
        )
        for bucket in BUCKETS
    }
    grouped = (
        unpaid_invoices(as_of=as_of)
        # The invoice's kept client: no join through every order and project of the history.
        .values("client_id", client_name=F("client__name"))
        .annotate(**sums, total=Sum("open_balance"), invoice_count=Count("id"))
        .order_by("client_name", "client_id")
    )
    report = AgingReport(as_of=as_of, rows=[], totals={bucket.key: ZERO for bucket in BUCKETS})
    # The rows are one per client, already summed by the database; only their grand totals are added here.
    for values in grouped:
        amounts = {bucket.key: values[bucket.key] for bucket in BUCKETS}
        report.rows.append(
            AgingRow(
                client_id=values["client_id"],
                client_name=values["client_name"],
                invoice_count=values["invoice_count"],
                amounts=amounts,
                total=values["total"],
            )
        )
        for key, amount in amounts.items():
            report.totals[key] += amount
        report.total += values["total"]
        report.invoice_count += values["invoice_count"]
    return report


def ar_aging_csv(report: AgingReport) -> Iterator[str]:
    """The aging as CSV text: a row per client, then the totals; amounts with a point and two decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(["Client", *[bucket.label for bucket in BUCKETS], "Total", "Invoices"])
    yield flush()
    for row in report.rows:
        writer.writerow(
            [
                spreadsheet_safe(row.client_name),
                *[f"{row.amounts[bucket.key]:.2f}" for bucket in BUCKETS],
                f"{row.total:.2f}",
                row.invoice_count,
            ]
        )
        yield flush()
    writer.writerow(
        [
            "Total",
            *[f"{report.totals[bucket.key]:.2f}" for bucket in BUCKETS],
            f"{report.total:.2f}",
            report.invoice_count,
        ]
    )
    yield flush()


AGING_XLSX_COLUMNS = [
    XlsxColumn("Client", "text", 32),
    *[XlsxColumn(bucket.label, "money", 14) for bucket in BUCKETS],
    XlsxColumn("Total", "money", 14),
    XlsxColumn("Invoices", "integer"),
]


def ar_aging_xlsx_rows(report: AgingReport) -> Iterator[tuple]:
    """The CSV's rows with the amounts kept as Decimal, for an XLSX: a row per client, then the totals."""
    for row in report.rows:
        yield (row.client_name, *[row.amounts[bucket.key] for bucket in BUCKETS], row.total, row.invoice_count)
    yield ("Total", *[report.totals[bucket.key] for bucket in BUCKETS], report.total, report.invoice_count)

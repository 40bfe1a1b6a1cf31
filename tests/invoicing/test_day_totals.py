"""The invoices' kept totals per day, order rep, status and kind: PostgreSQL keeps them through every write.

The Invoices Report's totals and chart read them; these tests write invoices every way the desk does
and find the kept totals equal to the invoices' own sums, the report's figures equal to those it
computes from the invoices, and check_books naming (and rebuilding) any drift.
"""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from invoicing.credit_notes import credit_note_create
from invoicing.day_totals import day_totals_drifted
from invoicing.models import Invoice, InvoiceDayTotal
from invoicing.payments import payment_record
from invoicing.selectors import InvoiceReportFilters, invoice_report_filtered
from invoicing.services.drafts import invoice_draft_issue
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.void import invoice_void
from projects.models import SalesOrder
from projects.services.projects import project_update
from reports import invoice_report
from tests.factories import ProjectFactory, SalesOrderFactory, SalesOrderItemFactory, UserFactory

pytestmark = pytest.mark.usefixtures("postgres")

DAY = date(2026, 10, 5)


@pytest.fixture
def order_of(sales_rep):
    def make(rep=None, amount="100.00", quantity=10) -> SalesOrder:
        project = ProjectFactory(order_rep=rep or sales_rep)
        order = SalesOrderFactory(project=project, status=SalesOrder.Status.READY_TO_BE_INVOICED)
        SalesOrderItemFactory(
            sales_order=order, quantity=quantity, unit_price=Decimal(amount), tax_rate=Decimal("8.25")
        )
        return order

    return make


def from_invoices(filters: InvoiceReportFilters) -> list[dict]:
    """The report's groups as it computes them from the invoices themselves."""
    return invoice_report._grouped(invoice_report_filtered(filters))


def same_groups(a: list[dict], b: list[dict]) -> bool:
    def key(group):
        return (str(group["month"])[:10], group["kind"], group["status"])

    def figures(group):
        return {name: Decimal(group[name]) for name in ("count", "subtotal", "tax", "total", "due")}

    return {key(g): figures(g) for g in a} == {key(g): figures(g) for g in b}


def test_every_way_an_invoice_is_written_keeps_the_totals(order_of, invoicing_rep, manager, sales_rep):
    other_rep = UserFactory(username="olga", roles=["Sales"])
    first, second, third = order_of(), order_of(other_rep), order_of(amount="19.99", quantity=3)
    item = first.items.get()
    partial = invoice_create(
        sales_order=first, by=invoicing_rep, lines=[LineRequest(item, 4)], invoice_date=DAY
    )  # issued, partial
    final = invoice_create(sales_order=first, by=invoicing_rep, invoice_date=DAY + timedelta(days=40))
    draft = invoice_create(sales_order=second, by=invoicing_rep, invoice_date=DAY, draft=True)
    assert not day_totals_drifted()
    assert InvoiceDayTotal.objects.filter(status="draft").count() == 0  # a draft counts nowhere

    invoice_draft_issue(invoice=draft, by=invoicing_rep)
    payment_record(
        invoice=partial, date=DAY + timedelta(days=3), amount=Decimal("100.00"), method="check", by=invoicing_rep
    )
    payment_record(
        invoice=partial,
        date=DAY + timedelta(days=9),
        amount=partial.total - Decimal("100.00"),
        method="ach",
        by=invoicing_rep,
    )
    credit_note_create(invoice=final, reason="Six mugs arrived chipped.", by=manager, whole=True)
    to_void = invoice_create(sales_order=third, by=invoicing_rep, invoice_date=DAY)
    invoice_void(invoice=to_void, reason="Issued on the wrong order.", by=manager)
    project_update(project=first.project, by=sales_rep, order_rep=other_rep)  # the project's invoices move rep

    assert not day_totals_drifted()
    kept = {
        (row.day, row.order_rep_id, row.status, row.kind): (row.count, row.total, row.owed)
        for row in InvoiceDayTotal.objects.filter(count__gt=0)
    }
    partial.refresh_from_db()
    assert kept[(DAY, other_rep.pk, "paid", "partial")] == (1, partial.total, Decimal("0.00"))
    assert (DAY, sales_rep.pk, "paid", "partial") not in kept
    assert kept[(DAY, sales_rep.pk, "void", "final")][0] == 1


def test_the_report_reads_the_kept_totals_and_they_agree_with_the_invoices(order_of, invoicing_rep, sales_rep):
    other_rep = UserFactory(username="olga", roles=["Sales"])
    for days, rep in ((0, None), (1, other_rep), (33, None), (70, other_rep)):
        order = order_of(rep)
        invoice_create(
            sales_order=order,
            by=invoicing_rep,
            lines=[LineRequest(order.items.get(), 2)],
            invoice_date=DAY + timedelta(days=days),
        )
        invoice_create(sales_order=order, by=invoicing_rep, invoice_date=DAY + timedelta(days=days + 2))
    payment_record(
        invoice=Invoice.objects.order_by("pk").first(),
        date=DAY + timedelta(days=5),
        amount=Decimal("50.00"),
        method="check",
        by=invoicing_rep,
    )
    for filters in (
        InvoiceReportFilters(),
        InvoiceReportFilters(date_from=DAY + timedelta(days=1), date_to=DAY + timedelta(days=35)),
        InvoiceReportFilters(rep_id=other_rep.pk),
        InvoiceReportFilters(status="open", kind="final"),
    ):
        kept = invoice_report._kept_grouped(filters)
        assert kept, filters
        assert same_groups(kept, from_invoices(filters)), filters
        assert invoice_report._groups(filters) == kept  # the report reads them


def test_filters_the_totals_cannot_answer_read_the_invoices(order_of, invoicing_rep):
    order = order_of()
    invoice_create(sales_order=order, by=invoicing_rep, invoice_date=DAY)
    filters = InvoiceReportFilters(client_id=order.project.client_id)
    InvoiceDayTotal.objects.all().delete()  # were the report to read them, it would find nothing

    assert invoice_report.invoice_report_summary(filters).totals["count"] == 1
    assert invoice_report.invoice_report_summary(InvoiceReportFilters(balance_due=True)).totals["count"] == 1
    assert invoice_report.invoice_report_summary(InvoiceReportFilters()).totals["count"] == 0


def test_check_books_names_a_drifted_total_and_rebuilds_it(order_of, invoicing_rep, sales_rep):
    order = order_of()
    invoice = invoice_create(sales_order=order, by=invoicing_rep, invoice_date=DAY)
    call_command("check_books", stdout=StringIO())  # clean first
    InvoiceDayTotal.objects.filter(day=DAY).update(total=Decimal("1.00"))  # as a write behind the triggers' back

    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("check_books", stdout=out)
    assert out.getvalue() == (
        f"invoice totals of {DAY.isoformat()}, order rep {sales_rep.pk}, open final: "
        f"kept 1 invoices, subtotal 1000.00, tax 82.50, total 1.00, owed {invoice.total:.2f}; "
        f"recomputed 1 invoices, subtotal 1000.00, tax 82.50, total {invoice.total:.2f}, owed {invoice.total:.2f}\n"
    )
    assert "invoice totals drifted: 1" in str(refused.value)

    out = StringIO()
    call_command("check_books", "--rebuild-invoice-totals", stdout=out)
    assert "Rebuilt the invoice totals: 1 rows." in out.getvalue()
    assert not day_totals_drifted()
    call_command("check_books", stdout=StringIO())

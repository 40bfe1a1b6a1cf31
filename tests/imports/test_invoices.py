"""Issued, unpaid invoices and their payments so far: numbers kept, counters and AR aging right, on PostgreSQL."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from imports.kinds import KINDS
from imports.reading import read_table
from imports.services import evaluate
from invoicing.aging import ar_aging
from invoicing.models import Invoice, InvoiceNumberSequence, Payment
from invoicing.services.issue import _next_sequence_number
from projects.models import Activity, SalesOrder, SalesOrderItem
from tests.factories import ClientFactory, SupplierFactory

pytestmark = pytest.mark.usefixtures("postgres")

ORDERS_FILE = (
    "Job #,Job Name,Client,Sales Rep,Order #,Description,Supplier,Qty,Unit Price,Tax %\n"
    "P-4410,Spring Fair 2026,C-1,sam,SO-7702,Stainless mug,Mugs & Co,250,12.50,8.25\n"
    "P-4410,Spring Fair 2026,C-1,sam,SO-7702,Setup charge,,1,65.00,\n"
    "P-4410,Spring Fair 2026,C-1,sam,SO-7705,Tote bag,,100,4.00,\n"
)
HEADER = "Invoice #,Order #,Line,Description,Qty,Amount,Invoice Date,Due Date,Status\n"
GOOD = (
    "INV-000310,SO-7702,1,Stainless mug,100,1250.00,2026-10-01,2026-10-31,Sent to Client\n"
    "INV-000310,SO-7702,2,,1,65.00,2026-10-01,2026-10-31,Sent to Client\n"
    "INV-000311,SO-7705,1,Tote bag,100,400.00,2026-11-02,,\n"
)
BAD = (
    "INV-000312,SO-7702,1,,200,,2026-11-01,,\n"
    "INV-000313,SO-7702,1,,-3,,2026-11-01,,\n"
    "INV-000314,SO-9999,1,,1,,2026-11-01,,\n"
    "INV-000315,SO-7702,1,,5,99.00,2026-11-01,,\n"
    "INV-000316,SO-7702,1,,5,,2026-11-01,2026-10-01,\n"
)
PAYMENTS_HEADER = "Invoice No.,Date,Amount,Payment Method,Ref No.\n"
PAYMENTS = "INV-000310,2026-11-05,1000.00,Check,4471\nINV-000311,2026-11-25,400.00,Credit Card,\n"
BAD_PAYMENTS = (
    "INV-000310,2026-11-06,500.00,Check,4472\n"
    "INV-000999,2026-11-06,5.00,,\n"
    "INV-000310,2026-09-01,10.00,,\n"
    "INV-000310,2026-11-07,-3,,\n"
)


@pytest.fixture
def desk(sales_rep, production_rep, invoicing_rep, manager):
    ClientFactory(name="Harbor Fair", external_ref="C-1", terms_days=30)
    SupplierFactory(name="Mugs & Co")
    run("orders", ORDERS_FILE, by=manager, commit=True)
    return manager


def run(kind: str, content: str, *, by, commit: bool = False):
    table = read_table(name=f"{kind}.csv", content=content.encode())
    columns = KINDS[kind].match_headers(table.headers)
    return evaluate(kind=KINDS[kind], table=table, columns=columns, file_name=f"{kind}.csv", by=by, commit=commit)


def books() -> str:
    out = StringIO()
    call_command("check_books", stdout=out)
    return out.getvalue()


def test_quickbooks_headers_are_recognised():
    assert all(KINDS["invoices"].match_headers(HEADER.strip().split(",")).values())
    assert all(KINDS["payments"].match_headers(PAYMENTS_HEADER.strip().split(",")).values())


def test_unpaid_invoices_import_with_their_numbers_and_count_on_the_items(desk):
    preview = run("invoices", HEADER + GOOD + BAD, by=desk)
    assert len(preview.created) == 3 and not Invoice.objects.exists()
    assert [str(refusal) for refusal in preview.refusals] == [
        "row 5, Qty: 200 is more than the 150 of SO-7702 line 1 left to invoice (250 ordered, 100 invoiced, "
        "0 cancelled)",
        "row 6, Qty: -3 is not a whole number of at least 1",
        "row 7, Order #: SO-9999 is no sales order of the desk: import it with Import order items first",
        "row 8, Amount: 99.00 is not 5 × 12.50, the price of SO-7702 line 1 (62.50): correct the amount, or the "
        "item's price with Import order items first",
        "row 9, Due Date: 2026-10-01 is before the invoice date, 2026-11-01",
    ]

    outcome = run("invoices", HEADER + GOOD + BAD, by=desk, commit=True)

    assert len(outcome.created) == 3 and outcome.refused_rows == 5
    invoice = Invoice.objects.get(number="INV-000310")
    assert (invoice.sequence_number, invoice.date, invoice.due_date, invoice.status, invoice.kind) == (
        310,
        date(2026, 10, 1),
        date(2026, 10, 31),
        Invoice.Status.SENT_TO_CLIENT,
        Invoice.Kind.PARTIAL,
    )
    # Priced from the items as issuing prices them: 100 × 12.50 + 8.25% tax (103.125, half-up) + 65.00.
    assert (invoice.subtotal, invoice.tax, invoice.total) == (Decimal("1315.00"), Decimal("103.13"), Decimal("1418.13"))
    assert invoice.client.name == "Harbor Fair" and invoice.bill_to_name == "Harbor Fair"
    tote = Invoice.objects.get(number="INV-000311")
    assert (tote.due_date, tote.status, tote.kind) == (date(2026, 12, 2), Invoice.Status.OPEN, Invoice.Kind.FINAL)
    assert SalesOrderItem.objects.get(description="Stainless mug").invoiced_quantity == 100
    assert SalesOrder.objects.get(number="SO-7705").status == SalesOrder.Status.INVOICED
    assert "no drift" in books()
    assert Activity.objects.filter(subject_label="INV-000310", verb="imported partial invoice").get().detail == (
        "from invoices.csv: SO-7702, 2 line(s), dated 2026-10-01, due 2026-10-31"
    )
    # The desk's own invoices continue after the highest imported number, never reusing one.
    assert InvoiceNumberSequence.objects.get(name="INV").last_value == 311
    with transaction.atomic():
        assert _next_sequence_number() == 312


def test_the_same_invoices_again_change_nothing_and_an_issued_one_is_never_changed(desk):
    run("invoices", HEADER + GOOD, by=desk, commit=True)
    again = run("invoices", HEADER + GOOD, by=desk, commit=True)
    assert (len(again.created), len(again.updated), len(again.unchanged), again.refused_rows) == (0, 0, 3, 0)
    assert SalesOrderItem.objects.get(description="Stainless mug").invoiced_quantity == 100

    corrected = run("invoices", HEADER + GOOD.replace(",100,1250.00,", ",90,1125.00,"), by=desk, commit=True)
    assert str(corrected.refusals[0]) == (
        "row 2, Invoice #: INV-000310 is issued: an import never changes an issued invoice (the file changes "
        "Quantity of SO-7702 line 1: 100 → 90); correct it with a credit note on its page"
    )
    assert corrected.refused_rows == 2 and len(corrected.unchanged) == 1
    assert Invoice.objects.get(number="INV-000310").total == Decimal("1418.13")
    assert "no drift" in books()


def test_an_invoice_with_a_refused_row_is_left_out_whole(desk):
    outcome = run("invoices", HEADER + GOOD.replace(",1,65.00,", ",2,130.00,"), by=desk)
    assert [str(refusal) for refusal in outcome.refusals] == [
        "row 2, Invoice #: another row of INV-000310 is refused, and an invoice is imported whole: correct that row",
        "row 3, Qty: 2 is more than the 1 of SO-7702 line 2 left to invoice (1 ordered, 0 invoiced, 0 cancelled)",
    ]
    assert len(outcome.created) == 1


def test_payments_so_far_leave_the_balance_that_ar_aging_shows(desk):
    run("invoices", HEADER + GOOD, by=desk, commit=True)
    preview = run("payments", PAYMENTS_HEADER + PAYMENTS + BAD_PAYMENTS, by=desk)
    assert [str(refusal) for refusal in preview.refusals] == [
        "row 4, Amount: 500.00 is more than the balance due on INV-000310, 418.13",
        "row 5, Invoice No.: INV-000999 is no issued invoice of the desk: import it with Import invoices first",
        "row 6, Date: 2026-09-01 is before INV-000310 was issued on 2026-10-01",
        "row 7, Amount: -3 is not an amount of money of at least 0 (such as 12.50)",
    ]

    outcome = run("payments", PAYMENTS_HEADER + PAYMENTS + BAD_PAYMENTS, by=desk, commit=True)

    assert len(outcome.created) == 2
    invoice = Invoice.objects.get(number="INV-000310")
    assert (invoice.paid_amount, invoice.balance_due, invoice.status) == (
        Decimal("1000.00"),
        Decimal("418.13"),
        Invoice.Status.SENT_TO_CLIENT,
    )
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.date, payment.method, payment.reference, payment.recorded_by) == (
        date(2026, 11, 5),
        "check",
        "4471",
        desk,
    )
    assert Invoice.objects.get(number="INV-000311").status == Invoice.Status.PAID
    assert Payment.objects.get(invoice__number="INV-000311").method == "card"
    # AR aging: the imported invoice's remaining balance, 30 days past its due date.
    report = ar_aging(as_of=date(2026, 11, 30))
    assert [(row.client_name, row.total, row.amounts["days_1_30"]) for row in report.rows] == [
        ("Harbor Fair", Decimal("418.13"), Decimal("418.13"))
    ]
    assert "no drift" in books()

    again = run("payments", PAYMENTS_HEADER + PAYMENTS, by=desk, commit=True)
    assert (len(again.created), len(again.unchanged)) == (0, 2)
    assert Payment.objects.count() == 2


def test_the_command_imports_invoices_and_payments(desk, tmp_path):
    invoices, payments = tmp_path / "invoices.csv", tmp_path / "payments.csv"
    invoices.write_text(HEADER + GOOD)
    payments.write_text(PAYMENTS_HEADER + PAYMENTS)
    out = StringIO()
    call_command("import_data", "invoices", str(invoices), "--commit", stdout=out)
    call_command("import_data", "payments", str(payments), "--commit", stdout=out)
    assert "  created: 3\n" in out.getvalue() and "  created: 2\n" in out.getvalue()
    # A script's import is nobody's: the invoices are issued by the project's invoicing rep.
    assert Invoice.objects.get(number="INV-000310").issued_by.username == "sam"

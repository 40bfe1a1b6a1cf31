"""The balance due kept by the database (`owed_amount`), and AR aging reading only the invoices still owed."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from invoicing.aging import ar_aging
from invoicing.credit_notes import credit_note_create
from invoicing.models import Invoice
from invoicing.payments import payment_record
from tests.conftest import need_service
from tests.factories import ClientFactory
from tests.invoicing.test_aging import AS_OF, bill, bucket_of  # noqa: F401  (bill is a fixture)

pytestmark = pytest.mark.django_db


def kept(invoice: Invoice) -> Decimal:
    return Invoice.objects.values_list("owed_amount", flat=True).get(pk=invoice.pk)


def test_the_kept_balance_follows_every_payment_and_credit_note(bill, invoicing_rep, manager):  # noqa: F811
    acme = ClientFactory(name="Acme")
    paid, credited = bill(acme, "300.00", 10), bill(acme, "40.00", 10)
    assert (kept(paid), kept(credited)) == (Decimal("300.00"), Decimal("40.00"))

    payment_record(invoice=paid, date=AS_OF, amount=Decimal("120.00"), method="ach", by=invoicing_rep)
    paid.refresh_from_db()
    assert kept(paid) == paid.balance_due == Decimal("180.00")
    payment_record(invoice=paid, date=AS_OF, amount=Decimal("180.00"), method="ach", by=invoicing_rep)
    paid.refresh_from_db()
    assert kept(paid) == paid.balance_due == Decimal("0.00")

    credit_note_create(invoice=credited, whole=True, reason="Returned", by=manager)
    credited.refresh_from_db()
    assert kept(credited) == credited.balance_due == Decimal("0.00")


def test_an_invoice_credited_after_the_day_was_owed_on_it(bill, manager):  # noqa: F811
    today = timezone.localdate()
    acme = ClientFactory(name="Acme")
    invoice = bill(acme, "75.00", 0, on=today - timedelta(days=3))

    credit_note_create(invoice=invoice, whole=True, reason="Returned", by=manager, credit_date=today)

    assert kept(invoice) == Decimal("0.00")
    assert sum(bucket_of(ar_aging(as_of=today - timedelta(days=1)), acme).values()) == Decimal("75.00")
    assert not ar_aging(as_of=today).rows


def aging_statement() -> str:
    """The AR aging's statement over the invoices (the last one it runs)."""
    with CaptureQueriesContext(connection) as captured:
        ar_aging(as_of=AS_OF)
    return captured.captured_queries[-1]["sql"]


def test_on_postgresql_the_aging_reads_invoices_through_the_owed_invoices_index(bill, invoicing_rep):  # noqa: F811
    need_service(connection.vendor == "postgresql", "the owed invoices' plan is PostgreSQL's: set DATABASE_URL")
    acme = ClientFactory(name="Acme")
    for days in (10, 40, 70):
        bill(acme, "50.00", days)
    paid = bill(acme, "20.00", 5)
    payment_record(invoice=paid, date=AS_OF, amount=Decimal("20.00"), method="ach", by=invoicing_rep)

    sql = aging_statement()
    with connection.cursor() as cursor:
        # A handful of rows would as well be read whole; the question is whether the index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")

    assert "invoice_owed_date_idx" in plan, plan
    assert not re.search(r"Seq Scan on invoicing_invoice\b", plan), plan
    assert sum(row.total for row in ar_aging(as_of=AS_OF).rows) == Decimal("150.00")

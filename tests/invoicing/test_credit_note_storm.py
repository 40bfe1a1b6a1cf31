"""Managers crediting and invoicing reps re-invoicing the same order at once, on real PostgreSQL.

Whatever the interleaving: invoiced - credited never passes ordered - cancelled, every counter equals
the rows it sums, credit note numbers are gapless and distinct, and no request dies of a deadlock or
a database error; each one is issued or refused with a message.
"""

import random
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Sum

from core.errors import TransitionNotAllowed, ValidationFailed
from invoicing.credit_notes import credit_note_create
from invoicing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine
from invoicing.services.issue import LineRequest, invoice_create
from projects.models import SalesOrder, SalesOrderItem
from reports.books import items_drifted
from tests.conftest import need_service
from tests.core.test_concurrency import run_at_once
from tests.factories import SalesOrderFactory, SalesOrderItemFactory, UserFactory

THREADS = 12
ROUNDS = 5


@pytest.fixture
def on_postgres(transactional_db):
    need_service(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def invoiced_order(on_postgres, invoicing_rep):
    """SO-8001 invoiced in full on three invoices: 90 caps at 3.33 and 45 bags at 7.10, 8.25% tax."""
    order = SalesOrderFactory(number="SO-8001", status=SalesOrder.Status.READY_TO_BE_INVOICED)
    caps = SalesOrderItemFactory(sales_order=order, description="Cap", quantity=90, unit_price=Decimal("3.33"))
    bags = SalesOrderItemFactory(sales_order=order, description="Bag", quantity=45, unit_price=Decimal("7.10"))
    for _ in range(3):
        invoice_create(sales_order=order, lines=[LineRequest(caps, 30), LineRequest(bags, 15)], by=invoicing_rep)
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.INVOICED
    return order


def test_a_storm_of_credits_and_new_invoices_keeps_the_books(invoiced_order, invoicing_rep):
    managers = [UserFactory(username=f"storm.manager{i}", roles=["Managers"]) for i in range(THREADS // 2)]
    order_pk = invoiced_order.pk

    def work(index: int) -> list[str]:
        draw = random.Random(index)  # noqa: S311 - a reproducible interleaving of requests, not a secret
        outcomes = []
        for _ in range(ROUNDS):
            try:
                if index % 2 == 0:
                    # A manager credits a few units of some line of some issued invoice.
                    line = draw.choice(list(InvoiceLine.objects.filter(invoice__sales_order_id=order_pk)))
                    credit_note_create(
                        invoice=Invoice(pk=line.invoice_id, sales_order_id=order_pk),
                        lines=[(line.pk, draw.randint(1, 8))],
                        reason="Storm credit",
                        by=managers[index // 2],
                    )
                    outcomes.append("credited")
                else:
                    # An invoicing rep invoices whatever the credits returned.
                    invoice_create(sales_order=SalesOrder(pk=order_pk), by=invoicing_rep)
                    outcomes.append("invoiced")
            except (ValidationFailed, TransitionNotAllowed) as refusal:
                outcomes.append(f"refused: {refusal}")
        return outcomes

    results = run_at_once(work, THREADS)

    # Every request was issued or refused with a message: no deadlock, no database error.
    assert all(isinstance(result, list) for result in results), results
    outcomes = [outcome for result in results for outcome in result]
    assert len(outcomes) == THREADS * ROUNDS
    assert outcomes.count("credited") >= 5, outcomes
    assert outcomes.count("invoiced") >= 1, outcomes
    assert outcomes.count("credited") == CreditNote.objects.count()
    assert outcomes.count("invoiced") == Invoice.objects.count() - 3

    # invoiced - credited never passes ordered - cancelled, and each counter is the sum of its rows.
    for item in SalesOrderItem.objects.filter(sales_order_id=order_pk):
        invoiced = InvoiceLine.objects.filter(sales_order_item=item).exclude(invoice__status=Invoice.Status.VOID)
        credited = CreditNoteLine.objects.filter(invoice_line__sales_order_item=item)
        net = (invoiced.aggregate(q=Sum("quantity"))["q"] or 0) - (credited.aggregate(q=Sum("quantity"))["q"] or 0)
        assert 0 <= item.invoiced_quantity == net <= item.quantity - item.cancelled_quantity
    assert not items_drifted().exists()
    for line in InvoiceLine.objects.filter(invoice__sales_order_id=order_pk):
        credited = line.credit_lines.aggregate(q=Sum("quantity"))["q"] or 0
        assert 0 <= line.credited_quantity == credited <= line.quantity
    for invoice in Invoice.objects.filter(sales_order_id=order_pk):
        credited = invoice.credit_notes.aggregate(total=Sum("total"))["total"] or Decimal("0.00")
        assert invoice.credited_amount == credited <= invoice.total
        lines = CreditNoteLine.objects.filter(credit_note__invoice=invoice)
        assert lines.aggregate(total=Sum(F("amount") + F("tax")))["total"] or Decimal("0.00") == credited

    # Credit note and invoice numbers are distinct and gapless.
    sequence = sorted(CreditNote.objects.values_list("sequence_number", flat=True))
    assert sequence == list(range(1, len(sequence) + 1))
    assert sorted(CreditNote.objects.values_list("number", flat=True)) == [f"CN-{n:06d}" for n in sequence]
    invoices = sorted(Invoice.objects.values_list("sequence_number", flat=True))
    assert invoices == list(range(1, len(invoices) + 1))


def test_the_database_refuses_a_counter_written_past_the_rows(invoiced_order):
    # The CHECK constraints hold even for a write that skips every service check.
    item = invoiced_order.items.first()
    line = InvoiceLine.objects.filter(sales_order_item=item).first()
    invoice = line.invoice
    with pytest.raises(IntegrityError, match="so_item_invoiced_within_ordered"), transaction.atomic():
        SalesOrderItem.objects.filter(pk=item.pk).update(invoiced_quantity=F("quantity") - F("cancelled_quantity") + 1)
    with pytest.raises(IntegrityError, match="invoiced_quantity"), transaction.atomic():
        SalesOrderItem.objects.filter(pk=item.pk).update(invoiced_quantity=-1)
    with pytest.raises(IntegrityError, match="invoice_line_credited_within_quantity"), transaction.atomic():
        InvoiceLine.objects.filter(pk=line.pk).update(credited_quantity=F("quantity") + 1)
    with pytest.raises(IntegrityError, match="invoice_paid_and_credited_within_total"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(credited_amount=F("total") + Decimal("0.01"))
    with pytest.raises(IntegrityError, match="invoice_paid_and_credited_within_total"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(credited_amount=Decimal("1.00"), paid_amount=F("total"))
    item.refresh_from_db()
    assert item.invoiced_quantity == item.quantity

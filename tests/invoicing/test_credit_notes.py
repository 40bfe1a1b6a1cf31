"""Credit notes: a manager credits an issued invoice in whole or by line, and the quantities go back to invoice."""

from datetime import date, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from invoicing.credit_notes import CreditLineRequest, credit_note_create
from invoicing.models import CreditNote, Invoice, InvoiceNumberSequence
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.marks import invoice_status_change
from invoicing.services.void import invoice_void
from notifications.models import Notification
from projects.models import Activity, SalesOrder
from tests.factories import SalesOrderFactory, SalesOrderItemFactory

pytestmark = pytest.mark.django_db


def lines_of(invoice: Invoice) -> tuple:
    """The invoice's (mugs line, setup line)."""
    mugs, setup = invoice.lines.order_by("id")
    return mugs, setup


def nothing_credited(invoice: Invoice) -> None:
    invoice.refresh_from_db()
    assert CreditNote.objects.count() == 0
    assert invoice.credited_amount == Decimal("0.00")
    assert all(line.credited_quantity == 0 for line in invoice.lines.all())
    assert not InvoiceNumberSequence.objects.filter(name="CN", last_value__gt=0).exists()


# --- whole and partial credits --------------------------------------------------------------------


def test_a_whole_credit_equals_the_invoice_to_the_cent_and_returns_everything(
    partial_invoice, backordered_mug_order, manager, invoicing_rep
):
    # given INV-000001 for 300 mugs and the setup charge, the order waiting in production for 200 mugs
    mug = backordered_mug_order.refresh()
    assert mug.order.status == SalesOrder.Status.IN_PRODUCTION
    assert (mug.mugs.remaining_quantity, mug.setup.remaining_quantity) == (200, 0)

    # when a manager credits the whole invoice
    note = credit_note_create(invoice=partial_invoice, whole=True, reason="Wrong artwork printed", by=manager)

    # then the credit note is CN-000001 for exactly the invoice's figures
    assert (note.number, note.sequence_number) == ("CN-000001", 1)
    assert (note.subtotal, note.tax, note.total) == (Decimal("1340.00"), Decimal("110.55"), Decimal("1450.55"))
    assert note.total == partial_invoice.total
    assert [(line.description, line.quantity, line.amount, line.tax) for line in note.lines.all()] == [
        ("11 oz mug, 2-colour print", 300, Decimal("1275.00"), Decimal("105.19")),
        ("Setup charge", 1, Decimal("65.00"), Decimal("5.36")),
    ]
    partial_invoice.refresh_from_db()
    assert partial_invoice.credited_amount == Decimal("1450.55")
    assert partial_invoice.balance_due == Decimal("0.00")
    assert [line.credited_quantity for line in partial_invoice.lines.order_by("id")] == [300, 1]
    # and everything is remaining to invoice again: the order is Ready to be Invoiced, the rep told
    mug.refresh()
    assert (mug.mugs.invoiced_quantity, mug.setup.invoiced_quantity) == (0, 0)
    assert (mug.mugs.remaining_quantity, mug.setup.remaining_quantity) == (500, 1)
    assert mug.order.status == SalesOrder.Status.READY_TO_BE_INVOICED
    told = Notification.objects.filter(recipient=invoicing_rep, kind=Notification.Kind.READY_TO_INVOICE)
    assert list(told.values_list("message", flat=True)) == [
        "SO-1001 on P-1001 Spring fair mugs is Ready to be Invoiced."
    ]
    activity = Activity.objects.get(verb="issued credit note")
    assert (activity.subject_label, activity.to_value, activity.actor) == ("CN-000001", "1450.55", manager)
    assert activity.detail == "On INV-000001: 2 line(s). Wrong artwork printed"


def test_a_partial_credit_returns_its_quantity_and_a_new_invoice_takes_it(
    partial_invoice, backordered_mug_order, manager, invoicing_rep
):
    mugs_line, _ = lines_of(partial_invoice)

    note = credit_note_create(
        invoice=partial_invoice, lines=[(mugs_line.pk, 100)], reason="100 mugs chipped in transit", by=manager
    )

    # 100 × 4.25 = 425.00, tax 8.25% = 35.0625 → 35.06
    assert (note.subtotal, note.tax, note.total) == (Decimal("425.00"), Decimal("35.06"), Decimal("460.06"))
    partial_invoice.refresh_from_db()
    assert partial_invoice.credited_amount == Decimal("460.06")
    assert partial_invoice.balance_due == Decimal("990.49")
    mug = backordered_mug_order.refresh()
    assert mug.mugs.invoiced_quantity == 200
    assert mug.mugs.remaining_quantity == 300  # 200 backordered + the 100 credited
    assert mug.order.status == SalesOrder.Status.READY_TO_BE_INVOICED

    # the returned 100 can be invoiced again; the backordered 200 are still not ready
    again = invoice_create(sales_order=mug.order, by=invoicing_rep)
    assert [(line.sales_order_item_id, line.quantity) for line in again.lines.all()] == [(mug.mugs.pk, 100)]
    assert again.number == "INV-000002"
    mug.refresh()
    assert (mug.mugs.invoiced_quantity, mug.mugs.remaining_quantity) == (300, 200)
    assert mug.order.status == SalesOrder.Status.IN_PRODUCTION
    assert call_books() == "Checked 2 items: no drift.\n"


def test_credits_follow_one_another_with_gapless_numbers_until_nothing_is_left(partial_invoice, manager):
    mugs_line, setup_line = lines_of(partial_invoice)
    first = credit_note_create(
        invoice=partial_invoice, lines=[CreditLineRequest(mugs_line, 120)], reason="Chipped", by=manager
    )
    second = credit_note_create(
        invoice=partial_invoice, lines=[(mugs_line.pk, 30), (setup_line.pk, 1)], reason="Setup waived", by=manager
    )
    rest = credit_note_create(invoice=partial_invoice, whole=True, reason="Order cancelled", by=manager)

    assert [first.number, second.number, rest.number] == ["CN-000001", "CN-000002", "CN-000003"]
    assert [(line.description, line.quantity) for line in rest.lines.all()] == [("11 oz mug, 2-colour print", 150)]
    assert first.total + second.total + rest.total == partial_invoice.total
    partial_invoice.refresh_from_db()
    assert partial_invoice.credited_amount == partial_invoice.total
    # Nothing is left to credit: the invoice's state refuses any credit, whole or by line (a 409, not a 400).
    with pytest.raises(TransitionNotAllowed, match=r"^Invoice INV-000001 is already credited in full\.$"):
        credit_note_create(invoice=partial_invoice, whole=True, reason="Again", by=manager)
    with pytest.raises(TransitionNotAllowed, match=r"^Invoice INV-000001 is already credited in full\.$"):
        credit_note_create(invoice=partial_invoice, lines=[(setup_line.pk, 1)], reason="Again", by=manager)


def test_a_line_credited_in_full_is_refused_naming_it_while_others_are_left(partial_invoice, manager):
    mugs_line, setup_line = lines_of(partial_invoice)
    credit_note_create(invoice=partial_invoice, lines=[(setup_line.pk, 1)], reason="Setup waived", by=manager)
    with pytest.raises(ValidationFailed) as refused:
        credit_note_create(invoice=partial_invoice, lines=[(setup_line.pk, 1)], reason="Again", by=manager)
    assert refused.value.errors == {"lines[0].quantity": ["All of Setup charge is already credited."]}


def test_a_line_credited_unit_by_unit_adds_up_to_the_line_to_the_cent(invoicing_rep, manager):
    # 2 pens at 1.00 with 8.25% tax: the line's tax is 0.165 → 0.17, one pen's is 0.0825 → 0.08
    order = SalesOrderFactory(status=SalesOrder.Status.READY_TO_BE_INVOICED)
    pens = SalesOrderItemFactory(sales_order=order, description="Pen", quantity=2, unit_price=Decimal("1.00"))
    invoice = invoice_create(sales_order=order, lines=[LineRequest(pens, 2)], by=invoicing_rep)
    (line,) = invoice.lines.all()
    assert (line.amount, line.tax) == (Decimal("2.00"), Decimal("0.17"))

    first = credit_note_create(invoice=invoice, lines=[(line.pk, 1)], reason="One broken", by=manager)
    second = credit_note_create(invoice=invoice, lines=[(line.pk, 1)], reason="The other too", by=manager)

    # the first is priced like an invoice line of 1; the last takes what is left of the line
    assert (first.subtotal, first.tax, first.total) == (Decimal("1.00"), Decimal("0.08"), Decimal("1.08"))
    assert (second.subtotal, second.tax, second.total) == (Decimal("1.00"), Decimal("0.09"), Decimal("1.09"))
    invoice.refresh_from_db()
    assert invoice.credited_amount == invoice.total == Decimal("2.17")


def test_an_exported_invoice_can_be_credited(partial_invoice, invoicing_rep, manager):
    invoice_status_change(invoice=partial_invoice, status=Invoice.Status.EXPORTED, by=invoicing_rep)
    note = credit_note_create(invoice=partial_invoice, whole=True, reason="Cancelled by the client", by=manager)
    assert note.total == Decimal("1450.55")


def test_a_closed_order_stays_closed_after_a_credit(partial_invoice, backordered_mug_order, manager):
    SalesOrder.objects.filter(pk=backordered_mug_order.order.pk).update(status=SalesOrder.Status.CLOSED)
    credit_note_create(invoice=partial_invoice, whole=True, reason="Written off", by=manager)
    assert backordered_mug_order.refresh().order.status == SalesOrder.Status.CLOSED


# --- refusals: nothing changes, no number is taken ------------------------------------------------


def call_books() -> str:
    out = StringIO()
    call_command("check_books", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Quantity of 11 oz mug, 2-colour print to credit must be from 1 to 300 (not yet credited)."),
        (-5, "Quantity of 11 oz mug, 2-colour print to credit must be from 1 to 300 (not yet credited)."),
        (301, "Quantity of 11 oz mug, 2-colour print to credit must be from 1 to 300 (not yet credited)."),
        (2.5, "Quantity must be a whole number."),
        ("10", "Quantity must be a whole number."),
        (True, "Quantity must be a whole number."),
        (None, "Quantity must be a whole number."),
    ],
    ids=["zero", "negative", "too-large", "fraction", "text", "bool", "none"],
)
def test_a_bad_quantity_is_refused_naming_the_line(partial_invoice, manager, quantity, message):
    mugs_line, _ = lines_of(partial_invoice)
    with pytest.raises(ValidationFailed) as refused:
        credit_note_create(invoice=partial_invoice, lines=[(mugs_line.pk, quantity)], reason="Chipped", by=manager)
    assert refused.value.errors == {"lines[0].quantity": [message]}
    nothing_credited(partial_invoice)


def test_a_line_of_another_invoice_or_none_at_all_is_refused(partial_invoice, ready_order, issue, manager):
    other = issue(ready_order, (ready_order.items.first(), 10))
    other_line = other.lines.get()
    mugs_line, _ = lines_of(partial_invoice)
    for line_id in (other_line.pk, 999_999, "abc", None):
        with pytest.raises(ValidationFailed) as refused:
            credit_note_create(
                invoice=partial_invoice, lines=[(mugs_line.pk, 1), (line_id, 1)], reason="Chipped", by=manager
            )
        assert refused.value.errors == {"lines[1].invoice_line": [f"Line {line_id} is not on invoice INV-000001."]}
    nothing_credited(partial_invoice)


def test_the_same_line_twice_is_refused(partial_invoice, manager):
    mugs_line, _ = lines_of(partial_invoice)
    with pytest.raises(ValidationFailed) as refused:
        credit_note_create(
            invoice=partial_invoice, lines=[(mugs_line.pk, 1), (mugs_line.pk, 2)], reason="Chipped", by=manager
        )
    assert refused.value.errors == {
        "lines[1].invoice_line": ["11 oz mug, 2-colour print appears on two lines; use one."]
    }
    nothing_credited(partial_invoice)


def test_lines_or_whole_and_a_reason_are_required(partial_invoice, manager):
    mugs_line, _ = lines_of(partial_invoice)
    cases = [
        (
            dict(lines=[], reason="Chipped"),
            {"lines": ["Choose at least one line to credit, or credit the whole invoice."]},
        ),
        (
            dict(lines=[(mugs_line.pk, 1)], whole=True, reason="Chipped"),
            {"whole": ["Credit the whole invoice or choose lines, not both."]},
        ),
        (dict(whole=True, reason="   "), {"reason": ["Say why the invoice is credited."]}),
        (dict(whole=True, reason="x" * 501), {"reason": ["The reason may hold at most 500 characters."]}),
        (
            dict(lines=[(mugs_line.pk,)], reason="Chipped"),
            {"lines[0]": ["Give each line as an invoice line and a quantity."]},
        ),
    ]
    for kwargs, errors in cases:
        with pytest.raises(ValidationFailed) as refused:
            credit_note_create(invoice=partial_invoice, by=manager, **kwargs)
        assert refused.value.errors == errors
    nothing_credited(partial_invoice)


def shown(day: date) -> str:
    return f"{day:%b} {day.day}, {day.year:04d}"


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1900, 1, 1), "the day before"])
def test_a_credit_dated_before_the_invoice_is_refused_naming_the_invoices_date(partial_invoice, manager, day):
    # given INV-000001 issued ten days ago
    issued = timezone.localdate() - timedelta(days=10)
    Invoice.objects.filter(pk=partial_invoice.pk).update(date=issued)
    day = issued - timedelta(days=1) if day == "the day before" else day

    with pytest.raises(ValidationFailed) as refused:
        credit_note_create(invoice=partial_invoice, whole=True, reason="Chipped", credit_date=day, by=manager)

    assert refused.value.errors == {
        "date": [f"The credit note's date, {shown(day)}, is before invoice INV-000001 was issued on {shown(issued)}."]
    }
    nothing_credited(partial_invoice)


def test_a_credit_dated_tomorrow_is_refused_and_one_on_the_invoices_day_is_issued(partial_invoice, manager):
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)

    with pytest.raises(ValidationFailed) as refused:
        credit_note_create(invoice=partial_invoice, whole=True, reason="Chipped", credit_date=tomorrow, by=manager)

    assert refused.value.errors == {
        "date": [f"The credit note's date, {shown(tomorrow)}, is in the future; today is {shown(today)}."]
    }
    nothing_credited(partial_invoice)
    note = credit_note_create(invoice=partial_invoice, whole=True, reason="Chipped", credit_date=today, by=manager)
    assert note.date == partial_invoice.date == today


@pytest.mark.parametrize("who", ["invoicing_rep", "sales_rep", "production_rep"])
def test_only_managers_may_credit(partial_invoice, request, who):
    with pytest.raises(RoleRequired, match="Only Managers may credit invoices."):
        credit_note_create(invoice=partial_invoice, whole=True, reason="Chipped", by=request.getfixturevalue(who))
    nothing_credited(partial_invoice)


def test_a_draft_or_void_invoice_cannot_be_credited(partial_invoice, ready_order, invoicing_rep, manager):
    draft = invoice_create(sales_order=ready_order, by=invoicing_rep, draft=True)
    with pytest.raises(TransitionNotAllowed) as refused:
        credit_note_create(invoice=draft, whole=True, reason="Chipped", by=manager)
    assert str(refused.value) == ("This invoice is Draft; only an issued invoice that is not void can be credited.")
    invoice_void(invoice=partial_invoice, reason="Issued twice", by=manager)
    with pytest.raises(TransitionNotAllowed) as refused:
        credit_note_create(invoice=partial_invoice, whole=True, reason="Chipped", by=manager)
    assert str(refused.value) == (
        "Invoice INV-000001 is Void; only an issued invoice that is not void can be credited."
    )
    assert CreditNote.objects.count() == 0


def test_an_invoice_with_a_credit_note_can_no_longer_be_voided(partial_invoice, backordered_mug_order, manager):
    mugs_line, _ = lines_of(partial_invoice)
    credit_note_create(invoice=partial_invoice, lines=[(mugs_line.pk, 10)], reason="Chipped", by=manager)
    partial_invoice.refresh_from_db()
    assert not partial_invoice.can_void

    with pytest.raises(TransitionNotAllowed) as refused:
        invoice_void(invoice=partial_invoice, reason="Issued twice", by=manager)

    assert str(refused.value) == (
        "Invoice INV-000001 has credit notes (CN-000001); it can no longer be voided. "
        "Credit what is left of it instead."
    )
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == Invoice.Status.OPEN
    assert backordered_mug_order.refresh().mugs.invoiced_quantity == 290


def test_what_the_client_paid_cannot_be_credited(partial_invoice, manager):
    # Payments are recorded by their own service; here the counter it keeps is set directly.
    Invoice.objects.filter(pk=partial_invoice.pk).update(paid_amount=Decimal("1000.00"))
    mugs_line, setup_line = lines_of(partial_invoice)

    with pytest.raises(ValidationFailed) as refused:
        credit_note_create(invoice=partial_invoice, whole=True, reason="Cancelled", by=manager)
    assert refused.value.errors == {
        "whole": [
            "This credit of 1,450.55 is more than the 450.55 left to credit on invoice INV-000001: "
            "the client has paid 1,000.00 of it. Credit less, or refund the client outside the desk."
        ]
    }
    with pytest.raises(ValidationFailed) as refused:
        credit_note_create(invoice=partial_invoice, lines=[(mugs_line.pk, 100)], reason="Chipped", by=manager)
    assert list(refused.value.errors) == ["lines"]
    assert "This credit of 460.06 is more than the 450.55 left to credit" in refused.value.errors["lines"][0]
    nothing_credited(partial_invoice)

    # what is unpaid can still be credited, up to the cent
    note = credit_note_create(invoice=partial_invoice, lines=[(setup_line.pk, 1)], reason="Waived", by=manager)
    assert note.number == "CN-000001"  # the refusals took no number
    partial_invoice.refresh_from_db()
    assert partial_invoice.balance_due == Decimal("450.55") - Decimal("70.36")


def test_the_database_refuses_a_credited_quantity_above_the_line(partial_invoice):
    from django.db import IntegrityError, transaction

    from invoicing.models import InvoiceLine

    mugs_line, _ = lines_of(partial_invoice)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceLine.objects.filter(pk=mugs_line.pk).update(credited_quantity=301)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=partial_invoice.pk).update(credited_amount=Decimal("1450.56"))

"""Payments: partial payments, the invoice becoming Paid, refusals that change nothing, Mark paid, taking back."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from invoicing.models import Invoice, Payment
from invoicing.payments import payment_record, payment_undo
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.marks import invoice_mark_undo, invoice_status_change
from invoicing.services.sending import invoice_send
from invoicing.services.void import invoice_void
from projects.models import Activity
from tests.conftest import need_service
from tests.core.test_concurrency import run_at_once

pytestmark = pytest.mark.django_db

PAID = Invoice.Status.PAID


def pay(invoice, amount, *, by, method="check", reference="", on=None):
    return payment_record(
        invoice=invoice,
        date=on or timezone.localdate(),
        amount=Decimal(amount),
        method=method,
        reference=reference,
        by=by,
    )


def books(invoice) -> tuple:
    """What a refusal must leave as it was: the invoice's counters and status, its payments, the log."""
    invoice = Invoice.objects.get(pk=invoice.pk)
    payments = list(Payment.objects.filter(invoice=invoice).values_list("amount", flat=True))
    return invoice.paid_amount, invoice.status, invoice.paid_at, invoice.updated_at, payments, Activity.objects.count()


# Recording -----------------------------------------------------------------------------------------


def test_partial_payments_lower_the_balance_and_leave_the_invoice_open(partial_invoice, invoicing_rep):
    # given INV-000001 for 1,450.55
    assert partial_invoice.total == Decimal("1450.55")
    before = Invoice.objects.get(pk=partial_invoice.pk).updated_at

    # when the client pays 400.00 by check, then 50.55 by ACH
    first = pay(partial_invoice, "400.00", by=invoicing_rep, reference="Check 1042")
    pay(partial_invoice, "50.55", by=invoicing_rep, method="ach")

    # then 1,000.00 is still due and the invoice stays open
    invoice = Invoice.objects.get(pk=partial_invoice.pk)
    assert (invoice.paid_amount, invoice.balance_due) == (Decimal("450.55"), Decimal("1000.00"))
    assert invoice.status == Invoice.Status.OPEN and invoice.paid_at is None
    assert invoice.updated_at > before
    assert (first.amount, first.method, first.reference, first.recorded_by) == (
        Decimal("400.00"),
        "check",
        "Check 1042",
        invoicing_rep,
    )
    logged = Activity.objects.filter(verb="recorded a payment on").order_by("id")
    assert [(row.actor, row.to_value) for row in logged] == [(invoicing_rep, "400.00"), (invoicing_rep, "50.55")]
    assert logged[0].detail.endswith("Check 1042; balance due 1050.55")


def test_the_payment_that_leaves_nothing_due_makes_the_invoice_paid(partial_invoice, invoicing_rep):
    invoice_send(invoice=partial_invoice, by=invoicing_rep)
    pay(partial_invoice, "1000.00", by=invoicing_rep)

    pay(partial_invoice, "450.55", by=invoicing_rep, method="wire")

    invoice = Invoice.objects.get(pk=partial_invoice.pk)
    assert invoice.status == PAID and invoice.balance_due == Decimal("0.00")
    assert invoice.paid_at is not None
    assert partial_invoice.status == PAID  # the caller's copy follows
    marked = Activity.objects.get(verb="marked")
    assert (marked.actor, marked.from_value, marked.to_value, marked.detail) == (
        invoicing_rep,
        "Sent to Client",
        "Paid",
        "Paid in full",
    )


def test_an_exported_invoice_takes_payments_too(partial_invoice, invoicing_rep):
    invoice_status_change(invoice=partial_invoice, status=Invoice.Status.EXPORTED, by=invoicing_rep)

    pay(partial_invoice, "1450.55", by=invoicing_rep)

    assert Invoice.objects.get(pk=partial_invoice.pk).status == PAID


def test_a_payment_dated_in_the_past_is_kept_with_its_date(partial_invoice, invoicing_rep):
    last_month = timezone.localdate() - timedelta(days=31)
    Invoice.objects.filter(pk=partial_invoice.pk).update(date=last_month - timedelta(days=5))

    payment = pay(partial_invoice, "10.00", by=invoicing_rep, on=last_month)

    assert Payment.objects.get(pk=payment.pk).date == last_month


def test_a_payment_on_the_invoices_own_date_is_recorded(partial_invoice, invoicing_rep):
    issued = timezone.localdate() - timedelta(days=10)
    Invoice.objects.filter(pk=partial_invoice.pk).update(date=issued)

    assert pay(partial_invoice, "10.00", by=invoicing_rep, on=issued).date == issued


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1900, 1, 1), "the day before"])
def test_a_payment_dated_before_the_invoice_is_refused_naming_the_invoices_date(partial_invoice, invoicing_rep, day):
    # given INV-000001 issued ten days ago
    issued = timezone.localdate() - timedelta(days=10)
    Invoice.objects.filter(pk=partial_invoice.pk).update(date=issued)
    day = issued - timedelta(days=1) if day == "the day before" else day
    before = books(partial_invoice)

    # when a payment dated before that day is recorded
    with pytest.raises(ValidationFailed) as refused:
        pay(partial_invoice, "10.00", by=invoicing_rep, on=day)

    # then it is refused naming both days, and nothing changes
    assert refused.value.errors == {
        "date": [
            f"The payment date, {day:%b} {day.day}, {day.year:04d}, is before invoice INV-000001 was issued on "
            f"{issued:%b} {issued.day}, {issued.year}."
        ]
    }
    assert books(partial_invoice) == before


def test_an_overpayment_is_refused_naming_the_balance_due_and_nothing_changes(partial_invoice, invoicing_rep):
    pay(partial_invoice, "1350.55", by=invoicing_rep)
    before = books(partial_invoice)

    with pytest.raises(ValidationFailed) as refused:
        pay(partial_invoice, "120.00", by=invoicing_rep)

    assert refused.value.errors == {"amount": ["120.00 is more than the balance due, 100.00."]}
    assert str(refused.value) == "amount: 120.00 is more than the balance due, 100.00."
    assert books(partial_invoice) == before


def test_the_balance_due_is_written_with_thousands(partial_invoice, invoicing_rep):
    with pytest.raises(ValidationFailed) as refused:
        pay(partial_invoice, "1450.56", by=invoicing_rep)

    assert refused.value.errors == {"amount": ["1,450.56 is more than the balance due, 1,450.55."]}


TODAY = object()  # stands for the day the test runs


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", Decimal("0"), "The amount must be more than 0.00."),
        ("amount", Decimal("-5.00"), "The amount must be more than 0.00."),
        ("amount", Decimal("10.005"), "The amount may have at most 2 decimal places."),
        ("amount", Decimal("NaN"), "Enter the amount as a number, such as 120.00."),
        ("amount", Decimal("Infinity"), "Enter the amount as a number, such as 120.00."),
        ("amount", Decimal("1E+30"), "The amount may be at most 999,999,999,999.99."),
        ("amount", 10.5, "Enter the amount as a number, such as 120.00."),
        ("amount", "10.00", "Enter the amount as a number, such as 120.00."),
        ("amount", True, "Enter the amount as a number, such as 120.00."),
        ("amount", None, "Enter the amount as a number, such as 120.00."),
        ("date", None, "Enter the payment date, such as 2026-03-31."),
        ("date", "2026-01-05", "Enter the payment date, such as 2026-03-31."),
        ("date", datetime(2026, 1, 5, 10, 0), "Enter the payment date, such as 2026-03-31."),
        ("method", "bitcoin", "Choose one of: check, ach, wire, card, cash, other."),
        ("method", "", "Choose one of: check, ach, wire, card, cash, other."),
        ("method", None, "Choose one of: check, ach, wire, card, cash, other."),
        ("reference", "x" * 101, "The reference may hold at most 100 characters."),
        ("reference", 1042, "The reference must be text."),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(
    partial_invoice, invoicing_rep, field, value, message
):
    arguments = {
        "invoice": partial_invoice,
        "date": timezone.localdate(),
        "amount": Decimal("10.00"),
        "method": "check",
        "reference": "",
        "by": invoicing_rep,
        field: value,
    }
    before = books(partial_invoice)

    with pytest.raises(ValidationFailed) as refused:
        payment_record(**arguments)

    assert refused.value.errors == {field: [message]}
    assert books(partial_invoice) == before


def test_a_payment_dated_tomorrow_is_refused_naming_both_days(partial_invoice, invoicing_rep):
    today = timezone.localdate()
    tomorrow = today + timedelta(days=1)

    with pytest.raises(ValidationFailed) as refused:
        pay(partial_invoice, "10.00", by=invoicing_rep, on=tomorrow)

    assert refused.value.errors == {
        "date": [
            f"The payment date, {tomorrow.strftime('%b %-d, %Y')}, is in the future; "
            f"today is {today.strftime('%b %-d, %Y')}."
        ]
    }
    assert not Payment.objects.exists()


def test_a_reference_is_kept_without_surrounding_spaces(partial_invoice, invoicing_rep):
    payment = pay(partial_invoice, "10.00", by=invoicing_rep, reference="  Check 77 ")
    assert payment.reference == "Check 77"


def test_only_invoicing_and_managers_record_payments(partial_invoice, sales_rep, manager):
    with pytest.raises(RoleRequired) as refused:
        pay(partial_invoice, "10.00", by=sales_rep)
    assert str(refused.value) == "Only Invoicing or Managers may record payments."

    pay(partial_invoice, "10.00", by=manager)
    assert Payment.objects.get().recorded_by == manager


def test_a_draft_takes_no_payment(ready_order, invoicing_rep):
    draft = invoice_create(sales_order=ready_order, by=invoicing_rep, draft=True)

    with pytest.raises(TransitionNotAllowed) as refused:
        pay(draft, "10.00", by=invoicing_rep)

    assert str(refused.value) == "This invoice is a Draft; it takes payments once it is issued."
    assert not Payment.objects.exists()


def test_a_void_invoice_takes_no_payment(partial_invoice, invoicing_rep, manager):
    invoice_void(invoice=partial_invoice, reason="Wrong quantities", by=manager)
    before = books(partial_invoice)

    with pytest.raises(TransitionNotAllowed) as refused:
        pay(partial_invoice, "10.00", by=invoicing_rep)

    assert str(refused.value) == "Invoice INV-000001 is Void; it takes no payments."
    assert books(partial_invoice) == before


def test_a_paid_invoice_takes_no_more(partial_invoice, invoicing_rep):
    pay(partial_invoice, "1450.55", by=invoicing_rep)

    with pytest.raises(TransitionNotAllowed) as refused:
        pay(partial_invoice, "0.01", by=invoicing_rep)

    assert str(refused.value) == "Invoice INV-000001 is Paid; nothing is due on it."


def test_an_invoice_with_payments_cannot_be_voided(partial_invoice, invoicing_rep, manager):
    pay(partial_invoice, "100.00", by=invoicing_rep)

    with pytest.raises(TransitionNotAllowed) as refused:
        invoice_void(invoice=partial_invoice, reason="Wrong quantities", by=manager)

    assert str(refused.value) == (
        "Invoice INV-000001 has 100.00 paid against it; an invoice with payments cannot be voided."
    )
    assert Invoice.objects.get(pk=partial_invoice.pk).status == Invoice.Status.OPEN


def test_the_database_refuses_a_paid_amount_above_what_is_due(partial_invoice):
    # The CHECK behind the row lock: even a write around the service cannot overpay.
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=partial_invoice.pk).update(paid_amount=Decimal("1450.56"))


# Mark paid records the payment -------------------------------------------------------------------


def test_mark_paid_records_a_payment_of_the_whole_balance_due(partial_invoice, invoicing_rep):
    pay(partial_invoice, "450.55", by=invoicing_rep)

    invoice_status_change(invoice=partial_invoice, status=PAID, by=invoicing_rep)

    invoice = Invoice.objects.get(pk=partial_invoice.pk)
    assert invoice.status == PAID and invoice.balance_due == Decimal("0.00")
    marked = Payment.objects.order_by("id").last()
    assert (marked.amount, marked.method, marked.reference, marked.date, marked.recorded_by) == (
        Decimal("1000.00"),
        "other",
        "Marked paid",
        timezone.localdate(),
        invoicing_rep,
    )


def test_undoing_the_paid_mark_removes_exactly_the_marks_payment(partial_invoice, invoicing_rep, manager):
    check = pay(partial_invoice, "450.55", by=invoicing_rep, reference="Check 1042")
    invoice_status_change(invoice=partial_invoice, status=PAID, by=invoicing_rep)

    invoice_mark_undo(invoice=partial_invoice, reason="The wire has not arrived", by=manager)

    invoice = Invoice.objects.get(pk=partial_invoice.pk)
    assert invoice.status == Invoice.Status.OPEN and invoice.paid_at is None
    assert list(Payment.objects.all()) == [check]
    assert invoice.paid_amount == Decimal("450.55")


def test_a_payment_recorded_with_the_mark_undone_leaves_the_books_as_before_it(partial_invoice, invoicing_rep, manager):
    invoice_status_change(invoice=partial_invoice, status=PAID, by=invoicing_rep)
    invoice_mark_undo(invoice=partial_invoice, reason="Marked the wrong invoice", by=manager)

    invoice = Invoice.objects.get(pk=partial_invoice.pk)
    assert (invoice.paid_amount, invoice.status, Payment.objects.count()) == (Decimal("0.00"), "open", 0)


def test_an_invoice_marked_paid_before_payments_existed_undoes_its_status_only(partial_invoice, invoicing_rep, manager):
    Invoice.objects.filter(pk=partial_invoice.pk).update(status=PAID, paid_at=timezone.now())

    invoice_mark_undo(invoice=partial_invoice, reason="Not paid after all", by=manager)

    assert Invoice.objects.get(pk=partial_invoice.pk).status == Invoice.Status.OPEN


# Taking a payment back ---------------------------------------------------------------------------


def test_a_manager_takes_back_a_payment_the_same_day_with_a_reason(partial_invoice, invoicing_rep, manager):
    invoice_status_change(invoice=partial_invoice, status=Invoice.Status.EXPORTED, by=invoicing_rep)
    kept = pay(partial_invoice, "450.55", by=invoicing_rep)
    mistake = pay(partial_invoice, "1000.00", by=invoicing_rep, reference="Wire 88")

    payment_undo(payment=mistake, reason="Recorded on the wrong invoice", by=manager)

    invoice = Invoice.objects.get(pk=partial_invoice.pk)
    assert (invoice.status, invoice.paid_amount, invoice.paid_at) == ("exported", Decimal("450.55"), None)
    assert list(Payment.objects.all()) == [kept]
    taken = Activity.objects.get(verb="took back a payment on")
    assert (taken.actor, taken.from_value, taken.to_value) == (manager, "Paid", "Exported")
    assert taken.detail.endswith(
        "1000.00 (Check, Wire 88, dated "
        + timezone.localdate().strftime("%b %-d, %Y")
        + "): Recorded on the wrong invoice"
    )


def test_a_payment_recorded_yesterday_is_not_taken_back(partial_invoice, invoicing_rep, manager):
    payment = pay(partial_invoice, "10.00", by=invoicing_rep)
    yesterday = timezone.now() - timedelta(days=1)
    Payment.objects.filter(pk=payment.pk).update(created_at=yesterday)

    with pytest.raises(TransitionNotAllowed) as refused:
        payment_undo(payment=payment, reason="Bounced", by=manager)

    assert str(refused.value) == (
        f"The payment of 10.00 on invoice INV-000001 was recorded on "
        f"{timezone.localtime(yesterday).strftime('%b %-d, %Y')}; "
        "a payment can be taken back only on the day it was recorded."
    )
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_only_managers_take_back_payments_and_always_with_a_reason(partial_invoice, invoicing_rep, manager):
    payment = pay(partial_invoice, "10.00", by=invoicing_rep)
    before = books(partial_invoice)

    with pytest.raises(RoleRequired) as refused:
        payment_undo(payment=payment, reason="Mine", by=invoicing_rep)
    assert str(refused.value) == "Only Managers may take back a payment."
    for reason, message in [
        ("  ", "Say why the payment is taken back."),
        ("x" * 501, "The reason may hold at most 500 characters."),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            payment_undo(payment=payment, reason=reason, by=manager)
        assert refused.value.errors == {"reason": [message]}
    assert books(partial_invoice) == before


def test_a_payment_taken_back_twice_is_refused_the_second_time(partial_invoice, invoicing_rep, manager):
    payment = pay(partial_invoice, "10.00", by=invoicing_rep)
    payment_undo(payment=payment, reason="Typo", by=manager)

    with pytest.raises(TransitionNotAllowed) as refused:
        payment_undo(payment=payment, reason="Typo", by=manager)

    assert str(refused.value) == "This payment on invoice INV-000001 was already taken back."
    assert Invoice.objects.get(pk=partial_invoice.pk).paid_amount == Decimal("0.00")


# Two people at once, on PostgreSQL ----------------------------------------------------------------


@pytest.fixture
def on_postgres(transactional_db):
    from django.db import connection

    need_service(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")


def test_two_payments_racing_for_the_last_balance_one_wins(on_postgres, ready_order, invoicing_rep, manager):
    caps = ready_order.items.order_by("position").first()
    invoice = invoice_create(sales_order=ready_order, lines=[LineRequest(caps, 10)], by=invoicing_rep)
    pay(invoice, str(invoice.total - Decimal("100.00")), by=invoicing_rep)
    people = [invoicing_rep, manager]

    # both record the last 100.00 at the same moment
    results = run_at_once(lambda index: pay(Invoice(pk=invoice.pk), "100.00", by=people[index]), 2)

    recorded = [result for result in results if isinstance(result, Payment)]
    refused = [result for result in results if not isinstance(result, Payment)]
    assert len(recorded) == 1, results
    assert len(refused) == 1 and isinstance(refused[0], TransitionNotAllowed), refused
    assert str(refused[0]) == f"Invoice {invoice.number} is Paid; nothing is due on it."
    invoice.refresh_from_db()
    assert invoice.status == PAID
    assert (
        invoice.paid_amount
        == invoice.total - invoice.credited_amount
        == sum(Payment.objects.filter(invoice=invoice).values_list("amount", flat=True))
    )


def test_ten_partial_payments_at_once_never_pay_more_than_the_total(on_postgres, ready_order, invoicing_rep):
    caps = ready_order.items.order_by("position").first()
    invoice = invoice_create(sales_order=ready_order, lines=[LineRequest(caps, 10)], by=invoicing_rep)
    share = (invoice.total / 4).quantize(Decimal("0.01"))

    results = run_at_once(lambda _: pay(Invoice(pk=invoice.pk), str(share), by=invoicing_rep), 10)

    recorded = [result for result in results if isinstance(result, Payment)]
    assert all(isinstance(result, Payment | ValidationFailed | TransitionNotAllowed) for result in results), results
    invoice.refresh_from_db()
    assert invoice.paid_amount == share * len(recorded) <= invoice.total
    assert invoice.paid_amount == sum(Payment.objects.filter(invoice=invoice).values_list("amount", flat=True))

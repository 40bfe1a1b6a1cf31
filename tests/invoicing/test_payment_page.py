"""The invoice page's payments: the balance due, Record payment with its errors next to the fields, taking back."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from invoicing.models import Invoice, Payment
from invoicing.payments import payment_record
from invoicing.services.issue import invoice_create
from invoicing.services.marks import invoice_status_change
from invoicing.services.void import invoice_void
from projects.models import Activity

pytestmark = pytest.mark.django_db


def _url(invoice, name="invoice-detail"):
    return reverse(name, args=[invoice.pk])


def _form(**changes) -> dict:
    return {
        "date": timezone.localdate().isoformat(),
        "amount": "450.55",
        "method": "check",
        "reference": "Check 1042",
        **changes,
    }


def test_the_page_shows_the_balance_due_and_a_form_filled_with_it(partial_invoice, ivy_client):
    html = ivy_client.get(_url(partial_invoice)).content.decode()

    assert '<dd data-testid="invoice-balance-due">1,450.55</dd>' in html
    assert 'data-testid="no-payments">No payments recorded yet.' in html
    assert '<h3 id="record-payment-title">Record payment</h3>' in html
    assert '<label for="payment-date">Payment date</label>' in html
    assert f'value="{timezone.localdate().isoformat()}"' in html
    assert 'name="amount" value="1450.55"' in html
    assert '<option value="check" selected>Check</option>' in html
    assert '<label for="payment-reference">Reference</label>' in html
    # the mark's question says it records the balance as a payment
    assert "This records a payment of 1,450.55, the balance due, dated today." in html


def test_a_partial_payment_is_recorded_and_listed(partial_invoice, ivy_client):
    response = ivy_client.post(_url(partial_invoice, "invoice-payment-record"), _form(), follow=True)

    html = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("#payments")
    assert "Recorded 450.55 on INV-000001; 1,000.00 is still due." in html
    assert '<dd data-testid="invoice-balance-due">1,000.00</dd>' in html
    assert "<td>Check 1042</td>" in html
    assert 'name="amount" value="1000.00"' in html  # the next payment proposes what is left
    assert Invoice.objects.get(pk=partial_invoice.pk).status == Invoice.Status.OPEN


def test_paying_the_rest_makes_it_paid_and_the_form_goes(partial_invoice, ivy_client, invoicing_rep):
    payment_record(
        invoice=partial_invoice, date=timezone.localdate(), amount=Decimal("450.55"), method="ach", by=invoicing_rep
    )

    response = ivy_client.post(_url(partial_invoice, "invoice-payment-record"), _form(amount="1000.00"), follow=True)

    html = response.content.decode()
    assert "Recorded 1,000.00 on INV-000001; it is now Paid." in html
    assert 'data-testid="invoice-status">Paid<' in html
    assert '<dd data-testid="invoice-balance-due">0.00</dd>' in html
    assert "Record payment</h3>" not in html


def test_an_overpayment_is_refused_next_to_the_amount(partial_invoice, ivy_client):
    response = ivy_client.post(_url(partial_invoice, "invoice-payment-record"), _form(amount="1500.00"))

    assert response.status_code == 400
    html = response.content.decode()
    assert 'aria-invalid="true"' in html and 'aria-describedby="payment-amount_error"' in html
    assert (
        '<p class="field-error" id="payment-amount_error" role="alert">'
        "1,500.00 is more than the balance due, 1,450.55.</p>"
    ) in html
    assert 'name="amount" value="1500.00"' in html  # what was typed stays to be corrected
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("date", "", "Enter the payment date."),
        ("date", "31/03/2026", "Enter the payment date, such as 2026-03-31."),
        ("amount", "", "Enter the amount received."),
        ("amount", "ten", "Amount must be plain digits, with at most one point and two decimals, such as 120.00."),
        ("amount", "0", "The amount must be more than 0.00."),
        ("amount", "10.005", "Amount may have at most two decimal places."),
        ("amount", "-10", "Amount must not be negative."),
        # Odd forms Python's Decimal reads as 10 or 100: refused, as in the API.
        ("amount", "1_0", "Amount must be plain digits, with at most one point and two decimals, such as 120.00."),
        ("amount", "١٠", "Amount must be plain digits, with at most one point and two decimals, such as 120.00."),
        ("amount", "1e2", "Amount must be plain digits, with at most one point and two decimals, such as 120.00."),
        ("amount", " 10", "Amount must be plain digits, with at most one point and two decimals, such as 120.00."),
        ("method", "bitcoin", "Choose how the client paid from the list."),
        ("reference", "x" * 101, "The reference may hold at most 100 characters."),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_recorded(
    partial_invoice, ivy_client, field, value, message
):
    response = ivy_client.post(_url(partial_invoice, "invoice-payment-record"), _form(**{field: value}))

    assert response.status_code == 400
    assert f'<p class="field-error" id="payment-{field}_error" role="alert">{message}</p>' in response.content.decode()
    assert not Payment.objects.exists()


def test_a_date_in_the_future_is_refused_next_to_the_date(partial_invoice, ivy_client):
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = ivy_client.post(_url(partial_invoice, "invoice-payment-record"), _form(date=tomorrow.isoformat()))

    assert response.status_code == 400
    assert 'id="payment-date_error" role="alert">The payment date, ' in response.content.decode()


@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "the day before"])
def test_a_date_before_the_invoice_is_refused_next_to_the_date_naming_the_invoices_date(
    partial_invoice, ivy_client, day
):
    issued = timezone.localdate() - timedelta(days=10)
    Invoice.objects.filter(pk=partial_invoice.pk).update(date=issued)
    if day == "the day before":
        day = (issued - timedelta(days=1)).isoformat()
    year, month, number = (int(part) for part in day.split("-"))
    shown = f"{date(year, month, number):%b} {number}, {year:04d}"

    response = ivy_client.post(_url(partial_invoice, "invoice-payment-record"), _form(date=day))

    assert response.status_code == 400
    assert (
        f'<p class="field-error" id="payment-date_error" role="alert">The payment date, {shown}, is before invoice '
        f"INV-000001 was issued on {issued:%b} {issued.day}, {issued.year}.</p>"
    ) in response.content.decode()
    assert not Payment.objects.exists()
    assert Invoice.objects.get(pk=partial_invoice.pk).paid_amount == Decimal("0.00")


def test_a_sales_rep_sees_the_payments_but_no_form_and_may_not_post(partial_invoice, client, sales_rep, invoicing_rep):
    payment_record(
        invoice=partial_invoice, date=timezone.localdate(), amount=Decimal("50.00"), method="cash", by=invoicing_rep
    )
    client.force_login(sales_rep)

    html = client.get(_url(partial_invoice)).content.decode()

    assert 'data-testid="payments"' in html and "Record payment</h3>" not in html
    assert "Take back a payment" not in html
    assert client.post(_url(partial_invoice, "invoice-payment-record"), _form()).status_code == 403
    assert Payment.objects.count() == 1


def test_a_void_or_draft_invoice_has_no_payments_section(partial_invoice, ready_order, ivy_client, manager):
    invoice_void(invoice=partial_invoice, reason="Wrong quantities", by=manager)
    draft = invoice_create(sales_order=ready_order, by=manager, draft=True)

    for invoice in (partial_invoice, draft):
        html = ivy_client.get(_url(invoice)).content.decode()
        assert 'id="payments-title"' not in html and "invoice-balance-due" not in html


def test_recording_on_a_void_invoice_is_refused_with_409(partial_invoice, ivy_client, manager):
    invoice_void(invoice=partial_invoice, reason="Wrong quantities", by=manager)

    response = ivy_client.post(_url(partial_invoice, "invoice-payment-record"), _form())

    assert response.status_code == 409
    assert "Invoice INV-000001 is Void; it takes no payments." in response.content.decode()


def test_mark_paid_shows_the_marks_payment_and_no_void(partial_invoice, ivy_client, invoicing_rep, max_client):
    invoice_status_change(invoice=partial_invoice, status=Invoice.Status.PAID, by=invoicing_rep)

    html = max_client.get(_url(partial_invoice)).content.decode()

    assert '<span class="muted">Marked paid</span>' in html
    assert "<td>Other</td>" in html
    assert 'id="void-title"' not in html


def test_an_invoice_with_a_payment_offers_no_void(partial_invoice, invoicing_rep, max_client):
    assert 'id="void-title"' in max_client.get(_url(partial_invoice)).content.decode()
    payment_record(
        invoice=partial_invoice, date=timezone.localdate(), amount=Decimal("1.00"), method="cash", by=invoicing_rep
    )

    assert 'id="void-title"' not in max_client.get(_url(partial_invoice)).content.decode()


# Taking back ------------------------------------------------------------------------------------


@pytest.fixture
def paid_twice(partial_invoice, invoicing_rep):
    first = payment_record(
        invoice=partial_invoice, date=timezone.localdate(), amount=Decimal("450.55"), method="ach", by=invoicing_rep
    )
    second = payment_record(
        invoice=partial_invoice,
        date=timezone.localdate(),
        amount=Decimal("1000.00"),
        method="wire",
        reference="Wire 88",
        by=invoicing_rep,
    )
    return first, second


def test_a_manager_takes_back_todays_payment_from_the_page(partial_invoice, paid_twice, max_client):
    first, second = paid_twice
    page = max_client.get(_url(partial_invoice)).content.decode()
    assert f'<option value="{second.pk}">1,000.00 by Wire, Wire 88</option>' in page

    response = max_client.post(
        _url(partial_invoice, "invoice-payment-undo"), {"payment": second.pk, "reason": "Wrong invoice"}, follow=True
    )

    assert "Took back the payment of 1,000.00 by Wire, Wire 88 on INV-000001; 1,000.00 is due and it is Open." in (
        response.content.decode()
    )
    assert list(Payment.objects.all()) == [first]
    assert Activity.objects.filter(verb="took back a payment on", actor__username="max").exists()


def test_taking_back_without_a_reason_or_a_payment_is_refused_next_to_the_fields(
    partial_invoice, paid_twice, max_client
):
    response = max_client.post(_url(partial_invoice, "invoice-payment-undo"), {"payment": "", "reason": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="payment-undo-payment_error" role="alert">Choose the payment to take back.</p>' in html
    assert 'id="payment-undo-reason_error" role="alert">Say why the payment is taken back.</p>' in html
    assert Payment.objects.count() == 2


def test_a_payment_recorded_yesterday_is_not_offered_nor_taken_back(partial_invoice, paid_twice, max_client):
    first, second = paid_twice
    Payment.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=1))

    page = max_client.get(_url(partial_invoice)).content.decode()
    assert f'<option value="{first.pk}">' not in page
    response = max_client.post(_url(partial_invoice, "invoice-payment-undo"), {"payment": first.pk, "reason": "x"})

    assert response.status_code == 400
    assert "That payment can no longer be taken back; choose one recorded today." in response.content.decode()
    assert Payment.objects.count() == 2


def test_an_invoicing_rep_may_not_take_back(partial_invoice, paid_twice, ivy_client):
    assert "Take back a payment" not in ivy_client.get(_url(partial_invoice)).content.decode()
    response = ivy_client.post(
        _url(partial_invoice, "invoice-payment-undo"), {"payment": paid_twice[0].pk, "reason": "x"}
    )
    assert response.status_code == 403
    assert Payment.objects.count() == 2


def test_the_invoice_page_reads_its_payments_in_one_query(
    partial_invoice, paid_twice, max_client, django_assert_num_queries
):
    # Two payments or twenty cost the same: the payments come in one query with who recorded them.
    for _ in range(2):
        Payment.objects.create(
            invoice=partial_invoice,
            date=timezone.localdate(),
            amount=Decimal("0.01"),
            method="cash",
            recorded_by=paid_twice[0].recorded_by,
        )
    max_client.get(_url(partial_invoice))  # warm the session and the templates
    with CaptureQueriesContext(connection) as four:
        max_client.get(_url(partial_invoice))
    for _ in range(18):
        Payment.objects.create(
            invoice=partial_invoice,
            date=timezone.localdate(),
            amount=Decimal("0.01"),
            method="cash",
            recorded_by=paid_twice[0].recorded_by,
        )
    with django_assert_num_queries(len(four.captured_queries)):
        max_client.get(_url(partial_invoice))

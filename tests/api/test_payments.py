"""Payments over the API: recorded against an invoice (400 naming the field, 409 on its state), polled, taken back."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from invoicing.models import Invoice, Payment
from invoicing.payments import payment_record
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.void import invoice_void
from projects.models import SalesOrder
from projects.services.sales_orders import sales_order_status_change
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(mug_order, production_rep, invoicing_rep) -> Invoice:
    """INV-000001: 100 mugs at 4.25 with 8.25% tax, 460.06."""
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )
    invoice = invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 100)], by=invoicing_rep)
    assert invoice.total == Decimal("460.06")
    return invoice


def url(invoice) -> str:
    return f"/api/invoices/{invoice.pk}/payments/"


def body(**changes) -> dict:
    return {"date": timezone.localdate().isoformat(), "amount": "60.06", "method": "check", **changes}


# --- recording ------------------------------------------------------------------------------------


def test_a_payment_is_recorded_and_answered_with_the_invoices_balance(as_invoicing, invoice, invoicing_rep):
    response = as_invoicing.post(url(invoice), body(reference="Check 1042"), format="json")

    assert response.status_code == 201, response.content
    answer = response.json()
    payment = Payment.objects.get()
    assert answer["id"] == payment.pk
    assert {key: answer[key] for key in ("invoice", "invoice_number", "amount", "method", "reference")} == {
        "invoice": invoice.pk,
        "invoice_number": "INV-000001",
        "amount": "60.06",
        "method": "check",
        "reference": "Check 1042",
    }
    assert (answer["invoice_status"], answer["invoice_balance_due"]) == ("open", "400.00")
    assert answer["recorded_by"] == invoicing_rep.pk
    assert answer["date"] == timezone.localdate().isoformat()


def test_the_last_payment_answers_paid_and_the_date_defaults_to_today(as_invoicing, invoice):
    as_invoicing.post(url(invoice), body(), format="json")

    response = as_invoicing.post(url(invoice), {"amount": "400.00", "method": "wire"}, format="json")

    assert response.status_code == 201, response.content
    assert (response.json()["invoice_status"], response.json()["invoice_balance_due"]) == ("paid", "0.00")
    assert response.json()["date"] == timezone.localdate().isoformat()
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID


TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("sent", "errors"),
    [
        ({"amount": "460.07"}, {"amount": ["460.07 is more than the balance due, 460.06."]}),
        ({"amount": "0"}, {"amount": ["The amount must be more than 0.00."]}),
        ({"amount": "-1.00"}, {"amount": ["Amount must not be negative."]}),
        ({"amount": "1.005"}, {"amount": ["Amount may have at most two decimal places."]}),
        (
            {"amount": "ten"},
            {"amount": ["Amount must be plain digits, with at most one point and two decimals, such as 120.00."]},
        ),
        # Odd forms Python's Decimal reads as 10 or 100: refused, as on the page.
        (
            {"amount": "1_0"},
            {"amount": ["Amount must be plain digits, with at most one point and two decimals, such as 120.00."]},
        ),
        (
            {"amount": "١٠"},
            {"amount": ["Amount must be plain digits, with at most one point and two decimals, such as 120.00."]},
        ),
        (
            {"amount": "1e2"},
            {"amount": ["Amount must be plain digits, with at most one point and two decimals, such as 120.00."]},
        ),
        (
            {"amount": " 10"},
            {"amount": ["Amount must be plain digits, with at most one point and two decimals, such as 120.00."]},
        ),
        (
            {"amount": 10.5},
            {"amount": ["Amount must be plain digits, with at most one point and two decimals, such as 120.00."]},
        ),
        ({"amount": None}, {"amount": ["This field may not be null."]}),
        ({"method": "bitcoin"}, {"method": ['"bitcoin" is not a valid choice.']}),
        ({"date": "2026-13-01"}, {"date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]}),
        ({"reference": "x" * 101}, {"reference": ["Ensure this field has no more than 100 characters."]}),
    ],
)
def test_bad_input_answers_400_naming_the_field_and_records_nothing(as_invoicing, invoice, sent, errors):
    response = as_invoicing.post(url(invoice), body(**sent), format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert not Payment.objects.exists()
    assert Invoice.objects.get(pk=invoice.pk).paid_amount == Decimal("0.00")


def test_a_date_in_the_future_answers_400_naming_the_date(as_invoicing, invoice):
    response = as_invoicing.post(url(invoice), body(date=TOMORROW), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["date"]
    assert "is in the future" in response.json()["date"][0]


@pytest.mark.parametrize("day", ["0001-01-01", "1900-01-01", "the day before"])
def test_a_date_before_the_invoice_answers_400_naming_the_invoices_date(as_invoicing, invoice, day):
    issued = timezone.localdate() - timedelta(days=10)
    Invoice.objects.filter(pk=invoice.pk).update(date=issued)
    if day == "the day before":
        day = (issued - timedelta(days=1)).isoformat()
    year, month, number = (int(part) for part in day.split("-"))

    response = as_invoicing.post(url(invoice), body(date=day), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "date": [
            f"The payment date, {datetime(year, month, number):%b} {number}, {year:04d}, is before invoice "
            f"INV-000001 was issued on {issued:%b} {issued.day}, {issued.year}."
        ]
    }
    assert not Payment.objects.exists()
    assert Invoice.objects.get(pk=invoice.pk).paid_amount == Decimal("0.00")


def test_missing_fields_are_each_named(as_invoicing, invoice):
    response = as_invoicing.post(url(invoice), {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"amount": ["This field is required."], "method": ["This field is required."]}


def test_a_void_invoice_answers_409_naming_its_status(as_invoicing, invoice, manager):
    invoice_void(invoice=invoice, reason="Wrong client", by=manager)

    response = as_invoicing.post(url(invoice), body(), format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "Invoice INV-000001 is Void; it takes no payments."}


def test_a_paid_invoice_answers_409(as_invoicing, invoice):
    as_invoicing.post(url(invoice), body(amount="460.06"), format="json")

    response = as_invoicing.post(url(invoice), body(amount="0.01"), format="json")

    assert response.status_code == 409
    assert response.json() == {"detail": "Invoice INV-000001 is Paid; nothing is due on it."}


def test_only_invoicing_and_managers_record_and_signed_out_is_401(as_sales, anonymous, as_manager, invoice):
    assert as_sales.post(url(invoice), body(), format="json").status_code == 403
    assert as_sales.post(url(invoice), body(), format="json").json() == {
        "detail": "Only Invoicing or Managers may record payments."
    }
    assert anonymous.post(url(invoice), body(), format="json").status_code == 401
    assert not Payment.objects.exists()
    assert as_manager.post(url(invoice), body(), format="json").status_code == 201


@pytest.mark.parametrize("pk", ["999999", "-5", "abc", "99999999999999999999"])
def test_an_unknown_invoice_is_a_json_404(as_invoicing, invoice, pk):
    for response in (
        as_invoicing.get(f"/api/invoices/{pk}/payments/"),
        as_invoicing.post(f"/api/invoices/{pk}/payments/", body(), format="json"),
    ):
        assert response.status_code == 404
        assert response.json() == {"detail": "No such invoice."}


def test_everyone_signed_in_reads_an_invoices_payments_oldest_first(as_sales, invoice, invoicing_rep):
    today = timezone.localdate()
    Invoice.objects.filter(pk=invoice.pk).update(date=today - timedelta(days=5))
    later = payment_record(
        invoice=invoice, date=today, amount=Decimal("10.00"), method="cash", reference="", by=invoicing_rep
    )
    earlier = payment_record(
        invoice=invoice, date=today - timedelta(days=3), amount=Decimal("5.00"), method="card", by=invoicing_rep
    )

    response = as_sales.get(url(invoice))

    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [earlier.pk, later.pk]
    assert response.json()[1]["invoice_balance_due"] == "445.06"


# --- polling --------------------------------------------------------------------------------------


@pytest.fixture
def payments(invoice, invoicing_rep) -> list[Payment]:
    made = [
        payment_record(
            invoice=invoice,
            date=timezone.localdate(),
            amount=Decimal("10.00"),
            method="ach",
            reference=f"T{index}",
            by=invoicing_rep,
        )
        for index in range(4)
    ]
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    for payment, moment in zip(made, [base + timedelta(hours=2), base, base - timedelta(days=1), base], strict=True):
        Payment.objects.filter(pk=payment.pk).update(updated_at=moment)
    return made


def test_updated_since_lists_payments_changed_at_or_after_oldest_change_first(as_invoicing, payments):
    a, b, c, d = payments

    response = as_invoicing.get("/api/payments/", {"updated_since": "2026-03-01T09:00:00Z"})

    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [b.pk, d.pk, a.pk]
    assert response.json()["results"][0]["updated_at"] == "2026-03-01T09:00:00Z"


def test_without_updated_since_every_payment_is_listed_by_updated_at_and_id(as_sales, payments):
    a, b, c, d = payments

    response = as_sales.get("/api/payments/")

    assert [row["id"] for row in response.json()["results"]] == [c.pk, b.pk, d.pk, a.pk]


def test_payments_filter_by_invoice(as_invoicing, payments, invoice):
    assert as_invoicing.get("/api/payments/", {"invoice": invoice.pk}).json()["count"] == 4
    assert as_invoicing.get("/api/payments/", {"invoice": invoice.pk + 1}).json()["count"] == 0


@pytest.mark.parametrize("value", ["yesterday", "2026-03-01T09:00:00", "2026-02-30"])
def test_an_invalid_updated_since_answers_400_naming_it(as_invoicing, payments, value):
    response = as_invoicing.get("/api/payments/", {"updated_since": value})

    assert response.status_code == 400
    assert list(response.json()) == ["updated_since"]


def test_the_payment_list_costs_the_same_for_5_and_50_rows(invoice, invoicing_rep, manager, django_assert_num_queries):
    Payment.objects.bulk_create(
        Payment(
            invoice=invoice, date=timezone.localdate(), amount=Decimal("0.01"), method="cash", recorded_by=invoicing_rep
        )
        for _ in range(55)
    )
    for page_size in (5, 50):
        api = token_client(manager)
        # token, count, page (invoice and recorder joined)
        with django_assert_num_queries(3):
            response = api.get("/api/payments/", {"page_size": page_size})
        assert len(response.json()["results"]) == page_size
        # token, count, page by cursor
        with django_assert_num_queries(3):
            response = api.get("/api/payments/", {"page_size": page_size, "updated_since": "2020-01-01"})
        assert len(response.json()["results"]) == page_size


# --- taking back ----------------------------------------------------------------------------------


def test_a_manager_takes_back_a_payment_and_the_invoice_is_open_again(as_manager, invoice, invoicing_rep):
    payment = payment_record(
        invoice=invoice, date=timezone.localdate(), amount=Decimal("460.06"), method="wire", by=invoicing_rep
    )

    response = as_manager.post(f"/api/payments/{payment.pk}/undo/", {"reason": "Wrong invoice"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json() | {"updated_at": None} == {
        "id": invoice.pk,
        "number": "INV-000001",
        "status": "open",
        "total": "460.06",
        "credited_amount": "0.00",
        "paid_amount": "0.00",
        "balance_due": "460.06",
        "updated_at": None,
    }
    assert not Payment.objects.exists()


def test_taking_back_needs_a_manager_a_reason_and_the_same_day(as_manager, as_invoicing, invoice, invoicing_rep):
    payment = payment_record(
        invoice=invoice, date=timezone.localdate(), amount=Decimal("10.00"), method="wire", by=invoicing_rep
    )
    undo = f"/api/payments/{payment.pk}/undo/"

    assert as_invoicing.post(undo, {"reason": "Mine"}, format="json").status_code == 403
    refused = as_manager.post(undo, {"reason": ""}, format="json")
    assert (refused.status_code, refused.json()) == (400, {"reason": ["This field may not be blank."]})
    Payment.objects.filter(pk=payment.pk).update(created_at=timezone.now() - timedelta(days=2))
    late = as_manager.post(undo, {"reason": "Bounced"}, format="json")
    assert late.status_code == 409
    assert "a payment can be taken back only on the day it was recorded" in late.json()["detail"]
    assert Payment.objects.filter(pk=payment.pk).exists()


# --- the schema -------------------------------------------------------------------------------------


def test_the_schema_documents_the_payment_endpoints():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/invoices/{id}/payments/"])
    assert "get" in paths["/api/payments/"] and "get" in paths["/api/payments/{id}/"]
    assert "post" in paths["/api/payments/{id}/undo/"]
    create = paths["/api/invoices/{id}/payments/"]["post"]
    assert {"201", "400", "401", "403", "404", "409"} <= set(create["responses"])
    parameters = {parameter["name"] for parameter in paths["/api/payments/"]["get"]["parameters"]}
    assert {"updated_since", "invoice", "cursor"} <= parameters
    assert schema["components"]["schemas"]["PaymentMethod"]["enum"] == ["check", "ach", "wire", "card", "cash", "other"]
    assert {"id", "invoice", "date", "amount", "method", "reference", "updated_at"} <= set(
        schema["components"]["schemas"]["Payment"]["properties"]
    )


def test_the_invoice_answers_with_what_is_paid_and_due(as_invoicing, invoice):
    as_invoicing.post(url(invoice), body(amount="60.06"), format="json")

    answer = as_invoicing.get(f"/api/invoices/{invoice.pk}/").json()

    assert (answer["total"], answer["paid_amount"], answer["balance_due"]) == ("460.06", "60.06", "400.00")

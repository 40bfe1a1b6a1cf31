"""Credit notes over the API: issued by managers on an invoice, polled with updated_since, each with its PDF."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from drf_spectacular.generators import SchemaGenerator

from invoicing.credit_notes import credit_note_create
from invoicing.models import CreditNote, Invoice
from invoicing.payments import payment_record
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.void import invoice_void
from projects.models import SalesOrder
from tests.api.conftest import token_client
from tests.factories import SalesOrderFactory, SalesOrderItemFactory, goods_ready

LIST = "/api/credit-notes/"


def create_url(invoice: Invoice) -> str:
    return f"/api/invoices/{invoice.pk}/credit-notes/"


@pytest.fixture
def invoice(mug_order, invoicing_rep) -> Invoice:
    """INV-000001: all 500 mugs (2,125.00) and the setup charge (65.00), 8.25% tax: 2,370.67."""
    goods_ready(mug_order.order.pk)
    return invoice_create(sales_order=mug_order.order, by=invoicing_rep)


def line_ids(invoice: Invoice) -> tuple[int, int]:
    mugs, setup = invoice.lines.order_by("id").values_list("pk", flat=True)
    return mugs, setup


def test_a_manager_credits_lines_and_gets_the_credit_note(as_manager, invoice, mug_order):
    mugs, _ = line_ids(invoice)
    response = as_manager.post(
        create_url(invoice),
        {"lines": [{"invoice_line": mugs, "quantity": 40}], "reason": "40 mugs chipped"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    note = CreditNote.objects.get()
    assert body["id"] == note.pk
    assert body["number"] == "CN-000001"
    assert (body["invoice"], body["invoice_number"]) == (invoice.pk, "INV-000001")
    assert body["reason"] == "40 mugs chipped"
    # 40 × 4.25 = 170.00, tax 14.025 → 14.03
    assert (body["subtotal"], body["tax"], body["total"]) == ("170.00", "14.03", "184.03")
    assert body["lines"] == [
        {
            "id": note.lines.get().pk,
            "invoice_line": mugs,
            "sales_order_item": mug_order.mugs.pk,
            "description": "11 oz mug, 2-colour print",
            "quantity": 40,
            "unit_price": "4.25",
            "tax_rate": "8.25",
            "amount": "170.00",
            "tax": "14.03",
        }
    ]
    mug_order.refresh()
    assert mug_order.mugs.remaining_quantity == 40
    assert mug_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED


def test_a_manager_credits_the_whole_invoice(as_manager, invoice):
    response = as_manager.post(create_url(invoice), {"whole": True, "reason": "Order cancelled"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["total"] == f"{invoice.total:.2f}" == "2370.67"
    listed = as_manager.get(create_url(invoice)).json()
    assert [note["number"] for note in listed] == ["CN-000001"]


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"whole": True}, {"reason": ["This field is required."]}),
        ({"reason": "Chipped"}, {"lines": ["Choose at least one line to credit, or credit the whole invoice."]}),
        (
            {"lines": [{"invoice_line": "MUGS", "quantity": 0}], "reason": "Chipped"},
            {"lines[0].quantity": ["Quantity must be a whole number from 1 to 10,000,000."]},
        ),
        (
            {"lines": [{"invoice_line": "MUGS", "quantity": 501}], "reason": "Chipped"},
            {
                "lines[0].quantity": [
                    "Quantity of 11 oz mug, 2-colour print to credit must be from 1 to 500 (not yet credited)."
                ]
            },
        ),
        (
            {"lines": [{"invoice_line": "MUGS", "quantity": 1.5}], "reason": "Chipped"},
            {"lines[0].quantity": ["Quantity must be a whole number from 1 to 10,000,000."]},
        ),
        (
            {"lines": [{"invoice_line": 999999, "quantity": 1}], "reason": "Chipped"},
            {"lines[0].invoice_line": ["Line 999999 is not on invoice INV-000001."]},
        ),
        (
            {"lines": [{"invoice_line": "MUGS", "quantity": 1}], "whole": True, "reason": "Chipped"},
            {"whole": ["Credit the whole invoice or choose lines, not both."]},
        ),
    ],
    ids=["no-reason", "nothing", "zero", "too-many", "fraction", "unknown-line", "both"],
)
def test_bad_input_is_refused_with_400_naming_the_field(as_manager, invoice, body, errors):
    mugs, _ = line_ids(invoice)
    for line in body.get("lines", []):
        if line["invoice_line"] == "MUGS":
            line["invoice_line"] = mugs
    response = as_manager.post(create_url(invoice), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert CreditNote.objects.count() == 0


def test_a_line_of_another_invoice_is_refused(as_manager, invoice, invoicing_rep):
    order = SalesOrderFactory(status=SalesOrder.Status.READY_TO_BE_INVOICED)
    item = SalesOrderItemFactory(sales_order=order)
    other = invoice_create(sales_order=order, lines=[LineRequest(item, 5)], by=invoicing_rep)
    foreign = other.lines.get().pk
    response = as_manager.post(
        create_url(invoice), {"lines": [{"invoice_line": foreign, "quantity": 1}], "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"lines[0].invoice_line": [f"Line {foreign} is not on invoice INV-000001."]}


def test_a_void_invoice_answers_409_and_other_roles_403(as_manager, as_invoicing, anonymous, invoice, manager):
    assert as_invoicing.post(create_url(invoice), {"whole": True, "reason": "x"}, format="json").status_code == 403
    assert anonymous.post(create_url(invoice), {"whole": True, "reason": "x"}, format="json").status_code == 401
    assert (
        as_manager.post("/api/invoices/999999/credit-notes/", {"whole": True, "reason": "x"}, format="json").status_code
        == 404
    )
    for missing in ("/api/invoices/999999/credit-notes/", "/api/invoices/abc/credit-notes/"):
        response = as_manager.get(missing)
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
    invoice_void(invoice=invoice, reason="Issued twice", by=manager)
    response = as_manager.post(create_url(invoice), {"whole": True, "reason": "x"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Invoice INV-000001 is Void; only an issued invoice that is not void can be credited."
    }


def test_an_invoice_with_nothing_left_to_credit_answers_409_as_a_state_conflict(as_manager, invoice):
    # One meaning per status code: the state refuses it (409), as a payment on a paid invoice; not bad input (400).
    assert (
        as_manager.post(create_url(invoice), {"whole": True, "reason": "Cancelled"}, format="json").status_code == 201
    )
    mugs, _ = line_ids(invoice)
    for body in ({"whole": True, "reason": "Again"}, {"lines": [{"invoice_line": mugs, "quantity": 1}], "reason": "x"}):
        response = as_manager.post(create_url(invoice), body, format="json")
        assert response.status_code == 409, response.content
        assert response.json() == {"detail": "Invoice INV-000001 is already credited in full."}
    assert CreditNote.objects.count() == 1


def test_a_paid_invoice_answers_409_and_a_credit_beyond_the_unpaid_part_400(as_manager, invoice, invoicing_rep):
    payment_record(invoice=invoice, date=invoice.date, amount=Decimal("2000.00"), method="ach", by=invoicing_rep)
    mugs, _ = line_ids(invoice)
    # 370.67 is unpaid: crediting 100 mugs (460.06) asks for too much, which fewer mugs would fix (400) ...
    response = as_manager.post(
        create_url(invoice), {"lines": [{"invoice_line": mugs, "quantity": 100}], "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["lines"]
    assert response.json()["lines"][0].startswith("This credit of 460.06 is more than the 370.67 left to credit")
    # ... but once it is paid in full, no request can credit it (409).
    payment_record(invoice=invoice, date=invoice.date, amount=Decimal("370.67"), method="ach", by=invoicing_rep)
    response = as_manager.post(create_url(invoice), {"whole": True, "reason": "x"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Invoice INV-000001 is Paid: the client has paid 2,370.67 of it, so nothing is left to credit. "
        "Refund the client outside the desk."
    }
    assert CreditNote.objects.count() == 0


def test_the_schema_documents_409_for_crediting():
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"]["/api/invoices/{id}/credit-notes/"]
    assert {"400", "409"} <= set(operation["post"]["responses"])
    assert "409 when no credit is possible in the invoice's state" in operation["post"]["description"]


def test_voiding_a_credited_invoice_answers_409(as_manager, invoice):
    as_manager.post(create_url(invoice), {"whole": True, "reason": "Cancelled"}, format="json")
    response = as_manager.post(f"/api/invoices/{invoice.pk}/void/", {"reason": "Issued twice"}, format="json")
    assert response.status_code == 409
    assert "has credit notes (CN-000001); it can no longer be voided" in response.json()["detail"]


# --- reading and polling -------------------------------------------------------------------------


@pytest.fixture
def notes(invoice, manager) -> list[CreditNote]:
    """Four credit notes of 10 mugs each, oldest first."""
    mugs, _ = line_ids(invoice)
    return [credit_note_create(invoice=invoice, lines=[(mugs, 10)], reason=f"Batch {n}", by=manager) for n in range(4)]


def test_updated_since_lists_what_changed_at_or_after_oldest_change_first(as_sales, notes):
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    a, b, c, d = notes
    for note, moment in zip(notes, (base + timedelta(hours=2), base, base - timedelta(days=1), base), strict=True):
        CreditNote.objects.filter(pk=note.pk).update(updated_at=moment)

    response = as_sales.get(LIST, {"updated_since": "2026-03-01T09:00:00Z"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["id"] for row in body["results"]] == [b.pk, d.pk, a.pk]  # (updated_at, id)
    assert body["results"][0]["updated_at"] == "2026-03-01T09:00:00Z"
    assert body["count"] == 3
    later = as_sales.get(LIST, {"updated_since": "2026-03-01T10:00:00+00:00"}).json()
    assert [row["id"] for row in later["results"]] == [a.pk]


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01", "2026-03-01T09:00:00"])
def test_a_bad_updated_since_is_400_naming_the_field(as_sales, notes, value):
    response = as_sales.get(LIST, {"updated_since": value})
    assert response.status_code == 400
    assert list(response.json()) == ["updated_since"]


def test_one_credit_note_and_its_pdf(as_sales, notes):
    note = notes[0]
    response = as_sales.get(f"{LIST}{note.pk}/")
    assert response.status_code == 200
    assert response.json()["number"] == "CN-000001"
    pdf = as_sales.get(f"{LIST}{note.pk}/pdf/")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert as_sales.get(f"{LIST}999999/pdf/").status_code == 404


def test_the_invoice_filter_and_the_schema(as_sales, notes, invoice):
    assert as_sales.get(LIST, {"invoice": invoice.pk}).json()["count"] == 4
    assert as_sales.get(LIST, {"invoice": invoice.pk + 1000}).json()["count"] == 0
    schema = as_sales.get("/api/schema/", {"format": "json"}).json()
    assert {"get"} <= set(schema["paths"]["/api/credit-notes/"])
    assert {"get"} <= set(schema["paths"]["/api/credit-notes/{id}/"])
    assert {"get"} <= set(schema["paths"]["/api/credit-notes/{id}/pdf/"])
    assert {"get", "post"} <= set(schema["paths"]["/api/invoices/{id}/credit-notes/"])
    parameters = {p["name"] for p in schema["paths"]["/api/credit-notes/"]["get"]["parameters"]}
    assert {"updated_since", "invoice"} <= parameters
    fields = set(schema["components"]["schemas"]["CreditNote"]["properties"])
    assert {"number", "invoice", "date", "reason", "lines", "subtotal", "tax", "total", "updated_at"} <= fields


@pytest.mark.parametrize("polling", [False, True])
def test_the_list_costs_the_same_for_5_and_50_rows(manager, invoicing_rep, django_assert_num_queries, polling):
    order = SalesOrderFactory(status=SalesOrder.Status.READY_TO_BE_INVOICED)
    item = SalesOrderItemFactory(sales_order=order, quantity=60, unit_price=Decimal("1.00"))
    invoice = invoice_create(sales_order=order, lines=[LineRequest(item, 60)], by=invoicing_rep)
    line = invoice.lines.get()
    for _ in range(55):
        credit_note_create(invoice=invoice, lines=[(line.pk, 1)], reason="One short", by=manager)
    query = {"updated_since": "2020-01-01"} if polling else {}
    for page_size in (5, 50):
        api = token_client(manager)
        # The token with its user, the count, the page (invoice joined), the lines (one prefetch).
        with django_assert_num_queries(4):
            response = api.get(LIST, {**query, "page_size": page_size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == page_size

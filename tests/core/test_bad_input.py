"""Bad input is refused with a message naming the field, and changes nothing (rule 8)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from core.errors import ValidationFailed
from invoicing.models import Invoice
from invoicing.services.issue import LineRequest, invoice_create
from projects.models import Activity, Note, SalesOrder, SalesOrderItem
from projects.services.notes import note_create
from purchasing.models import PurchaseOrder
from tests.factories import SalesOrderItemFactory, goods_ready


@pytest.fixture
def ready_order(mug_order):
    goods_ready(mug_order.order.pk)
    mug_order.refresh()
    return mug_order


def snapshot():
    return (
        list(SalesOrderItem.objects.order_by("pk").values_list("invoiced_quantity", "backordered_quantity")),
        list(SalesOrder.objects.values_list("status", flat=True)),
        list(PurchaseOrder.objects.values_list("status", flat=True)),
        Invoice.objects.count(),
        Backorder.objects.count(),
        Note.objects.count(),
        Activity.objects.count(),
    )


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "Quantity of 11 oz mug, 2-colour print must be from 1 to 500 (what remains)."),
        (-5, "Quantity of 11 oz mug, 2-colour print must be from 1 to 500 (what remains)."),
        (501, "Quantity of 11 oz mug, 2-colour print must be from 1 to 500 (what remains)."),
        (10**12, "Quantity of 11 oz mug, 2-colour print must be from 1 to 500 (what remains)."),
        (2.5, "Quantity must be a whole number."),
        ("12", "Quantity must be a whole number."),
    ],
)
def test_invoice_line_quantity_out_of_range(ready_order, invoicing_rep, quantity, message):
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        invoice_create(sales_order=ready_order.order, lines=[LineRequest(ready_order.mugs, quantity)], by=invoicing_rep)
    assert refused.value.errors == {"lines[0].quantity": [message]}
    assert snapshot() == before


def test_two_lines_for_one_item(ready_order, invoicing_rep):
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        invoice_create(
            sales_order=ready_order.order,
            lines=[LineRequest(ready_order.mugs, 10), LineRequest(ready_order.mugs, 5)],
            by=invoicing_rep,
        )
    assert refused.value.errors == {
        "lines[1].sales_order_item": ["11 oz mug, 2-colour print appears on two lines; use one."]
    }
    assert snapshot() == before


def test_item_of_another_order(ready_order, invoicing_rep):
    stranger = SalesOrderItemFactory()
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        invoice_create(sales_order=ready_order.order, lines=[LineRequest(stranger, 1)], by=invoicing_rep)
    assert refused.value.errors == {"lines[0].sales_order_item": [f"Item {stranger.pk} is not on sales order SO-1001."]}
    assert snapshot() == before


def test_no_lines(ready_order, invoicing_rep):
    with pytest.raises(ValidationFailed) as refused:
        invoice_create(sales_order=ready_order.order, lines=[], by=invoicing_rep)
    assert refused.value.errors == {"lines": ["An invoice needs at least one line."]}


def flag(mug_order, by, *items, note="Short"):
    return backorder_flag(
        purchase_order=mug_order.po, status=PurchaseOrder.Status.PROBLEM, items=list(items), note=note, by=by
    )


def test_backorder_above_the_po_item_quantity(mug_order, production_rep, next_week):
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        flag(mug_order, production_rep, BackorderRequest(mug_order.po_mugs, 501, next_week, "Short"))
    assert refused.value.errors == {
        "items[0].quantity": [
            "Backordered quantity must be from 1 to 500 (the PO item's quantity less its other open backorders)."
        ]
    }
    assert snapshot() == before


def test_backorder_above_what_other_open_backorders_leave(mug_order, production_rep, next_week):
    flag(mug_order, production_rep, BackorderRequest(mug_order.po_mugs, 400, next_week, "Short"))
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        flag(mug_order, production_rep, BackorderRequest(mug_order.po_mugs, 101, next_week, "Short again"))
    assert "from 1 to 100" in refused.value.errors["items[0].quantity"][0]
    assert snapshot() == before


def test_backorder_expected_in_the_past(mug_order, production_rep):
    yesterday = timezone.localdate() - timedelta(days=1)
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        flag(mug_order, production_rep, BackorderRequest(mug_order.po_mugs, 10, yesterday, "Short"))
    past = f"The expected date {date_format(yesterday)} is in the past."
    assert refused.value.errors == {"items[0].expected_date": [past]}
    assert snapshot() == before


def test_backorder_on_an_item_of_another_po(mug_order, production_rep, next_week):
    from tests.factories import PurchaseOrderItemFactory

    foreign = PurchaseOrderItemFactory()
    with pytest.raises(ValidationFailed) as refused:
        flag(mug_order, production_rep, BackorderRequest(foreign, 1, next_week, "Short"))
    assert refused.value.errors == {"items[0].purchase_order_item": ["That item is not on PO-1001."]}


def test_backorder_needs_a_flag_status(mug_order, production_rep, next_week):
    with pytest.raises(ValidationFailed) as refused:
        backorder_flag(
            purchase_order=mug_order.po,
            status="none",
            items=[BackorderRequest(mug_order.po_mugs, 1, next_week, "Short")],
            note="",
            by=production_rep,
        )
    assert refused.value.errors == {"status": ["Choose Problem or Follow Up for the purchase order."]}


def test_unknown_mention(mug_order, production_rep):
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        note_create(project=mug_order.order.project, body="@sam and @ghost, see this", by=production_rep)
    assert refused.value.errors == {"body": ["No active user is called @ghost."]}
    assert snapshot() == before


def test_html_in_a_note_is_stored_as_typed(mug_order, production_rep):
    # Stored as plain text; pages escape it when they show it.
    note = note_create(project=mug_order.order.project, body="<script>alert(1)</script>", by=production_rep)
    assert note.body == "<script>alert(1)</script>"


def test_empty_note(mug_order, production_rep):
    with pytest.raises(ValidationFailed) as refused:
        note_create(project=mug_order.order.project, body="   ", by=production_rep)
    assert refused.value.errors == {"body": ["Write something in the note."]}


def test_email_addresses_are_not_mentions(mug_order, production_rep):
    note = note_create(project=mug_order.order.project, body="Write to orders@sam.example.com", by=production_rep)
    assert note.mentions.count() == 0

"""Backorders: flagged on a PO in one go (rule 1), listed with filters, resolved or cancelled."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.formats import date_format

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.services.issue import LineRequest, invoice_create
from notifications.models import Notification
from projects.models import Note, SalesOrder
from purchasing.models import PurchaseOrder
from tests.factories import goods_ready


def flag_body(mug_order, quantity=200, expected=None, **extra) -> dict:
    expected = expected or (timezone.localdate() + timedelta(days=7))
    return {
        "status": "problem",
        "items": [
            {
                "purchase_order_item": mug_order.po_mugs.pk,
                "quantity": quantity,
                "expected_date": expected.isoformat(),
                "reason": "Supplier short on white mugs",
            }
        ],
        **extra,
    }


@pytest.fixture
def backorder(mug_order, production_rep, next_week) -> Backorder:
    result = backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short")],
        note="",
        by=production_rep,
    )
    return result.backorders[0]


def test_flagging_writes_everything_rule_1_asks_for(as_production, mug_order, sales_rep, invoicing_rep):
    response = as_production.post(
        f"/api/purchase-orders/{mug_order.po.pk}/backorders/", flag_body(mug_order), format="json"
    )
    assert response.status_code == 201
    result = response.json()
    [backorder] = result["backorders"]
    assert {key: backorder[key] for key in ("purchase_order", "purchase_order_item", "quantity", "status")} == {
        "purchase_order": mug_order.po.pk,
        "purchase_order_item": mug_order.po_mugs.pk,
        "quantity": 200,
        "status": "open",
    }
    assert result["purchase_order"]["status"] == "problem"
    assert result["moved_to_ready"] is True
    assert result["sales_order"]["status"] == "ready_to_be_invoiced"
    # Without a note of its own, the one written tags the order rep and the invoicing rep, pinned.
    note = result["note"]
    assert note["pinned"] is True
    assert note["body"].startswith("@sam @ivy Backorder on PO-1001: 200 × 11 oz mug, 2-colour print expected ")
    assert sorted(note["mentions"]) == sorted([sales_rep.pk, invoicing_rep.pk])
    assert Notification.objects.filter(kind="backorder_flagged").count() == 2


def test_a_flag_without_the_so_move_leaves_the_order_alone(as_production, mug_order):
    body = flag_body(mug_order, ready_to_invoice=False, pin=False, note="@ivy 200 mugs late")
    result = as_production.post(f"/api/purchase-orders/{mug_order.po.pk}/backorders/", body, format="json").json()
    assert result["moved_to_ready"] is False
    assert result["note"]["pinned"] is False
    assert result["sales_order"]["status"] == "in_production"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"quantity": 501},
            "items[0].quantity",
            "Backordered quantity must be from 1 to 500 (the PO item's quantity less its other open backorders).",
        ),
        ({"quantity": "many"}, "items[0].quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"quantity": "1_0"}, "items[0].quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"quantity": "١٠"}, "items[0].quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"expected": "past"}, "items[0].expected_date", "The expected date {yesterday} is in the past."),
        ({"status": "none"}, "status", '"none" is not a valid choice.'),
        ({"note": "@nobody-here look"}, "body", "No active user is called @nobody-here."),
    ],
)
def test_a_bad_flag_is_refused_and_changes_nothing(as_production, mug_order, change, field, message):
    yesterday = timezone.localdate() - timedelta(days=1)
    body = flag_body(
        mug_order,
        quantity=change.pop("quantity", 200),
        expected=yesterday if change.pop("expected", None) else None,
        **change,
    )
    response = as_production.post(f"/api/purchase-orders/{mug_order.po.pk}/backorders/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message.format(yesterday=date_format(yesterday))]}
    mug_order.refresh()
    assert not Backorder.objects.exists() and not Note.objects.exists()
    assert (mug_order.po.status, mug_order.order.status) == ("none", "in_production")
    assert mug_order.mugs.backordered_quantity == 0


def test_the_move_to_ready_is_refused_before_production_and_changes_nothing(as_production, mug_order):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=SalesOrder.Status.CLIENT_APPROVED)
    body = flag_body(mug_order, ready_to_invoice=True)
    response = as_production.post(f"/api/purchase-orders/{mug_order.po.pk}/backorders/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "ready_to_invoice": [
            "Sales order SO-1001 is Client Approved; only an order In Production or Shipped moves to Ready to be "
            "Invoiced. Untick the move."
        ]
    }
    mug_order.refresh()
    assert (mug_order.po.status, mug_order.order.status) == ("none", "client_approved")
    assert not Backorder.objects.exists() and not Note.objects.exists() and not Notification.objects.exists()


def test_left_out_the_move_is_made_only_where_it_is_allowed(as_production, mug_order):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=SalesOrder.Status.CLIENT_APPROVED)
    body = flag_body(mug_order)
    response = as_production.post(f"/api/purchase-orders/{mug_order.po.pk}/backorders/", body, format="json")
    assert response.status_code == 201
    result = response.json()
    assert (result["moved_to_ready"], result["sales_order"]["status"]) == (False, "client_approved")
    # The default note does not promise an invoice the order cannot have yet.
    assert "can be invoiced now" not in result["note"]["body"]


def test_a_po_item_of_another_po_is_refused(as_production, mug_order):
    from tests.factories import PurchaseOrderItemFactory

    stranger = PurchaseOrderItemFactory()
    body = flag_body(mug_order)
    body["items"][0]["purchase_order_item"] = stranger.pk
    response = as_production.post(f"/api/purchase-orders/{mug_order.po.pk}/backorders/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"items[0].purchase_order_item": ["That item is not on PO-1001."]}


def test_a_po_ready_for_billing_cannot_be_flagged(as_production, mug_order):
    mug_order.po.stage = PurchaseOrder.Stage.READY_FOR_BILLING
    mug_order.po.save()
    response = as_production.post(
        f"/api/purchase-orders/{mug_order.po.pk}/backorders/", flag_body(mug_order), format="json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": (
            "Purchase order PO-1001 is Ready for Billing: its goods are ready, so nothing can be backordered on it."
        )
    }
    assert not Backorder.objects.exists()


def test_backorders_filter_by_status_supplier_project_and_overdue(as_sales, backorder, mug_order):
    def ids(**params) -> list[int]:
        response = as_sales.get("/api/backorders/", params)
        assert response.status_code == 200
        return [row["id"] for row in response.json()["results"]]

    assert ids(status="open", supplier=mug_order.po.supplier_id, project=mug_order.po.project_id) == [backorder.pk]
    assert ids(overdue="true") == []
    Backorder.objects.filter(pk=backorder.pk).update(expected_date=timezone.localdate() - timedelta(days=2))
    assert ids(overdue="true") == [backorder.pk]
    assert as_sales.get(f"/api/backorders/{backorder.pk}/").json()["overdue"] is True
    assert ids(status="resolved") == []


def test_a_bad_backorder_filter_is_refused(as_sales):
    response = as_sales.get("/api/backorders/", {"status": "late"})
    assert response.status_code == 400
    assert response.json() == {"status": ["Select a valid choice. late is not one of the available choices."]}


def test_production_resolves_a_backorder_once(as_production, backorder):
    url = f"/api/backorders/{backorder.pk}/resolve/"
    response = as_production.post(url)
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    again = as_production.post(url)
    assert again.status_code == 409
    assert again.json() == {"detail": "The backorder is Resolved; it cannot be resolved."}


def test_resolving_the_last_backorder_can_ready_the_po_for_billing(as_production, backorder, mug_order):
    response = as_production.post(
        f"/api/backorders/{backorder.pk}/resolve/", {"ready_for_billing": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    mug_order.refresh()
    assert mug_order.po.stage == PurchaseOrder.Stage.READY_FOR_BILLING
    assert mug_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"ready_for_billing": "maybe"}, "Must be a valid boolean."),
        (
            {"ready_for_billing": True},
            "PO-1001 still has 1 other open backorder; it moves to Ready for Billing once none is open.",
        ),
    ],
)
def test_a_refused_resolve_changes_nothing(
    as_production, backorder, mug_order, production_rep, next_week, body, message
):
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_setup, 1, next_week, "Screen not ready")],
        note="",
        ready_to_invoice=False,
        by=production_rep,
    )
    response = as_production.post(f"/api/backorders/{backorder.pk}/resolve/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {"ready_for_billing": [message]}
    backorder.refresh_from_db()
    mug_order.refresh()
    assert (backorder.status, mug_order.po.stage) == ("open", "confirmed")


def test_resolve_is_production_s(as_invoicing, backorder):
    response = as_invoicing.post(f"/api/backorders/{backorder.pk}/resolve/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only Production or Managers may resolve backorders."}
    backorder.refresh_from_db()
    assert backorder.status == Backorder.Status.OPEN


def test_cancelling_a_backorder_needs_a_reason_and_happens_once(as_production, as_sales, backorder, mug_order):
    url = f"/api/backorders/{backorder.pk}/cancel/"
    missing = as_production.post(url, {"reason": "   "}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {"reason": ["This field may not be blank."]}
    assert as_sales.post(url, {"reason": "never"}, format="json").status_code == 403
    response = as_production.post(url, {"reason": "Discontinued colour"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cancel_reason"]) == ("cancelled", "Discontinued colour")
    order = as_sales.get(f"/api/sales-orders/{mug_order.order.pk}/").json()
    mugs = order["items"][0]
    assert (mugs["cancelled"], mugs["remaining"], mugs["backordered"]) == (200, 300, 0)
    again = as_production.post(url, {"reason": "twice"}, format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": "The backorder is Cancelled; it cannot be cancelled."}
    assert SalesOrder.objects.get().items.get(pk=mug_order.mugs.pk).cancelled_quantity == 200


def test_cancelling_more_than_remains_to_invoice_answers_409(as_production, backorder, mug_order, invoicing_rep):
    # Invoicing took 400 of the 500 mugs, backordered ones too: only 100 remain for the 200 backordered.
    goods_ready(mug_order.order.pk)
    invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 400)], by=invoicing_rep)
    response = as_production.post(f"/api/backorders/{backorder.pk}/cancel/", {"reason": "Discontinued"}, format="json")
    # Nothing in the request could make it pass: the order's state refuses it (409), not bad input (400).
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Only 100 of 11 oz mug, 2-colour print remain to invoice; the backorder's 200 cannot be cancelled."
    }
    backorder.refresh_from_db()
    assert backorder.status == Backorder.Status.OPEN

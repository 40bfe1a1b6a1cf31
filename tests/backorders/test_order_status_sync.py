"""Supplier order status sync against a simulated supplier, through the real zeep client over HTTP.

The supplier speaks PromoStandards Order Status 1.0.0; the desk records what it says on the PO's
activity when it changed and proposes, never decides. A supplier that is down, slow or answers
garbage changes nothing, and says why on the supplier.
"""

import logging
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from backorders.models import Backorder, SupplierProposal
from backorders.order_status_sync import PROPOSAL_VERB, STATUS_VERB, supplier_order_status_sync
from backorders.services import BackorderRequest, backorder_flag
from core.encryption import decrypt_secret
from projects.models import Activity, SalesOrder
from purchasing.models import PurchaseOrder
from purchasing.promostandards.simulator import SimulatedOrder
from tests.backorders.conftest import SUPPLIER_PASSWORD, SUPPLIER_USER
from tests.factories import PurchaseOrderFactory, PurchaseOrderItemFactory, SalesOrderItemFactory

pytestmark = pytest.mark.django_db

Kind = SupplierProposal.Kind


def status_rows(po) -> list[Activity]:
    return list(
        Activity.objects.filter(
            subject_type=ContentType.objects.get_for_model(PurchaseOrder), subject_id=po.pk, verb=STATUS_VERB
        ).order_by("id")
    )


def another_po(number: str, supplier, stage: str) -> PurchaseOrder:
    po = PurchaseOrderFactory(number=number, supplier=supplier, stage=stage)
    PurchaseOrderItemFactory(purchase_order=po, sales_order_item=SalesOrderItemFactory(sales_order=po.sales_order))
    return po


def snapshot(mug_order) -> dict:
    """Everything a failed sync must leave as it was."""
    po = PurchaseOrder.objects.get(pk=mug_order.po.pk)
    return {
        "po": (po.stage, po.status, po.expected_date, po.updated_at),
        "order": SalesOrder.objects.values_list("status", flat=True).get(pk=mug_order.order.pk),
        "activity": list(Activity.objects.order_by("id").values_list("id", "verb", "to_value")),
        "backorders": list(
            Backorder.objects.order_by("id").values_list(
                "id", "status", "quantity", "expected_date", "first_expected_date", "expected_date_changes"
            )
        ),
        "proposals": list(
            SupplierProposal.objects.order_by("id").values_list(
                "id", "kind", "status", "quantity", "expected_date", "supplier_status_code"
            )
        ),
    }


def test_a_back_order_hold_proposes_a_backorder_of_the_goods_on_the_suppliers_ship_date(
    order_status_supplier, simulator, mug_order
):
    # given the supplier holds PO-1001 back, shipping in a month
    ships = timezone.localdate() + timedelta(days=30)
    simulator.app.orders["PO-1001"] = SimulatedOrder(44, expected_ship_date=ships, explanation="Blue mugs on order")

    result = supplier_order_status_sync(supplier=order_status_supplier)

    # then the desk asked by PO number (query type 1), with the account and the clear password
    assert result.error == ""
    [asked] = simulator.app.requests
    assert asked == {
        "operation": "GetOrderStatusDetailsRequest",
        "wsVersion": "1.0.0",
        "id": SUPPLIER_USER,
        "password": SUPPLIER_PASSWORD,
        "queryType": "1",
        "referenceNumber": "PO-1001",
    }
    # and proposes a backorder of the 500 mugs (not of the setup charge), expected that day
    [proposal] = SupplierProposal.objects.all()
    assert (proposal.kind, proposal.status, proposal.purchase_order_item, proposal.quantity) == (
        Kind.BACKORDER,
        SupplierProposal.Status.PENDING,
        mug_order.po_mugs,
        500,
    )
    assert proposal.expected_date == ships
    assert (proposal.supplier_status_code, proposal.supplier_status) == ("44", "44 Back Order Hold")
    assert proposal.detail == "Blue mugs on order"
    # and the PO's activity says what the supplier reported, as the desk itself
    [row] = status_rows(mug_order.po)
    assert (row.actor, row.from_value, row.to_value) == (None, "", "44 Back Order Hold")
    assert "Blue mugs on order" in row.detail
    assert Activity.objects.filter(verb=PROPOSAL_VERB, to_value="Backorder").count() == 1
    # but nothing is backordered, flagged or moved until a person confirms
    mug_order.refresh()
    assert not Backorder.objects.exists()
    assert (mug_order.po.status, mug_order.po.stage) == ("none", "confirmed")
    assert mug_order.order.status == SalesOrder.Status.IN_PRODUCTION
    # and the supplier was checked just now, without error
    order_status_supplier.refresh_from_db()
    assert order_status_supplier.order_status_checked_at is not None
    assert order_status_supplier.order_status_error == ""


def test_the_same_status_again_writes_no_activity_and_no_second_proposal(order_status_supplier, simulator, mug_order):
    simulator.app.orders["PO-1001"] = SimulatedOrder(44)

    supplier_order_status_sync(supplier=order_status_supplier)
    before = snapshot(mug_order)
    second = supplier_order_status_sync(supplier=order_status_supplier)

    assert second.status_changed == [] and second.proposals == []
    assert snapshot(mug_order) == before
    assert len(status_rows(mug_order.po)) == 1
    assert SupplierProposal.objects.count() == 1


def test_a_new_status_is_recorded_from_the_previous_one(order_status_supplier, simulator, mug_order):
    simulator.app.orders["PO-1001"] = SimulatedOrder(20)
    supplier_order_status_sync(supplier=order_status_supplier)
    simulator.app.orders["PO-1001"] = SimulatedOrder(60, status_name="Decorating")
    supplier_order_status_sync(supplier=order_status_supplier)

    rows = status_rows(mug_order.po)
    assert [(row.from_value, row.to_value) for row in rows] == [
        ("", "20 Order Confirmed"),
        ("20 Order Confirmed", "60 Decorating"),  # the supplier's own name for the status
    ]
    assert not SupplierProposal.objects.exists()  # confirmed, in production: nothing to propose


def test_a_later_ship_date_proposes_moving_the_open_backorder(
    order_status_supplier, simulator, mug_order, production_rep, next_week
):
    # given 200 mugs already backordered, expected next week
    flagged = backorder_flag(
        purchase_order=mug_order.po,
        status="problem",
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Short of blue")],
        note="",
        by=production_rep,
        ready_to_invoice=False,
    )
    [backorder] = flagged.backorders
    # when the supplier now expects to ship two weeks later
    later = next_week + timedelta(days=14)
    simulator.app.orders["PO-1001"] = SimulatedOrder(44, expected_ship_date=later)

    supplier_order_status_sync(supplier=order_status_supplier)

    # then it proposes the later date for that backorder, and no second backorder of the mugs
    [proposal] = SupplierProposal.objects.all()
    assert (proposal.kind, proposal.backorder, proposal.expected_date) == (Kind.EXPECTED_DATE, backorder, later)
    assert proposal.purchase_order_item == mug_order.po_mugs
    # and the backorder itself keeps its date until someone confirms
    backorder.refresh_from_db()
    assert (backorder.expected_date, backorder.expected_date_changes) == (next_week, 0)


def test_an_earlier_or_equal_ship_date_proposes_nothing(
    order_status_supplier, simulator, mug_order, production_rep, next_week
):
    backorder_flag(
        purchase_order=mug_order.po,
        status="problem",
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Short of blue")],
        note="",
        by=production_rep,
        ready_to_invoice=False,
    )
    simulator.app.orders["PO-1001"] = SimulatedOrder(60, expected_ship_date=next_week)

    supplier_order_status_sync(supplier=order_status_supplier)

    assert not SupplierProposal.objects.exists()


@pytest.mark.parametrize(("status_id", "name"), [(75, "75 Partial Shipment"), (80, "80 Complete")])
def test_a_shipment_proposes_goods_ready(order_status_supplier, simulator, mug_order, status_id, name):
    simulator.app.orders["PO-1001"] = SimulatedOrder(status_id)

    supplier_order_status_sync(supplier=order_status_supplier)

    [proposal] = SupplierProposal.objects.all()
    assert (proposal.kind, proposal.purchase_order_item, proposal.supplier_status) == (Kind.GOODS_READY, None, name)
    mug_order.refresh()
    assert mug_order.po.stage == PurchaseOrder.Stage.CONFIRMED  # not moved silently


def test_a_dismissed_proposal_is_not_made_again_for_the_same_status(order_status_supplier, simulator, mug_order):
    simulator.app.orders["PO-1001"] = SimulatedOrder(80)
    supplier_order_status_sync(supplier=order_status_supplier)
    SupplierProposal.objects.update(status=SupplierProposal.Status.DISMISSED)

    supplier_order_status_sync(supplier=order_status_supplier)

    assert list(SupplierProposal.objects.values_list("status", flat=True)) == ["dismissed"]


def test_a_pending_proposal_follows_the_suppliers_new_date(order_status_supplier, simulator, mug_order):
    first = timezone.localdate() + timedelta(days=20)
    simulator.app.orders["PO-1001"] = SimulatedOrder(44, expected_ship_date=first)
    supplier_order_status_sync(supplier=order_status_supplier)
    simulator.app.orders["PO-1001"] = SimulatedOrder(44, expected_ship_date=first + timedelta(days=5))

    supplier_order_status_sync(supplier=order_status_supplier)

    [proposal] = SupplierProposal.objects.all()
    assert proposal.expected_date == first + timedelta(days=5)
    assert proposal.status == SupplierProposal.Status.PENDING


def test_a_ship_date_already_past_is_not_proposed_as_the_date(order_status_supplier, simulator, mug_order):
    simulator.app.orders["PO-1001"] = SimulatedOrder(44, expected_ship_date=timezone.localdate() - timedelta(days=3))

    supplier_order_status_sync(supplier=order_status_supplier)

    [proposal] = SupplierProposal.objects.all()
    assert proposal.kind == Kind.BACKORDER and proposal.expected_date is None  # the rep gives one on confirming


def test_only_open_purchase_orders_are_asked_about(order_status_supplier, simulator, mug_order):
    # given the supplier's other POs: one not yet sent, one ready for billing, one whose order is invoiced
    supplier = order_status_supplier
    for number, stage in (("PO-2001", "created"), ("PO-2002", "ready_for_billing"), ("PO-2003", "shipped")):
        another_po(number, supplier, stage)
    SalesOrder.objects.filter(purchase_orders__number="PO-2003").update(status=SalesOrder.Status.INVOICED)
    simulator.app.orders["PO-1001"] = SimulatedOrder(20)

    result = supplier_order_status_sync(supplier=supplier)

    assert [request["referenceNumber"] for request in simulator.app.requests] == ["PO-1001"]
    assert result.asked == ["PO-1001"]


def test_a_po_the_supplier_does_not_know_is_skipped_not_an_error(order_status_supplier, simulator, mug_order):
    other = another_po("PO-1002", order_status_supplier, "submitted")
    simulator.app.orders["PO-1001"] = SimulatedOrder(44)  # PO-1002 not entered at the supplier yet: "301"

    result = supplier_order_status_sync(supplier=order_status_supplier)

    assert (result.error, result.unknown) == ("", ["PO-1002"])
    assert SupplierProposal.objects.filter(purchase_order=mug_order.po).count() == 1
    assert status_rows(other) == []


def test_with_no_open_po_the_service_is_still_checked(order_status_supplier, simulator, mug_order):
    PurchaseOrder.objects.filter(pk=mug_order.po.pk).update(stage="created")

    result = supplier_order_status_sync(supplier=order_status_supplier)

    assert result.error == ""
    assert [request["operation"] for request in simulator.app.requests] == ["GetOrderStatusTypesRequest"]
    order_status_supplier.refresh_from_db()
    assert order_status_supplier.order_status_checked_at is not None


# --- a supplier that fails changes nothing -------------------------------------------------------


# What the supplier's page shows (a category every role may read), and what only the log says.
FAULTS = {
    "down": (
        "The service did not answer.",
        "{url} could not be reached (connection refused or no such host)",
    ),
    "slow": ("The service did not answer.", "{url} did not answer within 1 seconds"),
    "garbage": (
        "The service answered something that is not the order status service.",
        "{url} answered something that is not XML (HTTP 200)",
    ),
    "fault": (
        "The service answered with an error.",
        "{url} answered with a SOAP fault: Order status database is unavailable",
    ),
    "wrong_shape": (
        "The service answered something that is not the order status service.",
        "{url} answered in a shape the Order Status Service does not have: "
        "Unexpected element '{{http://www.promostandards.org/WSDL/OrderStatusService/1.0.0/}}Orders'",
    ),
}


@pytest.mark.parametrize("mode", list(FAULTS))
def test_a_failing_supplier_changes_nothing_and_says_why_on_the_supplier(
    order_status_supplier, simulator, mug_order, mode, caplog
):
    # given a good sync that left a pending proposal and a status row
    simulator.app.orders["PO-1001"] = SimulatedOrder(44, expected_ship_date=timezone.localdate() + timedelta(days=9))
    supplier_order_status_sync(supplier=order_status_supplier)
    order_status_supplier.refresh_from_db()
    checked_at = order_status_supplier.order_status_checked_at
    # and the supplier now says something new, which the desk must not half-apply
    simulator.app.orders["PO-1001"] = SimulatedOrder(80)
    before = snapshot(mug_order)
    url = simulator.url
    if mode == "down":
        simulator.stop()
    else:
        simulator.app.mode = mode

    with caplog.at_level(logging.WARNING, logger="backorders.order_status_sync"):
        result = supplier_order_status_sync(supplier=order_status_supplier)

    category, detail = FAULTS[mode]
    assert result.error == category
    assert snapshot(mug_order) == before
    order_status_supplier.refresh_from_db()
    assert order_status_supplier.order_status_error == category
    # the detail is for the log alone
    [logged] = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    assert logged.startswith(f"Order status sync of {order_status_supplier.name} failed: {category} Detail: ")
    assert detail.format(url=url) in logged
    assert order_status_supplier.order_status_error_at is not None
    assert order_status_supplier.order_status_checked_at == checked_at  # the last good check stays

    # and the next sync that gets an answer applies it and clears the error
    if mode == "down":
        simulator.start()
    simulator.app.mode = "ok"
    supplier_order_status_sync(supplier=order_status_supplier)
    order_status_supplier.refresh_from_db()
    assert (order_status_supplier.order_status_error, order_status_supplier.order_status_error_at) == ("", None)
    assert order_status_supplier.order_status_checked_at > checked_at
    assert SupplierProposal.objects.filter(kind=Kind.GOODS_READY).count() == 1


def test_a_wrong_password_changes_nothing_and_says_the_credentials_were_refused(
    order_status_supplier, simulator, mug_order, caplog
):
    simulator.app.orders["PO-1001"] = SimulatedOrder(44)
    simulator.app.password = "changed-at-the-supplier"
    before = snapshot(mug_order)

    with caplog.at_level(logging.WARNING, logger="backorders.order_status_sync"):
        result = supplier_order_status_sync(supplier=order_status_supplier)

    assert result.error == "The service refused the credentials: check the user id and the password."
    assert snapshot(mug_order) == before
    order_status_supplier.refresh_from_db()
    assert order_status_supplier.order_status_error == result.error
    assert f"{simulator.url} answered: 105: Authentication Credentials failed" in caplog.text
    assert SUPPLIER_PASSWORD not in caplog.text


def test_one_bad_answer_among_several_pos_applies_none_of_them(order_status_supplier, simulator, mug_order):
    # given two open POs, the first answered well and the second with a SOAP fault
    another_po("PO-1002", order_status_supplier, "submitted")
    simulator.app.orders["PO-1001"] = SimulatedOrder(44)
    simulator.app.orders["PO-1002"] = SimulatedOrder(80)
    app = simulator.app

    def fault_on_the_second_po(environ, start_response):
        if len(app.requests) == 1:
            app.mode = "fault"
        return app(environ, start_response)

    simulator.stop()
    simulator.app = fault_on_the_second_po
    simulator.start()
    before = snapshot(mug_order)

    result = supplier_order_status_sync(supplier=order_status_supplier)

    assert result.error == "The service answered with an error."
    assert [request["referenceNumber"] for request in app.requests] == ["PO-1001", "PO-1002"]
    assert snapshot(mug_order) == before  # PO-1001's good answer was not applied either
    assert not SupplierProposal.objects.exists()


def test_a_password_the_key_cannot_read_is_an_error_on_the_supplier(order_status_supplier, simulator, settings):
    settings.FIELD_ENCRYPTION_KEY = "Ry2tTNBBZJNUSlwVyg6N0h8gWsh8F0R3qX53oDUGvWc="  # another key than stored with

    result = supplier_order_status_sync(supplier=order_status_supplier)

    assert result.error == (
        "The stored password cannot be decrypted with the current FIELD_ENCRYPTION_KEY. "
        "Enter the password again on the supplier's page."
    )
    assert simulator.app.requests == []


def test_the_password_column_never_holds_the_clear_password(order_status_supplier):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT order_status_password_encrypted FROM projects_supplier WHERE id = %s", [order_status_supplier.pk]
        )
        [stored] = cursor.fetchone()
    assert SUPPLIER_PASSWORD not in stored
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert decrypt_secret(stored) == SUPPLIER_PASSWORD

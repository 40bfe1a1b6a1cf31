"""The numbered rules of the domain, one or more tests each."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_cancel, backorder_flag, backorder_resolve
from core.errors import TransitionNotAllowed, ValidationFailed
from invoicing.models import Invoice, InvoiceLine
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.void import invoice_void
from notifications.models import Notification
from projects.models import Activity, Note, SalesOrder, SalesOrderItem
from projects.selectors import sales_order_detail
from projects.services.notes import note_create, note_pin
from projects.services.sales_orders import ItemRequest, sales_order_update
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change
from tests.factories import PurchaseOrderFactory, PurchaseOrderItemFactory, UserFactory, goods_ready

S = SalesOrder.Status


def flag_200_mugs(mug_order, production_rep, next_week, **options):
    return backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Short on white mugs")],
        note=options.pop("note", "@sam @ivy 300 mugs can be invoiced now."),
        by=production_rep,
        **options,
    )


# Rule 1 ------------------------------------------------------------------------------------------


def test_rule_1_flag_is_one_transaction(mug_order, production_rep, next_week):
    result = flag_200_mugs(mug_order, production_rep, next_week)
    mug_order.refresh()
    assert mug_order.po.status == PurchaseOrder.Status.PROBLEM
    assert [b.quantity for b in result.backorders] == [200]
    assert result.note.pinned and {u.username for u in result.note.mentions.all()} == {"sam", "ivy"}
    assert mug_order.order.status == S.READY_TO_BE_INVOICED
    assert mug_order.mugs.backordered_quantity == 200


def test_rule_1_pin_and_move_can_be_unticked(mug_order, production_rep, next_week):
    result = flag_200_mugs(mug_order, production_rep, next_week, pin=False, ready_to_invoice=False)
    mug_order.refresh()
    assert result.note.pinned is False
    assert mug_order.order.status == S.IN_PRODUCTION


def test_rule_1_a_bad_mention_undoes_everything(mug_order, production_rep, next_week):
    with pytest.raises(ValidationFailed) as refused:
        flag_200_mugs(mug_order, production_rep, next_week, note="@sam @nobody please invoice")
    assert refused.value.errors == {"body": ["No active user is called @nobody."]}
    mug_order.refresh()
    assert mug_order.po.status == PurchaseOrder.Status.NONE
    assert Backorder.objects.count() == 0 and Note.objects.count() == 0
    assert mug_order.order.status == S.IN_PRODUCTION
    assert mug_order.mugs.backordered_quantity == 0


def test_rule_1_move_refused_when_nothing_is_ready(mug_order, production_rep, next_week):
    with pytest.raises(ValidationFailed) as refused:
        backorder_flag(
            purchase_order=mug_order.po,
            status=PurchaseOrder.Status.FOLLOW_UP,
            items=[
                BackorderRequest(mug_order.po_mugs, 500, next_week, "Nothing shipped"),
                BackorderRequest(mug_order.po_setup, 1, next_week, "Waits for the mugs"),
            ],
            note="All of it is late.",
            by=production_rep,
        )
    assert refused.value.errors == {
        "ready_to_invoice": ["Nothing on sales order SO-1001 is ready to invoice; untick the move."]
    }
    assert Backorder.objects.count() == 0


NOT_YET_IN_PRODUCTION = [S.NEW, S.PENDING_CLIENT_APPROVAL, S.CLIENT_CHANGE_REQUESTED, S.CLIENT_APPROVED]


@pytest.mark.parametrize(
    ("status", "label"),
    [
        (S.NEW, "New"),
        (S.PENDING_CLIENT_APPROVAL, "Pending Client Approval"),
        (S.CLIENT_CHANGE_REQUESTED, "Client Change Requested"),
        (S.CLIENT_APPROVED, "Client Approved"),
        (S.INVOICED, "Invoiced"),
        (S.CLOSED, "Closed"),
    ],
)
def test_rule_1_the_move_is_made_only_from_in_production_or_shipped(
    mug_order, production_rep, next_week, status, label
):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=status)
    activities = Activity.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        flag_200_mugs(mug_order, production_rep, next_week)
    assert refused.value.errors == {
        "ready_to_invoice": [
            f"Sales order SO-1001 is {label}; only an order In Production or Shipped moves to Ready to be "
            "Invoiced. Untick the move."
        ]
    }
    mug_order.refresh()
    assert (mug_order.order.status, mug_order.po.status) == (status, PurchaseOrder.Status.NONE)
    assert Backorder.objects.count() == 0 and Note.objects.count() == 0
    assert Activity.objects.count() == activities and Notification.objects.count() == 0


@pytest.mark.parametrize("status", NOT_YET_IN_PRODUCTION)
def test_rule_1_a_flag_without_the_move_is_fine_before_production(mug_order, production_rep, next_week, status):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=status)
    result = flag_200_mugs(mug_order, production_rep, next_week, ready_to_invoice=False)
    assert result.moved_to_ready is False
    assert SalesOrder.objects.get().status == status


def test_rule_1_a_shipped_order_moves_to_ready(mug_order, production_rep, next_week):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=S.SHIPPED)
    assert flag_200_mugs(mug_order, production_rep, next_week).moved_to_ready is True
    assert SalesOrder.objects.get().status == S.READY_TO_BE_INVOICED


# Rule 2 ------------------------------------------------------------------------------------------


def test_rule_2_ready_for_billing_resolves_backorders_and_readies_the_order(
    mug_order, production_rep, invoicing_rep, next_week
):
    flag_200_mugs(mug_order, production_rep, next_week)
    invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    assert SalesOrder.objects.get().status == S.IN_PRODUCTION

    purchase_order_stage_change(
        purchase_order=mug_order.po, stage=PurchaseOrder.Stage.READY_FOR_BILLING, by=production_rep
    )

    assert Backorder.objects.get().status == Backorder.Status.RESOLVED
    mug_order.refresh()
    assert mug_order.order.status == S.READY_TO_BE_INVOICED
    assert mug_order.mugs.backordered_quantity == 0
    automatic = Activity.objects.filter(actor=None, to_value="Ready to be Invoiced").get()
    assert "Ready for Billing" in automatic.detail
    # Rule 7: the automatic move tells the invoicing rep.
    assert Notification.objects.filter(recipient=invoicing_rep, kind=Notification.Kind.READY_TO_INVOICE).exists()


def test_rule_2_is_a_signal_received_by_the_backorder_workflow():
    from purchasing.signals import purchase_order_stage_changed

    receivers = [str(r) for r in purchase_order_stage_changed._live_receivers(PurchaseOrder)[0]]
    assert any("on_purchase_order_stage_changed" in r for r in receivers)


def test_rule_2_leaves_a_fully_invoiced_order_alone(mug_order, production_rep, invoicing_rep):
    goods_ready(mug_order.order.pk)
    invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    assert SalesOrder.objects.get().status == S.INVOICED
    purchase_order_stage_change(
        purchase_order=mug_order.po, stage=PurchaseOrder.Stage.READY_FOR_BILLING, by=production_rep
    )
    assert SalesOrder.objects.get().status == S.INVOICED


# Rule 3 ------------------------------------------------------------------------------------------


def test_rule_3_order_ships_when_every_po_has_shipped(mug_order, production_rep):
    second_po = PurchaseOrderFactory(sales_order=mug_order.order, stage=PurchaseOrder.Stage.SUBMITTED)
    PurchaseOrderItemFactory(purchase_order=second_po, sales_order_item=mug_order.setup, quantity=1)

    purchase_order_stage_change(purchase_order=mug_order.po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)
    assert SalesOrder.objects.get().status == S.IN_PRODUCTION  # the second PO has not shipped

    purchase_order_stage_change(purchase_order=second_po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)
    assert SalesOrder.objects.get().status == S.SHIPPED
    assert Activity.objects.filter(actor=None, to_value="Shipped").count() == 1


# Rules 4 and 5 -----------------------------------------------------------------------------------


def test_rule_4_invoice_only_while_ready_to_be_invoiced(mug_order, invoicing_rep):
    with pytest.raises(TransitionNotAllowed) as refused:
        invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    assert str(refused.value) == (
        "Sales order SO-1001 is In Production; invoices are issued only while it is Ready to be Invoiced."
    )
    assert Invoice.objects.count() == 0


def test_rule_4_database_check_stops_over_invoicing(mug_order):
    with pytest.raises(IntegrityError), transaction.atomic():
        SalesOrderItem.objects.filter(pk=mug_order.mugs.pk).update(invoiced_quantity=501)


def test_rule_5_invoice_that_leaves_nothing_is_final_and_invoices_the_order(mug_order, invoicing_rep):
    goods_ready(mug_order.order.pk)
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    assert invoice.kind == Invoice.Kind.FINAL
    assert invoice.due_date == invoice.date + timedelta(days=30)
    assert SalesOrder.objects.get().status == S.INVOICED


def test_rule_5_void_returns_quantities_and_readies_the_order(mug_order, invoicing_rep, manager):
    goods_ready(mug_order.order.pk)
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    invoice_void(invoice=invoice, reason="Wrong client", by=manager)
    mug_order.refresh()
    assert mug_order.mugs.invoiced_quantity == 0 and mug_order.setup.invoiced_quantity == 0
    assert mug_order.order.status == S.READY_TO_BE_INVOICED
    again = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    assert again.number == "INV-000002" and again.kind == Invoice.Kind.FINAL


def test_invoicing_less_than_ready_keeps_the_order_ready(mug_order, invoicing_rep):
    # No backorder: the rep chose to invoice part now, so the order still waits for the invoicing rep.
    goods_ready(mug_order.order.pk)
    invoice = invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 100)], by=invoicing_rep)
    assert invoice.kind == Invoice.Kind.PARTIAL
    assert SalesOrder.objects.get().status == S.READY_TO_BE_INVOICED


def test_cancelled_backorder_lets_the_order_be_invoiced_in_full(mug_order, production_rep, invoicing_rep, next_week):
    result = flag_200_mugs(mug_order, production_rep, next_week)
    invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    backorder_cancel(backorder=result.backorders[0], reason="Colour discontinued", by=production_rep)
    order = sales_order_detail(pk=mug_order.order.pk)
    mugs = next(item for item in order.items.all() if item.pk == mug_order.mugs.pk)
    assert (mugs.cancelled, mugs.remaining, mugs.backordered) == (200, 0, 0)
    assert order.status == S.INVOICED
    assert order.billing_status == SalesOrder.BillingStatus.FULLY_INVOICED


def test_resolved_backorder_cannot_be_resolved_again(mug_order, production_rep, next_week):
    backorder = flag_200_mugs(mug_order, production_rep, next_week).backorders[0]
    backorder_resolve(backorder=backorder, by=production_rep)
    with pytest.raises(TransitionNotAllowed) as refused:
        backorder_cancel(backorder=backorder, reason="Never mind", by=production_rep)
    assert str(refused.value) == "The backorder is Resolved; it cannot be cancelled."


# Rule 6 ------------------------------------------------------------------------------------------


def test_rule_6_items_are_fixed_once_invoiced(mug_order, sales_rep, invoicing_rep):
    goods_ready(mug_order.order.pk)
    invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 10)], by=invoicing_rep)
    with pytest.raises(TransitionNotAllowed) as refused:
        sales_order_update(
            sales_order=mug_order.order,
            items=[ItemRequest(description="Mug", quantity=600, unit_price=Decimal("4.00"))],
            by=sales_rep,
        )
    assert "has an invoice" in str(refused.value)
    assert SalesOrderItem.objects.get(pk=mug_order.mugs.pk).quantity == 500


# Rule 7 ------------------------------------------------------------------------------------------


def test_rule_7_mentions_notify_everyone_but_the_author_once_each(mug_order, production_rep, sales_rep, invoicing_rep):
    note_create(project=mug_order.order.project, body="@sam @ivy @pat and again @sam", by=production_rep)
    recipients = sorted(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == ["ivy", "sam"]
    assert set(Notification.objects.values_list("kind", flat=True)) == {Notification.Kind.MENTION}


def test_rule_7_notifications_roll_back_with_their_cause(mug_order, production_rep):
    with pytest.raises(RuntimeError), transaction.atomic():
        note_create(project=mug_order.order.project, body="@sam look", by=production_rep)
        raise RuntimeError("the request failed after the note")
    assert Notification.objects.count() == 0 and Note.objects.count() == 0


def test_rule_7_one_notification_per_event_and_recipient(mug_order, production_rep, sales_rep):
    note = note_create(project=mug_order.order.project, body="@sam look", by=production_rep)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            recipient=sales_rep, kind="mention", event_key=f"note:{note.pk}", project=note.project, message="x", url="/"
        )


def test_rule_7_flag_tells_the_mentioned_reps_once(mug_order, production_rep, sales_rep, invoicing_rep, next_week):
    flag_200_mugs(mug_order, production_rep, next_week)
    notifications = list(
        Notification.objects.values_list("recipient__username", "kind").order_by("recipient__username")
    )
    # The invoicing rep is mentioned, so the move to Ready to be Invoiced does not tell them twice.
    assert notifications == [("ivy", "backorder_flagged"), ("sam", "backorder_flagged")]


def test_inactive_users_cannot_be_mentioned(mug_order, production_rep):
    UserFactory(username="gone", is_active=False)
    with pytest.raises(ValidationFailed) as refused:
        note_create(project=mug_order.order.project, body="@gone hello", by=production_rep)
    assert refused.value.errors == {"body": ["No active user is called @gone."]}


def test_pin_and_unpin(mug_order, production_rep):
    note = note_create(project=mug_order.order.project, body="Plain note", by=production_rep)
    note_pin(note=note, pinned=True, by=production_rep)
    assert Note.objects.get().pinned
    with pytest.raises(TransitionNotAllowed):
        note_pin(note=note, pinned=True, by=production_rep)
    note_pin(note=note, pinned=False, by=production_rep)
    assert not Note.objects.get().pinned


# Counters agree with the rows they sum -----------------------------------------------------------


def test_counters_match_the_rows(mug_order, production_rep, invoicing_rep, manager, next_week):
    flag_200_mugs(mug_order, production_rep, next_week)
    first = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    invoice_void(invoice=first, reason="Typo", by=manager)
    invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 250)], by=invoicing_rep)
    for item in SalesOrderItem.objects.all():
        invoiced = (
            InvoiceLine.objects.filter(sales_order_item=item)
            .exclude(invoice__status=Invoice.Status.VOID)
            .aggregate(total=Sum("quantity"))["total"]
            or 0
        )
        backordered = (
            Backorder.objects.filter(purchase_order_item__sales_order_item=item, status="open").aggregate(
                total=Sum("quantity")
            )["total"]
            or 0
        )
        assert (item.invoiced_quantity, item.backordered_quantity) == (invoiced, backordered)

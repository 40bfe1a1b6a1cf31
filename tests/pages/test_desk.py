"""My desk: one page with a section per role, and everyone's unread notifications."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.services.issue import invoice_create
from notifications.models import Notification
from purchasing.models import PurchaseOrder
from tests.factories import PurchaseOrderFactory, PurchaseOrderItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(mug_order, production_rep, next_week):
    """200 mugs backordered on PO-1001, the note tagging the order and invoicing reps, the SO ready."""
    return backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short")],
        note="@sam @ivy 300 mugs and the setup charge can be invoiced now.",
        by=production_rep,
    )


def test_a_production_rep_sees_flagged_pos_and_open_backorders_overdue_first(
    mug_order, flagged, production_rep, signed_in, next_week
):
    late_po = PurchaseOrderFactory(number="PO-2001", status=PurchaseOrder.Status.FOLLOW_UP)
    late_item = PurchaseOrderItemFactory(purchase_order=late_po)
    late = Backorder.objects.create(
        purchase_order=late_po,
        purchase_order_item=late_item,
        quantity=5,
        expected_date=timezone.localdate() - timedelta(days=3),
        reason="Stuck in customs",
        raised_by=production_rep,
    )
    response = signed_in(production_rep).get(reverse("desk"))
    assert response.status_code == 200
    assert [po.number for po in response.context["flagged_purchase_orders"]] == ["PO-1001", "PO-2001"]
    assert [b.pk for b in response.context["open_backorders"]] == [late.pk, flagged.backorders[0].pk]
    page = response.content.decode()
    assert 'class="pill overdue">Overdue</span>' in page
    assert "ready_orders" not in response.context and "ready_count" not in response.context


def test_an_invoicing_rep_sees_ready_orders_with_pinned_notes_and_unsent_invoices(
    mug_order, flagged, invoicing_rep, signed_in
):
    response = signed_in(invoicing_rep).get(reverse("desk"))
    [order] = response.context["ready_orders"]
    assert (order.number, order.ready_amount, order.remaining_amount) == ("SO-1001", Decimal("1340"), Decimal("2190"))
    page = response.content.decode()
    assert "1,340.00" in page and "2,190.00" in page
    assert '<span class="mention">@ivy</span> 300 mugs' in page
    assert "flagged_purchase_orders" not in response.context
    # The flag note tagged Ivy: it is unread, and listed with a link to the inbox.
    assert [n.kind for n in response.context["notifications"]] == [Notification.Kind.BACKORDER_FLAGGED]
    assert f'href="{reverse("notification-inbox")}"' in page

    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    response = signed_in(invoicing_rep).get(reverse("desk"))
    assert [i.number for i in response.context["unsent_invoices"]] == [invoice.number]
    assert f'href="{reverse("invoice-detail", args=[invoice.pk])}"' in response.content.decode()


def test_a_manager_sees_both_and_the_totals(mug_order, flagged, manager, signed_in):
    response = signed_in(manager).get(reverse("desk"))
    context = response.context
    assert context["show_production"] and context["show_invoicing"] and context["show_totals"]
    assert (context["ready_count"], context["ready_sum"]) == (1, Decimal("1340"))
    assert (context["backorder_count"], context["backorder_value"]) == (1, Decimal("850"))
    page = response.content.decode()
    assert 'data-total="ready-sum">1,340.00<' in page and 'data-total="backorder-value">850.00<' in page


def test_a_sales_rep_sees_their_notifications_and_mentions(mug_order, flagged, sales_rep, signed_in):
    response = signed_in(sales_rep).get(reverse("desk"))
    assert not response.context["show_production"] and not response.context["show_invoicing"]
    assert len(response.context["notifications"]) == 1
    # The note that tagged Sam is in the notifications panel, so it is not listed again under mentions.
    assert response.context["mentions"] == []
    assert response.context["notifications"][0].event_key == f"note:{flagged.note.pk}"


def test_a_mention_already_read_is_listed_under_mentions(mug_order, flagged, sales_rep, signed_in):
    Notification.objects.filter(recipient=sales_rep).update(read_at=timezone.now())
    response = signed_in(sales_rep).get(reverse("desk"))
    assert response.context["notifications"] == []
    assert [note.pk for note in response.context["mentions"]] == [flagged.note.pk]


def test_only_the_latest_ten_unread_notifications_are_listed(mug_order, sales_rep, signed_in):
    for index in range(12):
        Notification.objects.create(
            recipient=sales_rep,
            kind=Notification.Kind.MENTION,
            event_key=f"test:{index}",
            project=mug_order.order.project,
            message=f"Message {index}",
            url="/",
        )
    Notification.objects.filter(event_key="test:11").update(read_at=timezone.now())
    response = signed_in(sales_rep).get(reverse("desk"))
    assert [n.message for n in response.context["notifications"]] == [f"Message {i}" for i in range(10, 0, -1)]


def test_the_desk_needs_a_signed_in_user(client):
    response = client.get(reverse("desk"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))

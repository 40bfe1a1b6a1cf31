"""Money waiting: the managers' home page, its three figures with their links, and its fixed query cost."""

from datetime import timedelta
from decimal import Decimal
from html import escape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.models import Invoice
from invoicing.services.issue import invoice_create
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder
from reports.money_waiting import week_start
from tests.factories import (
    PASSWORD,
    PurchaseOrderFactory,
    PurchaseOrderItemFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    goods_ready,
)

pytestmark = pytest.mark.django_db

# Session, user, the user's groups (the role check, cached on the user for the rest of the request),
# the figures (ready to invoice: the orders' count and their open items' amounts; open backorders by
# expected date, the trend's weeks of invoices, what is unpaid: one aggregation each, none over the
# whole history), and the navigation's unread count and Recent menu.
MONEY_WAITING_QUERIES = 10


@pytest.fixture
def flagged(mug_order, production_rep, next_week):
    """200 of the 500 mugs backordered for next week; the order moves to Ready to be Invoiced."""
    return backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short")],
        note="@sam @ivy 300 mugs and the setup charge can be invoiced now.",
        by=production_rep,
    )


def test_a_manager_lands_on_money_waiting_and_everyone_else_on_their_desk(manager, production_rep, signed_in):
    page = signed_in(manager).get("/")
    assert [t.name for t in page.templates][0] == "projects/money_waiting.html"
    assert "<h1>Money waiting</h1>" in page.content.decode()
    assert f'href="{reverse("desk")}"' in page.content.decode()  # the manager's desk is one click away
    desk = signed_in(production_rep).get("/")
    assert [t.name for t in desk.templates][0] == "projects/desk.html"
    assert "Money waiting" not in desk.content.decode()
    # My desk keeps its own address, for managers too.
    assert [t.name for t in signed_in(manager).get(reverse("desk")).templates][0] == "projects/desk.html"


def test_signing_in_leads_home(manager):
    client = Client()
    response = client.post(reverse("login"), {"username": manager.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/"
    assert "<h1>Money waiting</h1>" in client.get(response.url).content.decode()


def test_only_managers_see_money_waiting(invoicing_rep, signed_in, client):
    response = signed_in(invoicing_rep).get(reverse("money-waiting"))
    assert response.status_code == 403
    assert "This page is for Managers." in response.content.decode()
    response = client.get(reverse("money-waiting"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_each_figure_links_to_the_list_it_sums(mug_order, flagged, manager, invoicing_rep, signed_in, next_week):
    # Ready now: 300 mugs at 4.25 and the setup charge at 65.00; 200 mugs (850.00) wait for the backorder.
    response = signed_in(manager).get(reverse("money-waiting"))
    figures = response.context["figures"]
    assert (figures.ready.count, figures.ready.ready_amount) == (1, Decimal("1340.00"))
    assert (figures.ready.remaining_amount, figures.ready.backordered_amount) == (Decimal("2190.00"), Decimal("850.00"))
    assert (figures.blocked_count, figures.blocked_amount) == (1, Decimal("850.00"))
    [bucket] = [bucket for bucket in figures.blocked if bucket.count]
    assert bucket.first <= next_week <= bucket.last and bucket.amount == Decimal("850.00")
    assert (figures.unpaid_count, figures.unpaid_amount) == (0, Decimal("0.00"))
    page = response.content.decode()
    ready_url = reverse("sales-order-list") + "?status=ready_to_be_invoiced"
    assert f'<a href="{ready_url}" aria-describedby="ready-label">1,340.00</a>' in page
    assert f'<a href="{reverse("backorder-report")}" aria-describedby="blocked-label">850.00</a>' in page
    week_url = escape(f"{reverse('backorder-report')}?expected_from={bucket.first}&expected_to={bucket.last}")
    assert f'<a href="{week_url}">850.00</a>' in page

    # The invoice takes what was ready (1,340.00 + 8.25% tax = 1,450.55); the client pays 400.00 of it.
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    Invoice.objects.filter(pk=invoice.pk).update(paid_amount=Decimal("400.00"))
    response = signed_in(manager).get(reverse("money-waiting"))
    figures = response.context["figures"]
    assert (figures.ready.count, figures.ready.ready_amount) == (0, Decimal("0.00"))  # the order waits in production
    assert (figures.unpaid_count, figures.unpaid_amount) == (1, Decimal("1050.55"))
    this_week = figures.weeks[-1]
    assert this_week.start == week_start(timezone.localdate()) and len(figures.weeks) == 12
    assert (this_week.count, this_week.invoiced, this_week.unpaid_now) == (1, Decimal("1450.55"), Decimal("1050.55"))
    page = response.content.decode()
    unpaid_url = reverse("invoice-report") + "?balance_due=yes"
    assert f'<a href="{unpaid_url}" aria-describedby="unpaid-label">1,050.55</a>' in page
    week = f"date_from={this_week.start}&date_to={this_week.end}"
    assert f'<a href="{escape(reverse("invoice-report") + "?" + week)}">1,450.55</a>' in page
    assert f'<a href="{escape(reverse("invoice-report") + "?" + week + "&balance_due=yes")}">1,050.55</a>' in page
    # The chart repeats the table for the eye; the numbers are in the table as text.
    assert 'role="img" aria-labelledby="week-chart-title"' in page


def test_every_open_backorder_falls_in_exactly_one_line_by_expected_date(manager, production_rep, signed_in):
    today = timezone.localdate()
    item = SalesOrderItemFactory(quantity=100, unit_price=Decimal("1.00"))
    po = PurchaseOrderFactory(sales_order=item.sales_order)
    po_item = PurchaseOrderItemFactory(purchase_order=po, sales_order_item=item, quantity=100)
    expected = {
        "Overdue": today - timedelta(days=1),
        "This week": today,
        "Later": week_start(today) + timedelta(weeks=8),
        "No expected date": None,
    }
    for quantity, day in enumerate(expected.values(), start=1):
        Backorder.objects.create(
            purchase_order=po,
            purchase_order_item=po_item,
            quantity=quantity,
            expected_date=day,
            reason="Short",
            raised_by=production_rep,
        )
    Backorder.objects.create(
        purchase_order=po,
        purchase_order_item=po_item,
        quantity=50,
        expected_date=today,
        reason="Short",
        raised_by=production_rep,
        status=Backorder.Status.RESOLVED,
    )
    figures = signed_in(manager).get(reverse("money-waiting")).context["figures"]
    found = {bucket.label: bucket.amount for bucket in figures.blocked if bucket.count}
    assert found == {"Overdue": Decimal("1.00"), "This week": Decimal("2.00"), "Later": Decimal("3.00"),
                     "No expected date": Decimal("4.00")}  # fmt: skip
    assert figures.blocked_amount == sum(bucket.amount for bucket in figures.blocked) == Decimal("10.00")
    assert [bucket.label for bucket in figures.blocked] == [
        "Overdue", "This week", "Next week", *["Week of"] * 6, "Later", "No expected date"
    ]  # fmt: skip


def fill(rows: int, production_rep, invoicing_rep) -> None:
    """Rows in every figure: orders ready, open backorders over the weeks, invoices over the weeks."""
    today = timezone.localdate()
    for index in range(rows):
        order = SalesOrderFactory(status=SalesOrder.Status.READY_TO_BE_INVOICED)
        item = SalesOrderItemFactory(sales_order=order, quantity=10, unit_price=Decimal("3.00"))
        # As after flagging: the rest of the PO is declared shipping, so what is not backordered is ready.
        po = PurchaseOrderFactory(sales_order=order, rest_ships_declared_at=timezone.now())
        po_item = PurchaseOrderItemFactory(purchase_order=po, sales_order_item=item, quantity=10)
        Backorder.objects.create(
            purchase_order=po_item.purchase_order,
            purchase_order_item=po_item,
            quantity=2,
            expected_date=today + timedelta(days=5 * index),
            reason="Short",
            raised_by=production_rep,
        )
        invoice_create(sales_order=order, by=invoicing_rep, invoice_date=today - timedelta(days=6 * index), lines=None)
        goods_ready(order.pk)


@pytest.mark.parametrize("rows", [1, 15])
def test_money_waiting_costs_the_same_whatever_the_data(
    rows, manager, production_rep, invoicing_rep, signed_in, django_assert_num_queries
):
    fill(rows, production_rep, invoicing_rep)
    client = signed_in(manager)
    with django_assert_num_queries(MONEY_WAITING_QUERIES):
        response = client.get("/")
    figures = response.context["figures"]
    assert figures.ready.count == rows and figures.blocked_count == rows
    first_day = figures.weeks[0].start
    dates = [timezone.localdate() - timedelta(days=6 * index) for index in range(rows)]
    assert sum(week.count for week in figures.weeks) == sum(day >= first_day for day in dates)

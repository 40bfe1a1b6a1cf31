"""The Sales orders list: filters, totals of what remains and what is ready, rows, paging and query cost."""

from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import SalesOrder
from reports.sales_order_report import PAGE_SIZE
from tests.factories import ClientFactory, ProjectFactory, SalesOrderFactory, SalesOrderItemFactory
from tests.reports.conftest import signed_in

URL = reverse("sales-order-list")
# Session, user, the client choices, the totals (the orders' count, and the amounts of the items with
# something left), one page of rows with their amounts as subqueries, and the navigation's role check,
# unread count and Recent menu.
SALES_ORDER_LIST_QUERIES = 9


def order(*, status, client=None, items=((10, "2.50", 0, 0, 0),)) -> SalesOrder:
    """An order with items given as (quantity, unit price, invoiced, backordered, cancelled)."""
    project = ProjectFactory(client=client) if client else ProjectFactory()
    sales_order = SalesOrderFactory(project=project, status=status)
    for quantity, price, invoiced, backordered, cancelled in items:
        SalesOrderItemFactory(
            sales_order=sales_order,
            quantity=quantity,
            unit_price=Decimal(price),
            invoiced_quantity=invoiced,
            backordered_quantity=backordered,
            cancelled_quantity=cancelled,
        )
    return sales_order


@pytest.mark.django_db
def test_totals_and_rows_of_the_orders_ready_to_be_invoiced(invoicing_rep):
    acme = ClientFactory(name="Acme")
    ready = SalesOrder.Status.READY_TO_BE_INVOICED
    # Remaining 10 − 2 invoiced − 1 cancelled = 7, of which 3 backordered: 4 ready at 2.50; and 5 at 1.10.
    first = order(status=ready, client=acme, items=[(10, "2.50", 2, 3, 1), (5, "1.10", 0, 0, 0)])
    # More backordered than remains (an invoice took backordered goods): ready is 0, never negative.
    second = order(status=ready, items=[(4, "9.99", 3, 2, 0)])
    order(status=SalesOrder.Status.IN_PRODUCTION, client=acme, items=[(100, "1.00", 0, 0, 0)])

    response = signed_in(invoicing_rep).get(URL, {"status": ready})
    totals = response.context["totals"]
    assert totals.count == 2
    assert totals.remaining_amount == Decimal("17.50") + Decimal("5.50") + Decimal("9.99")
    assert totals.ready_amount == Decimal("10.00") + Decimal("5.50")
    assert totals.backordered_amount == Decimal("7.50") + Decimal("9.99")
    rows = response.context["rows"]
    assert [row["number"] for row in rows] == [second.number, first.number]
    assert (rows[1]["remaining_amount"], rows[1]["ready_amount"]) == (Decimal("23.00"), Decimal("15.50"))
    page = response.content.decode()
    assert 'data-total="ready">15.50<' in page and 'data-total="remaining">32.99<' in page
    assert f'href="{reverse("sales-order-detail", args=[first.pk])}"' in page

    by_client = signed_in(invoicing_rep).get(URL, {"client": acme.pk}).context["totals"]
    assert (by_client.count, by_client.remaining_amount) == (2, Decimal("123.00"))


@pytest.mark.django_db
def test_a_bad_filter_is_named_and_left_out(invoicing_rep):
    order(status=SalesOrder.Status.NEW)
    response = signed_in(invoicing_rep).get(URL, {"status": "sleeping"})
    assert response.status_code == 200 and len(response.context["rows"]) == 1
    assert "Select a valid choice. sleeping is not one of the available choices." in response.content.decode()


@pytest.mark.django_db
def test_pages_of_fifty_and_a_page_past_the_last_shows_the_last(invoicing_rep):
    for _ in range(PAGE_SIZE + 3):
        order(status=SalesOrder.Status.NEW)
    client = signed_in(invoicing_rep)
    assert len(client.get(URL).context["rows"]) == PAGE_SIZE
    last = client.get(URL, {"page": "99999999999999999999"})
    assert (last.context["page"], len(last.context["rows"])) == (2, 3)


@pytest.mark.django_db
def test_signed_out_it_asks_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("count", [2, 60])
@pytest.mark.django_db
def test_the_list_costs_the_same_whatever_the_number_of_orders(manager, django_assert_num_queries, count):
    for _ in range(count):
        order(status=SalesOrder.Status.READY_TO_BE_INVOICED, items=[(3, "1.00", 0, 0, 0), (2, "4.00", 1, 0, 0)])
    client = signed_in(manager)
    with django_assert_num_queries(SALES_ORDER_LIST_QUERIES):
        response = client.get(URL, {"status": "ready_to_be_invoiced"})
    assert len(response.context["rows"]) == min(count, PAGE_SIZE)
    assert response.context["totals"].remaining_amount == Decimal("7.00") * count

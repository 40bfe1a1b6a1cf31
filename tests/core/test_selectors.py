"""The figures selector: right numbers, and a constant number of queries for any list size."""

from decimal import Decimal

import pytest

from projects.models import SalesOrder
from projects.selectors import sales_order_items_with_figures, sales_order_list
from tests.factories import ProjectFactory, SalesOrderFactory, SalesOrderItemFactory


def make_orders(count: int) -> None:
    project = ProjectFactory()
    for index in range(count):
        order = SalesOrderFactory(project=project, number=f"SO-{8000 + index}")
        SalesOrderItemFactory(sales_order=order, quantity=10, unit_price=Decimal("1.50"), tax_rate=Decimal("10"))
        SalesOrderItemFactory(sales_order=order, quantity=1, unit_price=Decimal("20.00"), tax_rate=Decimal("0"))


@pytest.mark.parametrize("count", [5, 50])
def test_order_list_costs_two_queries_whatever_its_length(count, db, django_assert_num_queries):
    make_orders(count)
    # One query for the orders with their project, client, reps and summed figures; one for their items.
    with django_assert_num_queries(2):
        orders = list(sales_order_list())
        figures = [(o.remaining_amount, o.billing_status, [i.ready for i in o.items.all()]) for o in orders]
    assert len(figures) == count


def test_figures_of_a_partly_invoiced_backordered_item(db):
    item = SalesOrderItemFactory(
        quantity=500, unit_price=Decimal("4.25"), tax_rate=Decimal("8.25"), invoiced_quantity=250, cancelled_quantity=50
    )
    item.backordered_quantity = 220
    item.save()
    figures = sales_order_items_with_figures().get(pk=item.pk)
    assert (figures.ordered, figures.invoiced, figures.cancelled, figures.backordered) == (500, 250, 50, 220)
    assert figures.remaining == 200
    assert figures.ready == 0  # never below zero
    assert figures.remaining_amount == Decimal("850.00")
    assert figures.remaining_amount_gross == Decimal("920.13")
    order = sales_order_list().get(pk=item.sales_order_id)
    assert order.billing_status == SalesOrder.BillingStatus.PARTIALLY_INVOICED
    assert order.subtotal == Decimal("2125.00")

"""The invoicing rep's starting points: the mug order with 200 mugs backordered, signed-in clients."""

from decimal import Decimal

import pytest

from backorders.services import BackorderRequest, backorder_flag
from invoicing.services.issue import LineRequest, invoice_create
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder
from tests.factories import SalesOrderFactory, SalesOrderItemFactory


@pytest.fixture
def backordered_mug_order(mug_order, production_rep, next_week):
    """SO-1001 Ready to be Invoiced: 300 mugs and the setup charge ready, 200 mugs backordered."""
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short on white mugs")],
        note="@sam @ivy 300 mugs and the setup charge can be invoiced now; 200 mugs follow.",
        by=production_rep,
    )
    mug_order.refresh()
    assert mug_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED
    return mug_order


@pytest.fixture
def partial_invoice(backordered_mug_order, invoicing_rep):
    """INV-000001: 300 mugs and the setup charge, 1,450.55 with tax; 200 mugs remain."""
    return invoice_create(sales_order=backordered_mug_order.order, by=invoicing_rep)


@pytest.fixture
def ready_order(invoicing_rep):
    """An order with nothing backordered, Ready to be Invoiced: 100 caps at 12.00 and 40 bags at 3.35."""
    order = SalesOrderFactory(
        number="SO-2001",
        status=SalesOrder.Status.READY_TO_BE_INVOICED,
        project__invoicing_rep=invoicing_rep,
    )
    SalesOrderItemFactory(
        sales_order=order, description="Embroidered cap", quantity=100, unit_price=Decimal("12.00"), position=0
    )
    SalesOrderItemFactory(
        sales_order=order, description="Tote bag", quantity=40, unit_price=Decimal("3.35"), position=1
    )
    return order


def _signed_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def ivy_client(client, invoicing_rep):
    return _signed_in(client, invoicing_rep)


@pytest.fixture
def max_client(client, manager):
    return _signed_in(client, manager)


@pytest.fixture
def issue(invoicing_rep):
    """Issue an invoice through the service with (item, quantity) pairs."""

    def issue_lines(order, *pairs):
        return invoice_create(
            sales_order=order, lines=[LineRequest(item, quantity) for item, quantity in pairs], by=invoicing_rep
        )

    return issue_lines

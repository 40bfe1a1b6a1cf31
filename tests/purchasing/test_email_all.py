"""POs out in one step: the order's page lists the POs not emailed yet with their recipients, and "Email all"
sends them in one click; the PO page shows each line's cost and the PO's total."""

from decimal import Decimal

import pytest
from django.urls import reverse

from purchasing.models import PurchaseOrder
from tests.factories import PurchaseOrderFactory, PurchaseOrderItemFactory, SalesOrderItemFactory, SupplierFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_pos(mug_order):
    """The mug order's PO plus a second one, for pins from another supplier."""
    mug_order.po.supplier.email = "orders@mugs.example"
    mug_order.po.supplier.save()
    pins = SalesOrderItemFactory(sales_order=mug_order.order, description="Enamel pin", quantity=100)
    other = PurchaseOrderFactory(
        number="PO-1002", sales_order=mug_order.order, supplier=SupplierFactory(name="Pins Co", email="po@pins.example")
    )
    PurchaseOrderItemFactory(purchase_order=other, sales_order_item=pins)
    return mug_order.po, other


def test_the_order_page_lists_the_pos_to_email_with_their_recipients(client, sales_rep, mug_order, two_pos):
    client.force_login(sales_rep)
    page = client.get(reverse("sales-order-detail", args=[mug_order.order.pk])).content.decode()

    form = page[page.index('data-testid="email-all"') : page.index("</form>", page.index('data-testid="email-all"'))]
    assert "PO-1001" in form and "orders@mugs.example" in form
    assert "PO-1002" in form and "po@pins.example" in form
    assert "Email all (2)" in form


def test_email_all_sends_every_po_in_one_click(client, sales_rep, mug_order, two_pos):
    client.force_login(sales_rep)

    response = client.post(reverse("sales-order-purchase-orders-email", args=[mug_order.order.pk]), follow=True)

    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["Emailing PO-1001 to orders@mugs.example, PO-1002 to po@pins.example."]
    states = dict(PurchaseOrder.objects.values_list("number", "email_state"))
    assert states == {"PO-1001": "pending", "PO-1002": "pending"}
    assert 'data-testid="email-all"' not in response.content.decode()


def test_a_supplier_without_an_address_refuses_the_whole_step(client, sales_rep, mug_order, two_pos):
    PurchaseOrder.objects.filter(number="PO-1002").get().supplier.__class__.objects.filter(name="Pins Co").update(
        email=""
    )
    client.force_login(sales_rep)

    response = client.post(reverse("sales-order-purchase-orders-email", args=[mug_order.order.pk]), follow=True)

    shown = [str(message) for message in response.context["messages"]]
    assert shown == ["Pins Co has no email address; add one on the supplier page first."]
    assert set(PurchaseOrder.objects.values_list("email_state", flat=True)) == {"not_requested"}


def test_the_po_page_shows_each_line_cost_and_the_total(client, production_rep, mug_order):
    client.force_login(production_rep)
    page = client.get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()

    # 500 mugs at 2.10 and one setup at 40.00
    assert 'data-testid="po-line-cost">1,050.00<' in page
    assert 'data-testid="po-line-cost">40.00<' in page
    assert f'data-testid="po-total">{Decimal("1090.00"):,.2f}<' in page

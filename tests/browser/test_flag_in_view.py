"""After a flag the page shows what happened where the eye is; after a refusal the first error has the focus."""

import pytest
from playwright.sync_api import expect

from backorders.models import Backorder
from tests.browser.problems import refused_form
from tests.factories import PurchaseOrderItemFactory, SalesOrderItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def long_po(mug_order):
    """Ten more products on the PO, so its page is much taller than the window."""
    for position in range(2, 12):
        item = SalesOrderItemFactory(
            sales_order=mug_order.order, description=f"Tote bag, colour {position}", quantity=100, position=position
        )
        PurchaseOrderItemFactory(purchase_order=mug_order.po, sales_order_item=item, quantity=100)
    return mug_order


def in_view(page, locator) -> bool:
    box = locator.bounding_box()
    window = page.viewport_size
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= window["height"]


def test_the_new_backorder_and_the_message_are_in_view_after_flagging(
    page, sign_in, screenshot, long_po, production_rep, next_week
):
    sign_in(production_rep)
    page.goto(f"/purchase-orders/{long_po.po.pk}/")
    backorders = page.locator("#open-bo-title")
    assert not in_view(page, backorders), "the page is too short to tell"

    page.get_by_label("Backordered quantity of 11 oz mug, 2-colour print").fill("200")
    page.get_by_label("Expected date of 11 oz mug, 2-colour print").fill(next_week.isoformat())
    page.get_by_label("Reason").fill("Supplier short on white mugs")
    page.get_by_role("button", name="Flag backorder").click()

    message = page.get_by_role("status")
    expect(message).to_contain_text("Flagged 1 backorder on PO-1001; its status is Problem.")
    assert page.url.endswith(f"/purchase-orders/{long_po.po.pk}/#backorders")
    row = page.get_by_test_id("open-backorders").locator("tbody tr", has_text="11 oz mug, 2-colour print")
    expect(row).to_have_count(1)
    screenshot("flag-result-in-view")
    assert in_view(page, message), message.bounding_box()
    assert in_view(page, row), row.bounding_box()


# The flag is refused on purpose: the PO page comes back 400 with the error by the field.
@refused_form(r"/purchase-orders/\d+/flag/")
def test_a_refused_quantity_is_focused_and_in_view(page, sign_in, screenshot, long_po, production_rep, next_week):
    sign_in(production_rep)
    page.goto(f"/purchase-orders/{long_po.po.pk}/")
    quantity = page.get_by_label("Backordered quantity of 11 oz mug, 2-colour print")
    quantity.fill("600")
    page.get_by_label("Expected date of 11 oz mug, 2-colour print").fill(next_week.isoformat())
    page.get_by_label("Reason").fill("Supplier short")
    page.get_by_role("button", name="Flag backorder").click()

    expect(page.get_by_test_id("flag-errors")).to_be_visible()
    expect(quantity).to_be_focused()
    expect(quantity).to_have_value("600")
    assert in_view(page, quantity), quantity.bounding_box()
    screenshot("flag-error-focused")
    assert not Backorder.objects.exists()


# The flag is refused on purpose: the PO page comes back 400 with the error summary.
@refused_form(r"/purchase-orders/\d+/flag/")
def test_a_refusal_without_a_field_focuses_the_summary(page, sign_in, long_po, production_rep):
    sign_in(production_rep)
    page.goto(f"/purchase-orders/{long_po.po.pk}/")
    page.get_by_label("Reason").fill("Supplier short")
    page.get_by_role("button", name="Flag backorder").click()

    summary = page.get_by_test_id("flag-errors")
    expect(summary).to_contain_text("Tick at least one item that is backordered.")
    expect(summary).to_be_focused()
    assert in_view(page, summary)

"""One click back to what a rep opened, and to a report's saved filters."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_recent_menu_opens_what_was_opened_before(page, sign_in, mug_order, production_rep):
    sign_in(production_rep)
    page.goto(reverse("purchase-order-detail", args=[mug_order.po.pk]))
    page.goto(reverse("sales-order-detail", args=[mug_order.order.pk]))

    page.get_by_text("Recent", exact=True).click()
    menu = page.get_by_role("list", name="Recently opened")
    expect(menu.get_by_role("link")).to_have_count(2)
    expect(menu.get_by_role("link").first).to_contain_text("SO-1001")
    # Escape folds it away again
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    page.get_by_text("Recent", exact=True).click()
    menu.get_by_role("link", name="PO-1001").click()
    expect(page.get_by_role("heading", name="Purchase order PO-1001")).to_be_visible()


def test_saved_filters_are_applied_in_one_click(page, sign_in, production_rep):
    sign_in(production_rep)
    page.goto(reverse("backorder-report") + "?overdue=yes")
    page.get_by_label("Name", exact=True).fill("Overdue")
    page.get_by_role("button", name="Save these filters").click()
    expect(page.get_by_text("Saved these filters as “Overdue”.")).to_be_visible()

    page.goto(reverse("backorder-report"))
    page.get_by_test_id("saved-filters").get_by_role("link", name="Overdue").click()
    expect(page).to_have_url(f"{page.url.split('?')[0]}?overdue=yes")

    # deleting asks in the page's dialog first
    page.get_by_role("button", name="Delete Overdue").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete Overdue").click()
    expect(page.get_by_text("Deleted the saved filters “Overdue”.")).to_be_visible()
    expect(page.get_by_test_id("saved-filters").get_by_role("link")).to_have_count(0)

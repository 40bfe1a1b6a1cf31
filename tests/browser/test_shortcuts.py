"""One way of doing things: "/" puts the cursor in the header's search box from any page, as on most sites;
in a field, "/" is just typed. Sales orders are in the navigation."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_slash_focuses_the_search_box_but_types_in_a_field(page, sign_in, sales_rep, mug_order):
    sign_in(sales_rep)
    page.goto(reverse("project-list"))

    page.keyboard.press("/")
    expect(page.locator("#site-search")).to_be_focused()
    page.keyboard.type("SO-1001")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(reverse("sales-order-detail", args=[mug_order.order.pk])) + "$"))

    page.goto(reverse("project-list"))
    field = page.locator("#id_q")
    field.click()
    page.keyboard.press("/")
    expect(field).to_have_value("/")
    expect(page.locator("#site-search")).not_to_be_focused()


def test_sales_orders_are_in_the_navigation(page, sign_in, sales_rep):
    sign_in(sales_rep)
    page.goto(reverse("desk"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales orders").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("sales-order-list")) + "$"))
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales orders")
    expect(link).to_have_attribute("aria-current", "page")

"""On a phone (390 x 844) a report's filters fold behind a Filters button, and a list keeps its number, client and
amount on screen while its other columns scroll sideways inside the table, never the page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# Each list, and the columns of its first row that must be on screen: number, client, amount.
LISTS = {
    "project-list": ("project-rows", "amount"),
    "sales-order-list": ("sales-order-rows", "remaining"),
    "purchase-order-list": ("po-rows", "amount"),
    "invoice-report": ("report-rows", "total"),
    "backorder-report": ("backorder-rows", "value"),
}
REPORTS = {
    "invoice-report": "Filter invoices",
    "backorder-report": "Filter backorders",
    "sales-order-list": "Filter sales orders",
}

# Where a cell is against the window, and how wide the page is.
MEASURE = """(cell) => {
  const box = cell.getBoundingClientRect();
  return {left: box.left, right: box.right, innerWidth: window.innerWidth,
          scrollWidth: document.documentElement.scrollWidth};
}"""


@pytest.fixture
def page(new_context):
    """A phone-sized window: overrides the browser fixtures' page, so sign_in uses it."""
    return new_context(viewport=PHONE).new_page()


def on_screen(cell) -> dict:
    measured = cell.evaluate(MEASURE)
    assert measured["left"] >= 0 and measured["right"] <= measured["innerWidth"], measured
    return measured


@pytest.mark.parametrize("name", sorted(REPORTS))
def test_a_reports_filters_fold_behind_a_filters_button_and_open_with_one_click(name, page, sign_in, world):
    sign_in(world.manager)
    page.goto(reverse(name))
    filters = page.get_by_role("search", name=REPORTS[name])
    button = page.get_by_test_id("filters-toggle")
    # Folded: the button is there, the form is not.
    expect(button).to_be_visible()
    expect(button).to_contain_text("Filters")
    expect(filters).to_be_hidden()
    # One click shows every filter and Apply.
    button.click()
    expect(filters).to_be_visible()
    expect(filters.get_by_role("button", name="Apply filters")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # And a second folds them again.
    button.click()
    expect(filters).to_be_hidden()


def test_the_filters_button_counts_the_filters_in_use(page, sign_in, world):
    sign_in(world.manager)
    page.goto(reverse("sales-order-list") + f"?status=in_production&client={world.client.pk}")
    expect(page.get_by_test_id("filters-toggle")).to_have_text("Filters 2 active")


def test_on_a_wide_screen_the_filters_are_open_and_the_button_is_not_shown(new_context, sign_in, world):
    wide = new_context(viewport={"width": 1280, "height": 900}).new_page()
    sign_in(world.manager, window=wide)
    for name, label in REPORTS.items():
        wide.goto(reverse(name))
        expect(wide.get_by_role("search", name=label)).to_be_visible()
        expect(wide.get_by_test_id("filters-toggle")).to_be_hidden()


@pytest.mark.parametrize("name", sorted(LISTS))
def test_a_list_keeps_number_client_and_amount_on_screen_and_scrolls_the_rest(name, page, sign_in, world):
    rows_id, amount = LISTS[name]
    sign_in(world.manager)
    page.goto(reverse(name))
    first = page.get_by_test_id(rows_id).locator("tbody tr").first
    number = first.locator('td[data-col="number"]')
    client = first.locator('td[data-col="client"]')
    expect(client).to_have_text(world.client.name)
    for cell in (number, client, first.locator(f'td[data-col="{amount}"]')):
        measured = on_screen(cell)
    # The page itself does not scroll sideways: the table does, inside its wrapper.
    assert measured["scrollWidth"] <= PHONE["width"], measured
    wrapper = page.get_by_test_id(rows_id).locator("xpath=..")
    assert wrapper.evaluate("(wrap) => wrap.scrollWidth > wrap.clientWidth"), "the other columns should scroll"
    # Scrolled to its last column, the number stays in view.
    wrapper.evaluate("(wrap) => { wrap.scrollLeft = wrap.scrollWidth; }")
    on_screen(number)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

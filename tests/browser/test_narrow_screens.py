"""On a phone (390 px wide) every page of the desk fits the screen and the navigation folds behind a Menu button.

Every page is found by tests/browser/pages.py, which reads the URL configuration: a page added later
is looked at too, and one it cannot open fails here, naming the URL.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from backorders.status_links import status_link_token
from invoicing.client_links import client_link_token
from tests.browser.pages import KWARGS, QUERIES, SKIP, addresses, page_routes, unmapped

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def test_every_page_that_takes_arguments_is_mapped_or_skipped():
    missing = unmapped()
    assert not missing, (
        "Pages the browser tests cannot open: say in KWARGS of tests/browser/pages.py which "
        "object of the world each one shows (or in SKIP why it is not a page): " + "; ".join(missing)
    )


def test_every_entry_is_a_url():
    names = {route.name for route in page_routes()}
    stale = sorted((set(KWARGS) | set(SKIP) | set(QUERIES)) - names)
    assert not stale, f"entries for URLs that no longer exist: {stale}"


# The width of the document against the window's, and the elements that stick out past the window
# (outside a scrolling table wrapper), to name the culprit when a page is too wide.
MEASURE = """() => {
  const width = window.innerWidth;
  // Whether a scrolling or clipping box holds the element in: an absolutely positioned element escapes
  // every box up to its nearest positioned ancestor, a fixed one escapes them all.
  const clipped = (element) => {
    const position = getComputedStyle(element).position;
    if (position === "fixed") return false;
    let escaping = position === "absolute";
    for (let parent = element.parentElement; parent; parent = parent.parentElement) {
      const style = getComputedStyle(parent);
      if (escaping && style.position === "static") continue;
      escaping = false;
      if (style.overflowX !== "visible") return true;
    }
    return false;
  };
  const name = (element) => {
    const classes = typeof element.className === "string" ? element.className.trim().split(/\\s+/) : [];
    const id = element.id ? "#" + element.id : "";
    return element.tagName.toLowerCase() + id + classes.map((c) => c && "." + c).join("");
  };
  const wide = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width && box.right > width + 0.5 && !clipped(element)) {
      wide.push(name(element) + " (right edge " + Math.round(box.right) + ")");
    }
  }
  return {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: width, wide: wide.slice(0, 8)};
}"""


def overflow(page) -> str:
    """Say how a page is wider than the window, or return an empty string when it fits."""
    measured = page.evaluate(MEASURE)
    if measured["scrollWidth"] <= measured["innerWidth"]:
        return ""
    return (
        f"scrolls sideways: {measured['scrollWidth']} px wide in a {measured['innerWidth']} px window; "
        f"too wide: {', '.join(measured['wide']) or 'nothing named'}"
    )


@pytest.fixture
def page(new_context):
    """A phone-sized window: overrides the browser fixtures' page, so sign_in and screenshot use it."""
    return new_context(viewport=PHONE).new_page()


SCREENSHOT_PAGES = {
    "desk",
    "project-detail",
    "sales-order-detail",
    "sales-order-edit",
    "invoice-detail",
    "invoice-report",
    "search",
}


def test_every_page_fits_a_phone_and_folds_its_navigation(page, sign_in, screenshot, world):
    missing = unmapped()
    assert not missing, "Pages without an entry in KWARGS or SKIP: " + "; ".join(missing)
    sign_in(world.manager)
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    pages = addresses(world)
    problems = []
    for name, address in pages:
        response = page.goto(address)
        if response is None or response.status != 200:
            problems.append(f"{name} ({address}): answered {response.status if response else 'nothing'}")
            continue
        if too_wide := overflow(page):
            problems.append(f"{name} ({address}): {too_wide}")
        # The navigation is folded away behind a visible Menu button, which opens it.
        if not menu.is_visible():
            problems.append(f"{name} ({address}): no visible Menu button")
            continue
        if nav.is_visible():
            problems.append(f"{name} ({address}): the navigation is shown before the Menu button is pressed")
        menu.click()
        if menu.get_attribute("aria-expanded") != "true" or not nav.is_visible():
            problems.append(f"{name} ({address}): the Menu button does not open the navigation")
        elif too_wide := overflow(page):
            problems.append(f"{name} ({address}) with the menu open: {too_wide}")
        if name in SCREENSHOT_PAGES:
            screenshot(f"narrow-{name}-menu-open")
            menu.click()
            screenshot(f"narrow-{name}")
    assert not problems, "\n".join(problems)
    # Every page of the desk was looked at, the ones above among them.
    assert {"desk", "project-list", "project-detail", "sales-order-detail", "purchase-order-detail"} <= {
        name for name, _ in pages
    }


def test_the_menu_button_opens_and_closes_the_navigation_with_mouse_and_keyboard(page, sign_in, screenshot, world):
    sign_in(world.manager)
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    links = ("My desk", "Projects", "Purchase orders", "Backorders", "Invoices Report", "Notifications")

    # Folded: the button says so and the links are out of sight.
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_attribute("aria-controls", "site-menu")
    expect(nav).to_be_hidden()

    # A click shows every link of the navigation, and the sign-out button.
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    for link in links:
        expect(nav.get_by_role("link", name=link)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert not overflow(page)

    # A link of the open menu leads to its page, where the menu starts folded again.
    nav.get_by_role("link", name="Projects").click()
    expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()

    # The keyboard: Enter opens it, Tab reaches the links, Escape folds it and gives the focus back.
    menu.focus()
    page.keyboard.press("Enter")
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="My desk").focus()
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_be_focused()
    page.keyboard.press("Space")
    expect(nav).to_be_visible()
    page.keyboard.press("Space")
    expect(nav).to_be_hidden()


def test_the_search_box_is_on_a_phone_too(page, sign_in, screenshot, world):
    sign_in(world.manager)
    box = page.get_by_role("searchbox", name="Search projects, orders and invoices")
    expect(box).to_be_visible()
    box.fill("so-1001")
    box.press("Enter")
    expect(page.get_by_role("heading", name="Sales order SO-1001")).to_be_visible()
    assert not overflow(page)


def test_signed_out_pages_fit_a_phone(page, sign_in, screenshot, world):
    page.goto(reverse("login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert not overflow(page), overflow(page)
    # Signed out there is no navigation to fold.
    expect(page.get_by_role("button", name="Menu")).to_have_count(0)
    screenshot("narrow-sign-in")

    page.goto(reverse("invoice-client-view", args=[client_link_token(world.invoice)]))
    expect(page.get_by_role("heading", name="INVOICE")).to_be_visible()
    assert not overflow(page), overflow(page)
    screenshot("narrow-invoice-client-view")

    page.goto(reverse("order-status-client-view", args=[status_link_token(world.order)]))
    expect(page.get_by_role("heading", name=f"Order {world.order.number}")).to_be_visible()
    assert not overflow(page), overflow(page)
    screenshot("narrow-order-status-client-view")

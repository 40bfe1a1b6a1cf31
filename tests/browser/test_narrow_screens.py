"""On a phone (390 px wide) every page of the desk fits the screen and the navigation folds behind a Menu button.

The pages are read from the URL configuration, so a page added later is looked at too: one that
takes arguments needs an entry in KWARGS (which object of the world it shows), and a URL that is
not a page to look at needs an entry in SKIP saying why. Anything else fails, naming the URL.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from playwright.sync_api import expect

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.client_links import client_link_token
from invoicing.models import Invoice
from invoicing.services import invoice_create
from notifications.models import Notification
from projects.models import Client, Note, Project, PurchaseOrder, SalesOrder, Supplier
from projects.services import note_create
from tests.factories import SalesOrderFactory, SalesOrderItemFactory, UserFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}

# URLs under these prefixes are not pages of the desk: the API answers JSON, the admin is Django's own.
NOT_PAGES = ("api/", "admin/")

# Named URLs that are not pages to look at, and why.
SKIP = {
    # Signing in and out: the sign-in page is looked at signed out (test_signed_out_pages_fit_a_phone);
    # signed in it sends to the desk. Signing out is a POST.
    "login": "looked at signed out",
    "logout": "POST only",
    "healthz": "JSON for load balancers",
    "favicon": "the icon browsers ask for, not a page",
    # Forms post here; their pages are the project, sales order, PO and invoice pages.
    "note-create": "POST only",
    "note-pin": "POST only",
    "sales-order-status": "POST only",
    "purchase-order-stage": "POST only",
    "purchase-order-status": "POST only",
    "backorder-flag": "POST only",
    "backorder-resolve": "POST only",
    "backorder-cancel": "POST only",
    "invoice-send": "POST only",
    "invoice-status": "POST only",
    "invoice-void": "POST only",
    "purchase-order-email": "POST only",
    "notification-read": "POST only",
    "notification-read-all": "POST only",
    # htmx fragments swapped into a page (the note form's suggestions, the order editor's totals).
    "mention-suggestions": "htmx fragment",
    "sales-order-totals": "POST only: htmx fragment",
    # Downloads, not pages.
    "invoice-pdf": "PDF download",
    "purchase-order-pdf": "PDF download",
    "invoice-client-pdf": "PDF download",
    # The client's link is looked at signed out (test_signed_out_pages_fit_a_phone).
    "invoice-client-view": "looked at signed out",
}


@dataclass
class World:
    """A desk with something on every page: a project along the backorder story, and a second order to invoice."""

    manager: User
    client: Client
    supplier: Supplier
    project: Project
    order: SalesOrder
    ready_order: SalesOrder
    po: PurchaseOrder
    backorder: Backorder
    note: Note
    invoice: Invoice
    notification: Notification


# Which object of the world each page that takes arguments shows.
KWARGS: dict[str, Callable[[World], dict]] = {
    "client-detail": lambda world: {"pk": world.client.pk},
    "client-edit": lambda world: {"pk": world.client.pk},
    "supplier-detail": lambda world: {"pk": world.supplier.pk},
    "supplier-edit": lambda world: {"pk": world.supplier.pk},
    "project-detail": lambda world: {"pk": world.project.pk},
    "project-edit": lambda world: {"pk": world.project.pk},
    "sales-order-create": lambda world: {"pk": world.project.pk},
    "sales-order-detail": lambda world: {"pk": world.order.pk},
    # The order with no invoice yet: its items can still change, so the editor shows every field.
    "sales-order-edit": lambda world: {"pk": world.ready_order.pk},
    # The order with no PO yet, so the page proposes the POs to create.
    "sales-order-purchase-orders": lambda world: {"pk": world.ready_order.pk},
    "purchase-order-detail": lambda world: {"pk": world.po.pk},
    # An order Ready to be Invoiced, so the page shows its form rather than why it cannot.
    "invoice-create": lambda world: {"sales_order_pk": world.ready_order.pk},
    "invoice-detail": lambda world: {"pk": world.invoice.pk},
}

# Query strings that make a page show rows rather than its empty state.
QUERIES = {"search": "q=Northwind"}


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    arguments: tuple[str, ...]


def walk(patterns, prefix: str = "") -> list[Route]:
    """Every named URL of the site with its route and the names of its arguments."""
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found += walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            arguments = tuple(getattr(pattern.pattern, "converters", {})) or tuple(pattern.pattern.regex.groupindex)
            found.append(Route(pattern.name, prefix + str(pattern.pattern), arguments))
    return found


def page_routes() -> list[Route]:
    return [route for route in walk(get_resolver().url_patterns) if not route.route.startswith(NOT_PAGES)]


def unmapped() -> list[str]:
    """The page URLs that take arguments and have no entry in KWARGS or SKIP."""
    return [
        f"{route.name} (/{route.route}, takes {', '.join(route.arguments)})"
        for route in page_routes()
        if route.arguments and route.name not in KWARGS and route.name not in SKIP
    ]


def test_every_page_that_takes_arguments_is_mapped_or_skipped():
    missing = unmapped()
    assert not missing, (
        "Pages the narrow-screen test cannot open: say in KWARGS of tests/browser/test_narrow_screens.py which "
        "object of the world each one shows (or in SKIP why it is not a page): " + "; ".join(missing)
    )


def test_every_entry_is_a_url():
    names = {route.name for route in page_routes()}
    stale = sorted((set(KWARGS) | set(SKIP) | set(QUERIES)) - names)
    assert not stale, f"entries for URLs that no longer exist: {stale}"


@pytest.fixture
def world(settings, mug_order, production_rep, sales_rep, invoicing_rep) -> World:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    manager = UserFactory(
        username="morgan",
        first_name="Morgan",
        last_name="Montgomery-Featherstonehaugh",
        roles=["Production", "Sales", "Invoicing", "Managers"],
    )
    project = mug_order.order.project
    # Long names and an unbroken web address: what pushes a narrow page sideways if anything does.
    client = project.client
    client.name = "Northwind Promotional Products & Corporate Events International"
    client.billing_email = "accounts.payable.department@northwind-promotional-products.example.com"
    client.save()
    project.name = "Spring trade fair giveaways for the regional sales conference"
    project.save()
    mug_order.mugs.description = "11 oz ceramic mug, white, two-colour screen print on both sides, gift boxed"
    mug_order.mugs.save()
    supplier = mug_order.po.supplier
    supplier.name = "Consolidated Drinkware Manufacturing Company"
    supplier.save()

    flagged = backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[
            BackorderRequest(
                mug_order.po_mugs, 200, timezone.localdate() + timedelta(days=7), "Supplier short on white mugs"
            )
        ],
        note=(
            "@sam @ivy 300 mugs and the setup charge can be invoiced now; 200 mugs follow. Tracking: "
            "https://tracking.drinkware.example.com/shipments/1Z999AA10123456784?reference=PO-1001-backorder"
        ),
        by=production_rep,
    )
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    note_create(project=project, body="@morgan the client asked for the final invoice by Friday.", by=sales_rep)
    ready_order = SalesOrderFactory(number="SO-1002", project=project, status=SalesOrder.Status.READY_TO_BE_INVOICED)
    SalesOrderItemFactory(
        sales_order=ready_order,
        description="Embroidered six-panel cap, navy, left-front logo",
        quantity=120,
        unit_price=Decimal("12.40"),
        position=0,
    )
    SalesOrderItemFactory(sales_order=ready_order, description="Tote bag", quantity=40, unit_price=Decimal("3.35"))
    mug_order.order.refresh_from_db()
    return World(
        manager=manager,
        client=client,
        supplier=supplier,
        project=project,
        order=mug_order.order,
        ready_order=ready_order,
        po=mug_order.po,
        backorder=flagged.backorders[0],
        note=flagged.note,
        invoice=invoice,
        notification=Notification.objects.get(recipient=manager),
    )


def addresses(world: World) -> list[tuple[str, str]]:
    """(name, address) of every page of the desk, signed in."""
    found = []
    for route in page_routes():
        if route.name in SKIP:
            continue
        kwargs = KWARGS[route.name](world) if route.arguments else {}
        query = QUERIES.get(route.name)
        found.append((route.name, reverse(route.name, kwargs=kwargs) + (f"?{query}" if query else "")))
    return found


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
def page(browser, live_server):
    """A phone-sized window: overrides the browser fixtures' page, so sign_in and screenshot use it."""
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


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
        page.wait_for_load_state("networkidle")
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

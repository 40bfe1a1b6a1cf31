"""Keyboard and screen-reader users reach every page: a skip link comes first, and axe-core finds nothing serious.

axe-core comes from the npm registry at the version package-lock.json pins (`make install` runs
`npm ci`); the test reads it from node_modules and injects it into each page of tests/browser/pages.py.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from backorders.models import Backorder
from backorders.status_links import status_link_token
from invoicing.client_links import client_link_token
from invoicing.models import Invoice
from notifications.models import Notification
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder
from tests.browser.pages import addresses, unmapped
from tests.conftest import need_service

pytestmark = pytest.mark.browser

# The text of the first element in the document that the Tab key stops at.
FIRST_FOCUSABLE = """() => {
  const stops = document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, [tabindex]");
  const first = [...stops].find((element) => element.tabIndex >= 0 && !element.disabled);
  return first ? first.textContent.trim() : null;
}"""


def test_the_first_tab_lands_on_skip_to_content_which_jumps_to_the_main_content(page, sign_in, manager):
    sign_in(manager)
    for address in (reverse("desk"), reverse("project-list")):
        page.goto(address)
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        expect(skip).to_have_attribute("href", "#main")
        # Hidden until focused, then on screen where a sighted keyboard user sees it.
        box = skip.bounding_box()
        assert box and box["y"] >= 0 and box["width"] > 1 and box["height"] > 1
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
        assert page.evaluate("document.activeElement.id") == "main"
        expect(skip).not_to_be_in_viewport()


def test_the_skip_link_is_out_of_sight_until_focused(page, sign_in, manager):
    sign_in(manager)
    page.goto(reverse("desk"))
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_have_count(1)
    expect(skip).not_to_be_in_viewport()
    expect(page.locator("main#main")).to_have_count(1)


def test_signed_out_the_skip_link_comes_before_the_sign_in_form(page, db):
    page.goto(reverse("login"))
    # The user name field takes the focus on its own; the skip link is still the first stop of the page.
    expect(page.get_by_label("User name")).to_be_focused()
    first = page.evaluate(FIRST_FOCUSABLE)
    assert first == "Skip to content"


AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"

# What a person using a screen reader, a keyboard or weak eyes cannot get past; moderate and minor
# findings (a heading level skipped, say) are worth a look but do not lock anyone out.
BLOCKING = ("serious", "critical")

# Violations, and what axe-core leaves for review ("incomplete"), with the contrast it measured: it
# declines to judge one or two characters, such as the unread count's badge, though it measured them.
RUN_AXE = """async (blocking) => {
  const results = await axe.run(document, {resultTypes: ["violations", "incomplete"]});
  const found = (kind) => (result) => ({
    kind,
    rule: result.id,
    impact: result.impact,
    help: result.help,
    nodes: result.nodes.map((node) => ({
      target: node.target.join(" "),
      summary: (node.failureSummary || "").replace(/\\s+/g, " "),
      measured: node.any.map((check) => check.data || {}).find((data) => data.contrastRatio) || null,
    })),
  });
  return [...results.violations.map(found("violation")), ...results.incomplete.map(found("review"))]
    .filter((result) => blocking.includes(result.impact));
}"""


def too_faint(node: dict) -> bool:
    """Whether axe-core measured text below the contrast it needs, even where it left the verdict to a person."""
    measured = node["measured"]
    return bool(measured) and measured["contrastRatio"] < float(measured["expectedContrastRatio"].split(":")[0])


def blocking(found: dict) -> list[dict]:
    """The nodes of one axe-core finding that lock someone out."""
    if found["kind"] == "violation":
        return found["nodes"]
    # The rest axe-core leaves to a person, and rightly here: it cannot measure chart text drawn over
    # the chart's lines, nor read a table's scope="rowgroup" headers. Text it measured too faint is a verdict.
    return [node for node in found["nodes"] if too_faint(node)]


@pytest.fixture
def page(new_context):
    """A desktop window that lets axe-core in: the site's script policy refuses injected scripts, rightly."""
    return new_context(bypass_csp=True).new_page()


def blocking_violations(page) -> list[str]:
    """Run axe-core on the page and describe each serious or critical problem with the elements it found."""
    page.add_script_tag(path=str(AXE))
    problems = []
    for found in page.evaluate(RUN_AXE, list(BLOCKING)):
        if nodes := blocking(found):
            elements = "\n      ".join(f"{node['target']} ({node['summary']})" for node in nodes[:6])
            problems.append(f"{found['impact']} {found['rule']}: {found['help']}\n      {elements}")
    return problems


def test_axe_finds_nothing_serious_on_any_page(page, sign_in, world):
    need_service(AXE.exists(), f"the accessibility test needs axe-core at {AXE}: run `make install` (npm ci)")
    problems = [f"{missing}: no entry in KWARGS or SKIP of tests/browser/pages.py" for missing in unmapped()]

    def look(name: str, address: str) -> None:
        try:
            response = page.goto(address)
        except PlaywrightError as error:
            problems.append(f"{name} ({address}): {error.message.splitlines()[0]}")
            return
        if response is None or response.status != 200:
            problems.append(f"{name} ({address}): answered {response.status if response else 'nothing'}")
            return
        problems.extend(f"{name} ({address}): {violation}" for violation in blocking_violations(page))

    # Signed out: the sign-in page and the client's links to an invoice and to its order's status.
    look("login", reverse("login"))
    look("invoice-client-view", reverse("invoice-client-view", args=[client_link_token(world.invoice)]))
    look("order-status-client-view", reverse("order-status-client-view", args=[status_link_token(world.order)]))
    sign_in(world.manager)
    pages = addresses(world)
    for name, address in pages:
        look(name, address)
    print(f"axe-core looked at {len(pages) + 3} pages")
    assert not problems, "axe-core found serious or critical problems:\n" + "\n".join(problems)
    assert {"desk", "project-detail", "sales-order-detail", "purchase-order-detail", "invoice-detail"} <= {
        name for name, _ in pages
    }


# Every class a pill is drawn with: the value of the status, stage, kind or flag it shows.
PILLS = sorted(
    {
        *SalesOrder.Status.values,
        *SalesOrder.BillingStatus.values,
        *PurchaseOrder.Stage.values,
        *PurchaseOrder.Status.values,
        *Invoice.Status.values,
        *Invoice.Kind.values,
        *Backorder.Status.values,
        *Notification.Kind.values,
        "overdue",
    }
)

# Draw each pill (and the unread badge) in the main content and measure its text against its background.
CONTRASTS = """(classNames) => {
  const channels = (color) => color.match(/[\\d.]+/g).map(Number);
  const luminance = (color) => {
    const [r, g, b] = channels(color).slice(0, 3).map((c) => c / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (element) => {
    for (let node = element; node; node = node.parentElement) {
      const color = getComputedStyle(node).backgroundColor;
      if ((channels(color)[3] ?? 1) > 0) return color;
    }
    return "rgb(255, 255, 255)";
  };
  const main = document.querySelector("main");
  return classNames.map((className) => {
    const element = document.createElement("span");
    element.className = className;
    element.textContent = "Ready to be Invoiced";
    main.append(element);
    const [lighter, darker] = [luminance(getComputedStyle(element).color), luminance(background(element))]
      .sort((a, b) => b - a);
    return [className, Math.round(((lighter + 0.05) / (darker + 0.05)) * 100) / 100];
  });
}"""


def test_every_pill_and_badge_reads_at_4_5_to_1_or_more(page, sign_in, manager):
    sign_in(manager)
    page.goto(reverse("desk"))
    # Each page links the stylesheets it needs; here all of them at once, the site-wide one first.
    sheets = sorted((Path(settings.BASE_DIR) / "static" / "css").glob("*.css"), key=lambda path: path.name != "app.css")
    for sheet in sheets:
        page.add_style_tag(path=str(sheet))
    measured = dict(page.evaluate(CONTRASTS, ["badge", "pill", *(f"pill {value}" for value in PILLS)]))
    too_faint = {name: ratio for name, ratio in measured.items() if ratio < 4.5}
    assert not too_faint, f"text of these reads below 4.5:1 against its background: {too_faint}"
    assert len(measured) == len(PILLS) + 2


def test_the_unread_count_is_read_out_as_words(page, sign_in, world):
    # The world holds one unread notification for the manager.
    sign_in(world.manager)
    page.goto(reverse("desk"))
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Notifications (1 unread)", exact=True)).to_be_visible()
    expect(page.get_by_test_id("unread-count")).to_have_text("1")

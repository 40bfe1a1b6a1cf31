"""A production rep's day in the browser: flag a backorder with a tagged note, then ready the PO for billing."""

import re

import pytest
from playwright.sync_api import expect

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.services.issue import invoice_create
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder
from tests.browser.problems import refused_form
from tests.factories import PurchaseOrderItemFactory, SalesOrderItemFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gift_boxes(mug_order):
    """A second product on the mug order and its PO: 500 gift boxes at 1.50."""
    boxes = SalesOrderItemFactory(
        sales_order=mug_order.order, description="Gift box", quantity=500, unit_price="1.50", position=2
    )
    return PurchaseOrderItemFactory(purchase_order=mug_order.po, sales_order_item=boxes, quantity=500)


def test_production_rep_flags_a_backorder_then_readies_the_po(
    page, sign_in, screenshot, mug_order, gift_boxes, production_rep, invoicing_rep, manager, next_week
):
    # Pat signs in and lands on their desk.
    sign_in(production_rep)
    expect(page.get_by_role("heading", name="My desk")).to_be_visible()

    # Pat opens the project from the projects list, then its purchase order.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Projects").click()
    page.get_by_label("Search projects", exact=True).fill("mugs")
    page.get_by_role("button", name="Show projects").click()
    page.get_by_role("link", name="P-1001 Spring fair mugs").click()
    expect(page.get_by_role("heading", name="P-1001 Spring fair mugs")).to_be_visible()
    page.get_by_role("link", name="PO-1001").click()
    expect(page.get_by_role("heading", name="Purchase order PO-1001")).to_be_visible()

    # The note starts with the order rep and the invoicing rep tagged and what can be invoiced now.
    note = page.get_by_label("Note to the project")
    expect(note).to_have_value(re.compile(r"^@sam @ivy Ready to invoice now: 500 × 11 oz mug"))

    # Pat ticks the mugs and the gift boxes, with quantities and the supplier's date.
    page.get_by_label("Backorder 11 oz mug, 2-colour print").check()
    page.get_by_label("Backordered quantity of 11 oz mug, 2-colour print").fill("200")
    page.get_by_label("Expected date of 11 oz mug, 2-colour print").fill(next_week.isoformat())
    page.get_by_label("Backordered quantity of Gift box").fill("100")  # typing a quantity ticks the row
    expect(page.get_by_label("Backorder Gift box")).to_be_checked()
    page.get_by_label("Expected date of Gift box").fill(next_week.isoformat())
    page.get_by_label("Reason").fill("Supplier short on white mugs and boxes")
    expect(page.get_by_label("Problem")).to_be_checked()

    # The note now says what is ready and what waits.
    expect(note).to_have_value(
        "@sam @ivy Ready to invoice now: 300 × 11 oz mug, 2-colour print, 1 × Setup charge, 400 × Gift box. "
        f"Backordered: 200 × 11 oz mug, 2-colour print expected {next_week.isoformat()}, "
        f"100 × Gift box expected {next_week.isoformat()}. "
    )

    # Pat also tags the manager, picking him from the suggestions.
    note.press("End")
    note.press_sequentially("FYI @ma")
    page.get_by_role("option", name=re.compile("Max Manager")).click()
    expect(note).to_have_value(re.compile(r"FYI @max $"))
    expect(page.get_by_label("Pin this note")).to_be_checked()
    expect(page.get_by_label("Move the sales order to Ready to be Invoiced")).to_be_checked()
    screenshot("flag-form")

    page.get_by_role("button", name="Flag backorder").click()
    expect(page.get_by_role("status")).to_contain_text("Flagged 2 backorders on PO-1001; its status is Problem.")
    expect(page.get_by_test_id("po-status")).to_have_text("Problem")
    expect(page.get_by_test_id("open-backorders").locator("tbody tr")).to_have_count(2)

    # On the overview, the note is pinned on top and the sales order is Ready to be Invoiced.
    page.get_by_role("link", name="P-1001 Spring fair mugs").click()
    pinned = page.get_by_test_id("pinned-notes")
    expect(pinned).to_contain_text("Ready to invoice now: 300 × 11 oz mug")
    expect(pinned.locator(".mention", has_text="@ivy")).to_be_visible()
    expect(page.get_by_test_id("project-sales-orders").get_by_test_id("so-status")).to_have_text("Ready to be Invoiced")
    expect(page.get_by_test_id("project-backorders").locator("tbody tr")).to_have_count(2)
    screenshot("project-overview")

    # Meanwhile the invoicing rep invoices what is ready; the order waits in production.
    invoice_create(sales_order=SalesOrder.objects.get(pk=mug_order.order.pk), by=invoicing_rep)
    assert SalesOrder.objects.get(pk=mug_order.order.pk).status == SalesOrder.Status.IN_PRODUCTION

    # Later the goods arrive: Pat sets the PO to Ready for Billing.
    page.get_by_test_id("project-purchase-orders").get_by_role("link", name="PO-1001").click()
    page.get_by_label("Move the stage to").select_option(label="Ready for Billing")
    page.get_by_role("button", name="Move stage").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Sales order SO-1001 moved to Ready to be Invoiced and 2 backorders were resolved."
    )
    expect(page.get_by_test_id("po-stage")).to_have_text("Ready for Billing")
    expect(page.get_by_text("No open backorders on this purchase order.")).to_be_visible()
    assert not Backorder.objects.filter(status=Backorder.Status.OPEN).exists()
    assert PurchaseOrder.objects.get(pk=mug_order.po.pk).stage == PurchaseOrder.Stage.READY_FOR_BILLING

    page.get_by_role("link", name="P-1001 Spring fair mugs").click()
    expect(page.get_by_test_id("project-sales-orders").get_by_test_id("so-status")).to_have_text("Ready to be Invoiced")
    expect(page.get_by_text("No open backorders.")).to_be_visible()


def test_the_pages_fit_a_tablet(page, sign_in, screenshot, mug_order, gift_boxes, production_rep, manager, next_week):
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short on white mugs")],
        note="@sam @ivy Ready to invoice now: 300 × 11 oz mug, 2-colour print, 1 × Setup charge, 500 × Gift box.",
        by=production_rep,
    )
    page.set_viewport_size({"width": 800, "height": 1100})
    sign_in(manager)
    pages = {
        "desk-tablet": "/",
        "project-overview-tablet": f"/projects/{mug_order.order.project.pk}/",
        "flag-form-tablet": f"/purchase-orders/{mug_order.po.pk}/",
    }
    for name, url in pages.items():
        page.goto(url)
        # Wide tables scroll inside their own box; the page itself never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), name
        screenshot(name)


# The flag is refused on purpose: the PO page comes back 400 with the error by the field.
@refused_form(r"/purchase-orders/\d+/flag/")
def test_a_refused_flag_shows_the_error_by_the_field_and_keeps_the_input(
    page, sign_in, screenshot, mug_order, production_rep, next_week
):
    sign_in(production_rep)
    page.goto(f"/purchase-orders/{mug_order.po.pk}/")
    page.get_by_label("Backordered quantity of 11 oz mug, 2-colour print").fill("600")
    page.get_by_label("Expected date of 11 oz mug, 2-colour print").fill(next_week.isoformat())
    page.get_by_label("Reason").fill("Supplier short")
    page.get_by_label("Note to the project").fill("@sam @ivy check the mugs")
    page.get_by_role("button", name="Flag backorder").click()

    row = page.get_by_test_id("flag-row").filter(has_text="11 oz mug")
    expect(row.locator(".field-error")).to_have_text(
        "Backordered quantity must be from 1 to 500 (the PO item's quantity less its other open backorders)."
    )
    expect(page.get_by_label("Backordered quantity of 11 oz mug, 2-colour print")).to_have_value("600")
    expect(page.get_by_label("Backorder 11 oz mug, 2-colour print")).to_be_checked()
    expect(page.get_by_label("Note to the project")).to_have_value("@sam @ivy check the mugs")
    expect(page.get_by_test_id("po-status")).to_have_text("No problem")
    screenshot("flag-form-error")
    assert not Backorder.objects.exists()


def test_a_tagged_note_is_pinned_and_unpinned_in_place(page, sign_in, mug_order, production_rep, invoicing_rep):
    sign_in(production_rep)
    page.goto(f"/projects/{mug_order.order.project.pk}/")
    note = page.get_by_label("Note", exact=True)
    note.press_sequentially("Hello @i")
    expect(page.get_by_role("option")).to_have_count(1)
    page.keyboard.press("Enter")  # the only suggestion is taken
    expect(note).to_have_value("Hello @ivy ")
    note.press_sequentially("and <script>alert(1)</script>")
    page.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status")).to_have_text("Your note is saved.")

    # Pinning swaps the notes in place: the page is not reloaded.
    page.evaluate("window.stillTheSamePage = true")
    page.get_by_role("button", name="Pin to top").click()
    pinned = page.get_by_test_id("pinned-notes")
    expect(pinned).to_contain_text("Hello @ivy and <script>alert(1)</script>")
    expect(pinned.locator(".mention")).to_have_text("@ivy")
    expect(page.get_by_test_id("other-notes")).to_contain_text("No other notes yet.")
    page.get_by_role("button", name="Unpin").click()
    expect(pinned).to_contain_text("No pinned notes.")
    assert page.evaluate("window.stillTheSamePage") is True

"""Each rep's day, walked in the browser, counting what it costs: clicks, and fields typed or chosen.

Every task starts where the rep already is (the project, the order, the desk) and ends when the work is
saved. The counts are asserted against what the desk must not exceed, and each test writes its row to
test-results/rep-days.md, so a run shows the table:

| role | task | clicks | fields | measured before |
"""

import os
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.models import Invoice
from projects.models import SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, Supplier
from tests.factories import (
    ClientFactory,
    ProjectFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    SupplierFactory,
    goods_ready,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_browser_dialogs"),
]

TABLE = Path(os.environ.get("TEST_OUTPUT_DIR", "test-results")) / "rep-days.md"


@dataclass
class Tally:
    """What one person does for one task: each click, and each field typed in or chosen."""

    page: Page
    clicks: int = 0
    fields: int = 0

    def click(self, target: Locator) -> None:
        target.click()
        self.clicks += 1

    def fill(self, target: Locator, value: str) -> None:
        target.fill(value)
        self.fields += 1

    def choose(self, target: Locator, label: str) -> None:
        target.select_option(label=label)
        self.fields += 1

    def record(self, role: str, task: str, before: str) -> None:
        TABLE.parent.mkdir(parents=True, exist_ok=True)
        with TABLE.open("a") as table:
            table.write(f"| {role} | {task} | {self.clicks} | {self.fields} | {before} |\n")
        print(f"{role}: {task}: {self.clicks} clicks, {self.fields} fields (before: {before})")


@pytest.fixture
def repeat_client(sales_rep, production_rep, invoicing_rep):
    """Harbor Fair, a client who has ordered before: mugs from Mugs & Co with Ace Print's setup charge."""
    client = ClientFactory(name="Harbor Fair", default_tax_rate=Decimal("8.25"))
    mugs = SupplierFactory(name="Mugs & Co", email="orders@mugs.example.com")
    printer = SupplierFactory(name="Ace Print", email="po@aceprint.example.com")
    last_year = SalesOrderFactory(
        project=ProjectFactory(number="P-0900", client=client, order_rep=sales_rep), status=SalesOrder.Status.CLOSED
    )
    SalesOrderItemFactory(
        sales_order=last_year, description="11 oz mug", supplier=mugs, unit_price="4.25", unit_cost="2.10"
    )
    SalesOrderItemFactory(
        sales_order=last_year,
        kind=SalesOrderItem.Kind.SERVICE,
        description="Setup charge",
        supplier=printer,
        quantity=1,
        unit_price="65.00",
        unit_cost="40.00",
    )
    project = ProjectFactory(
        number="P-1001",
        name="Spring fair",
        client=client,
        order_rep=sales_rep,
        production_rep=production_rep,
        invoicing_rep=invoicing_rep,
    )
    return project


def test_sales_writes_an_order_of_five_items_from_two_suppliers_and_emails_its_pos(
    page, sign_in, screenshot, sales_rep, repeat_client
):
    project = repeat_client
    sign_in(sales_rep)
    page.goto(project.get_absolute_url())

    day = Tally(page)
    day.click(page.get_by_role("link", name="New sales order"))
    day.fill(page.get_by_label("In-hands date"), "2030-05-01")
    rows = page.locator("[data-item-row]")

    # Two items the client had last time, one click each: only the quantity is typed.
    day.click(page.get_by_role("button", name=re.compile(r"^Add 11 oz mug")))
    expect(rows.nth(0).get_by_label("Supplier")).to_have_value(str(Supplier.objects.get(name="Mugs & Co").pk))
    day.fill(rows.nth(0).get_by_label("Quantity"), "500")
    day.click(page.get_by_role("button", name=re.compile(r"^Add Setup charge")))
    day.fill(rows.nth(1).get_by_label("Quantity"), "1")
    expect(rows).to_have_count(2)

    # A new item: the row starts with the supplier and tax rate of the row above; the rep changes the supplier.
    day.click(page.get_by_role("button", name="Add an item"))
    third = rows.nth(2)
    expect(third.get_by_label("Supplier")).to_have_value(rows.nth(1).get_by_label("Supplier").input_value())
    expect(third.get_by_label("Tax %")).to_have_value("8.25")
    day.fill(third.get_by_label("Description"), "Tote bag, natural")
    day.choose(third.get_by_label("Supplier"), "Mugs & Co")
    day.fill(third.get_by_label("Quantity"), "200")
    day.fill(third.get_by_label("Unit price"), "6.50")

    # The same tote in navy: duplicated, then only what differs is typed.
    day.click(page.get_by_role("button", name="Duplicate item 3"))
    fourth = rows.nth(3)
    expect(fourth.get_by_label("Unit price")).to_have_value("6.50")
    day.fill(fourth.get_by_label("Description"), "Tote bag, navy")
    day.fill(fourth.get_by_label("Quantity"), "100")

    # A fifth from the same supplier: carried from the row above.
    day.click(page.get_by_role("button", name="Add an item"))
    fifth = rows.nth(4)
    day.fill(fifth.get_by_label("Description"), "Lanyard")
    day.fill(fifth.get_by_label("Quantity"), "300")
    day.fill(fifth.get_by_label("Unit price"), "1.20")

    # The total and the margin follow: 2,125 + 65 + 1,300 + 650 + 360 = 4,500.00 net.
    expect(page.get_by_test_id("order-subtotal")).to_have_text("4,500.00")
    expect(rows.nth(0).get_by_test_id("row-margin")).to_have_text("1,075.00 (50.6%)")
    expect(page.get_by_test_id("order-margin")).to_contain_text("1,100.00")
    expect(page.get_by_test_id("margin-uncosted")).to_have_text("· 3 items with no cost left out")
    screenshot("order-entry-one-line-rows")
    day.click(page.get_by_role("button", name="Create sales order"))
    expect(page.get_by_text(re.compile(r"Sales order SO-\d+ is written\."))).to_be_visible()
    day.record("sales", "sales order, 5 items from 2 suppliers", "6 clicks, 27 fields")

    order = SalesOrder.objects.get(project=project)
    assert [(i.description, i.supplier.name, i.quantity, i.tax_rate) for i in order.items.order_by("position")] == [
        ("11 oz mug", "Mugs & Co", 500, Decimal("8.25")),
        ("Setup charge", "Ace Print", 1, Decimal("8.25")),
        ("Tote bag, natural", "Mugs & Co", 200, Decimal("8.25")),
        ("Tote bag, navy", "Mugs & Co", 100, Decimal("8.25")),
        ("Lanyard", "Mugs & Co", 300, Decimal("8.25")),
    ]
    assert (day.clicks, day.fields) == (7, 12)
    assert day.fields <= 15

    # The POs: reviewed and created, then out to both suppliers.
    page.get_by_role("link", name="Create purchase orders").click()
    page.get_by_role("button", name="Create 2 purchase orders").click()
    expect(page.get_by_test_id("email-all")).to_contain_text("orders@mugs.example.com")
    mail.outbox.clear()
    day = Tally(page)
    day.click(page.get_by_role("button", name="Email all (2)"))
    expect(page.get_by_role("status")).to_contain_text("Emailing")
    day.record("sales", "email the 2 POs it made", "8 clicks, 0 fields")
    assert sorted(message.to[0] for message in mail.outbox) == ["orders@mugs.example.com", "po@aceprint.example.com"]
    assert set(PurchaseOrder.objects.values_list("email_state", flat=True)) == {"sent"}
    assert (day.clicks, day.fields) == (1, 0)


def test_production_confirms_a_po_and_resolves_a_backorder_from_the_desk(
    page, sign_in, mug_order, production_rep, next_week
):
    PurchaseOrder.objects.filter(pk=mug_order.po.pk).update(stage=PurchaseOrder.Stage.SUBMITTED)
    sign_in(production_rep)
    page.goto("/")

    # Confirmed: the PO waits on the desk.
    day = Tally(page)
    day.click(page.get_by_test_id("desk-awaiting").get_by_role("link", name="PO-1001"))
    day.choose(page.get_by_label("Move the stage to"), "Confirmed")
    day.click(page.get_by_role("button", name="Move stage"))
    expect(page.get_by_test_id("po-stage")).to_have_text("Confirmed")
    day.record("production", "find a PO and mark it Confirmed", "3 clicks, 1 field")
    assert (day.clicks, day.fields) == (2, 1)

    # A backorder, flagged earlier, is resolved when the goods come in.
    backorder_flag(
        purchase_order=PurchaseOrder.objects.get(pk=mug_order.po.pk),
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short on white mugs")],
        note="@sam 300 mugs can be invoiced now.",
        ready_to_invoice=False,
        by=production_rep,
    )
    page.goto("/")
    day = Tally(page)
    day.click(page.get_by_test_id("desk-backorders").get_by_role("link", name="PO-1001"))
    day.click(page.get_by_test_id("open-backorders").get_by_role("button", name="Resolve: goods ready"))
    dialog = page.get_by_role("dialog", name="Resolve this backorder?")
    expect(dialog.get_by_label("Also move PO-1001 to Ready for Billing")).to_be_checked()
    day.click(dialog.get_by_role("button", name="Yes, resolve"))
    expect(page.get_by_test_id("po-stage")).to_have_text("Ready for Billing")
    day.record("production", "resolve a backorder", "3 clicks, 0 fields")
    assert Backorder.objects.get().status == Backorder.Status.RESOLVED
    assert (day.clicks, day.fields) == (3, 0)


def test_invoicing_issues_a_partial_invoice_from_the_desk(
    page, sign_in, mug_order, production_rep, invoicing_rep, next_week
):
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short on white mugs")],
        note="@ivy 300 mugs and the setup charge can be invoiced now.",
        by=production_rep,
    )
    sign_in(invoicing_rep)
    page.goto("/")

    day = Tally(page)
    ready = page.get_by_test_id("desk-ready")
    expect(ready).to_be_in_viewport()
    day.click(ready.get_by_role("link", name="Create invoice"))
    expect(page.get_by_label("Quantity of 11 oz mug, 2-colour print to invoice")).to_have_value("300")
    day.click(page.get_by_role("button", name="Issue invoice"))
    day.click(page.get_by_role("dialog").get_by_role("button", name="Issue invoice"))
    expect(page.get_by_text(re.compile(r"Issued partial invoice INV-\d+"))).to_be_visible()
    day.record("invoicing", "issue a partial invoice", "4 clicks, 0 fields")
    assert Invoice.objects.get().kind == "partial"
    assert (day.clicks, day.fields) == (3, 0)


@pytest.mark.parametrize(
    ("role", "work_list"),
    [("invoicing_rep", "desk-ready"), ("production_rep", "desk-awaiting"), ("sales_rep", "desk-my-orders")],
)
def test_each_desk_shows_its_first_piece_of_work_without_scrolling_at_1366x900(
    new_context, sign_in, request, mug_order, role, work_list
):
    PurchaseOrder.objects.filter(pk=mug_order.po.pk).update(stage=PurchaseOrder.Stage.SUBMITTED)
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=SalesOrder.Status.READY_TO_BE_INVOICED)
    goods_ready(mug_order.order.pk)
    page = sign_in(
        request.getfixturevalue(role), window=new_context(viewport={"width": 1366, "height": 900}).new_page()
    )
    page.goto("/")

    first = page.get_by_test_id(work_list).locator("tbody tr").first
    expect(first).to_be_in_viewport()
    assert first.bounding_box()["y"] + first.bounding_box()["height"] <= 900

"""A manager in the browser: supplier performance over a wider period, sorted by p90, downloaded as CSV."""

import csv
import io
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backorders.models import Backorder
from purchasing.models import PurchaseOrder
from tests.factories import PurchaseOrderFactory, PurchaseOrderItemFactory, SupplierFactory

pytestmark = pytest.mark.browser


def lines_written(supplier, *, days_ago: int, count: int):
    po = PurchaseOrderFactory(supplier=supplier)
    PurchaseOrder.objects.filter(pk=po.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return [PurchaseOrderItemFactory(purchase_order=po, quantity=10) for _ in range(count)]


def resolved_late(line, *, days: int) -> None:
    """A backorder promised 60 days ago and resolved `days` later: its lateness does not depend on today."""
    promised = timezone.localdate() - timedelta(days=60)
    Backorder.objects.create(
        purchase_order=line.purchase_order,
        purchase_order_item=line,
        quantity=1,
        expected_date=promised,
        first_expected_date=promised,
        reason="Short at the supplier",
        status=Backorder.Status.RESOLVED,
        closed_at=timezone.make_aware(datetime.combine(promised + timedelta(days=days), time(12))),
        raised_by=line.purchase_order.project.production_rep,
    )


@pytest.fixture
def three_suppliers(settings):
    # Before the manager is made (the test asks for this first), so her password is hashed the same way.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Acme: 4 of 5 lines backordered (80 %), days late 0, 5, 10, 20: p90 17.0.
    acme = lines_written(SupplierFactory(name="Acme Mugs"), days_ago=10, count=5)
    for line, days in zip(acme, (0, 5, 10, 20), strict=False):
        resolved_late(line, days=days)
    # Bolt: 1 of 2 lines (50 %), 30 days late: p90 30.0.
    bolt = lines_written(SupplierFactory(name="Bolt Bags"), days_ago=10, count=2)
    resolved_late(bolt[0], days=30)
    # Crown: its one PO is 200 days old, outside the last 90 days; its line backordered, 3 days late.
    (crown,) = lines_written(SupplierFactory(name="Crown Caps"), days_ago=200, count=1)
    resolved_late(crown, days=3)


def column(page, key: str):
    """The table's cells of one column, top to bottom (expect retries until the page shows them)."""
    return page.get_by_test_id("performance-rows").locator(f'tbody td[data-col="{key}"]')


def test_manager_widens_the_period_sorts_by_p90_and_downloads_the_csv(
    three_suppliers, page, sign_in, screenshot, manager
):
    today = timezone.localdate()
    # given a manager signed in, on the suppliers list
    sign_in(manager)
    page.goto("/suppliers/")

    # when she opens supplier performance
    page.get_by_role("link", name="Supplier performance").click()
    expect(page.get_by_role("heading", name="Supplier performance")).to_be_visible()

    # then the last 90 days show, worst share first; Crown has no PO in them
    expect(page.get_by_label("PO date from")).to_have_value((today - timedelta(days=89)).isoformat())
    expect(page.get_by_label("PO date to")).to_have_value(today.isoformat())
    expect(column(page, "supplier")).to_have_text(["Acme Mugs", "Bolt Bags", "Crown Caps"])
    crown = page.locator("tr", has=page.get_by_role("link", name="Crown Caps"))
    expect(crown.locator('td[data-col="lines"]')).to_have_text("0")
    expect(crown.locator('td[data-col="share"]')).to_have_text("—")

    # when she widens the period to the last year
    page.get_by_label("PO date from").fill((today - timedelta(days=365)).isoformat())
    page.get_by_role("button", name="Show figures").click()

    # then Crown's old PO counts: all of its one line backordered, first
    expect(page.get_by_label("PO date from")).to_have_value((today - timedelta(days=365)).isoformat())
    expect(column(page, "supplier")).to_have_text(["Crown Caps", "Acme Mugs", "Bolt Bags"])
    expect(crown.locator('td[data-col="share"]')).to_have_text("100.0")
    screenshot("supplier-performance")

    # when she sorts by p90 days late
    page.get_by_role("link", name="p90 days late").click()

    # then the latest supplier comes first, the header says so, and the period is kept
    expect(column(page, "supplier")).to_have_text(["Bolt Bags", "Acme Mugs", "Crown Caps"])
    expect(page.locator('th[data-col="p90"]')).to_have_attribute("aria-sort", "descending")
    assert page.locator('th[data-col="share"]').get_attribute("aria-sort") is None
    expect(column(page, "p90")).to_have_text(["30.0", "17.0", "3.0"])
    expect(page.get_by_label("PO date from")).to_have_value((today - timedelta(days=365)).isoformat())

    # when she downloads the CSV
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    raw = open(download.path(), "rb").read()

    # then it holds the table's rows in the table's order, with a byte order mark for Excel
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [
        (row["supplier"], row["po_lines"], row["share_backordered_percent"], row["p90_days_late"]) for row in rows
    ] == [
        ("Bolt Bags", "2", "50.0", "30.0"),
        ("Acme Mugs", "5", "80.0", "17.0"),
        ("Crown Caps", "1", "100.0", "3.0"),
    ]
    assert download.suggested_filename == f"supplier-performance-{today.isoformat()}.csv"

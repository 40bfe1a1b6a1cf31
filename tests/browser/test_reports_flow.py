"""A manager in the browser: the Invoices Report filtered to one client and last month, its totals, chart and CSV."""

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import ClientFactory, UserFactory
from tests.reports.conftest import Desk, month_start

pytestmark = pytest.mark.browser


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


@pytest.fixture
def a_year_of_invoices(invoicing_rep, production_rep, manager):
    """Two clients invoiced every month for a year: partials and finals, one paid, one void."""
    desk = Desk(invoicing_rep=invoicing_rep, production_rep=production_rep, manager=manager)
    acme = ClientFactory(name="Acme Promotions")
    globex = ClientFactory(name="Globex Events")
    rep = UserFactory(username="ann", first_name="Ann", last_name="Archer", roles=["Sales"])
    today = timezone.localdate()
    for months_ago in range(12):
        start = month_start(months_ago)
        for client, day, price in ((acme, 3, "12.50"), (globex, 12, "8.75")):
            on = min(start + timedelta(days=day + months_ago % 5), today)
            order = desk.order(client=client, rep=rep, prices=[price, "45.00"], quantity=20 + 10 * (months_ago % 4))
            if months_ago % 3 == 0:
                desk.invoice(order, on=on)  # one final invoice
            else:
                desk.invoice(order, on=on, quantities=[10, 1], status="paid" if months_ago == 4 else "")
                later = min(on + timedelta(days=9), today)
                if months_ago % 3 == 1:
                    desk.invoice(order, on=later, status="void" if months_ago == 7 else "")
    return acme


def test_manager_filters_the_report_checks_totals_and_exports_csv(
    page, sign_in, screenshot, manager, a_year_of_invoices
):
    acme = a_year_of_invoices
    # given a manager signed in
    sign_in(manager)

    # when she opens the Invoices Report from the navigation
    page.get_by_role("link", name="Invoices Report").click()
    expect(page.get_by_role("heading", name="Invoices Report")).to_be_visible()
    expect(page.get_by_test_id("chart").locator("svg")).to_be_visible()
    screenshot("invoices-report")

    # and filters by a client and last month
    page.get_by_label("Client", exact=True).select_option(label=acme.name)
    page.get_by_role("button", name="Last month").click()
    page.wait_for_load_state("networkidle")

    # then the dates are last month's and every row is that client's, in that month
    first, last = month_start(1), month_start(0) - timedelta(days=1)
    expect(page.get_by_label("From", exact=True)).to_have_value(first.isoformat())
    expect(page.get_by_label("To", exact=True)).to_have_value(last.isoformat())
    rows = page.get_by_test_id("report-rows").locator("tbody tr")
    count = rows.count()
    assert count >= 1
    for index in range(count):
        cells = rows.nth(index).locator("td")
        assert cells.nth(1).inner_text() == acme.name
        # Shown in the company's DATE_FORMAT (M j, Y by default), e.g. "Nov 4, 2026".
        assert first <= datetime.strptime(cells.nth(3).inner_text(), "%b %d, %Y").date() <= last

    # and the totals are the rows' sums (void rows are listed but add nothing)
    totals = page.get_by_test_id("totals")
    assert int(totals.locator('[data-total="count"]').inner_text()) == count
    counted = rows.locator(":scope:not(.void)")
    for column in ("subtotal", "tax", "total"):
        cells = counted.locator(f'td[data-col="{column}"]').all_inner_texts()
        assert money(totals.locator(f'[data-total="{column}"]').inner_text()) == sum(map(money, cells)), column
    expect(page.get_by_test_id("chart").locator("g.bar")).to_have_count(1)
    screenshot("invoices-report-filtered")

    # when she exports the CSV
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    download = download_info.value
    raw = open(download.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the file as UTF-8 from its byte order mark
    text = raw.decode("utf-8-sig")

    # then it holds the same rows
    exported = list(csv.DictReader(io.StringIO(text)))
    assert len(exported) == count
    assert {row["client"] for row in exported} == {acme.name}
    shown = rows.locator("td:first-child").all_inner_texts()
    assert [row["number"] for row in exported] == shown
    assert download.suggested_filename.startswith("invoices-report-")

"""An invoicing rep in the browser: filters the Invoices Report, ticks two invoices and exports them to QuickBooks."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from invoicing.models import Invoice
from tests.factories import ClientFactory, UserFactory
from tests.reports.conftest import Desk

pytestmark = pytest.mark.browser


@pytest.fixture
def three_open_invoices(invoicing_rep, production_rep, manager):
    """Acme's three open invoices (one of two lines) and one of Globex's."""
    desk = Desk(invoicing_rep=invoicing_rep, production_rep=production_rep, manager=manager)
    acme = ClientFactory(name="Acme Promotions")
    globex = ClientFactory(name="Globex Events")
    rep = UserFactory(roles=["Sales"])
    today = timezone.localdate()
    acme_invoices = [
        desk.invoice(desk.order(client=acme, rep=rep, prices=["4.25", "65.00"], quantity=10), on=today),
        desk.invoice(desk.order(client=acme, rep=rep, prices=["12.40"], quantity=3), on=today - timedelta(days=1)),
        desk.invoice(desk.order(client=acme, rep=rep, prices=["1.99"], quantity=7), on=today - timedelta(days=2)),
    ]
    desk.invoice(desk.order(client=globex, rep=rep, prices=["9.00"]), on=today)
    return acme, acme_invoices


def test_rep_exports_two_filtered_invoices_to_quickbooks(page, sign_in, screenshot, invoicing_rep, three_open_invoices):
    acme, (mugs, caps, pens) = three_open_invoices
    # given the invoicing rep on the Invoices Report, filtered to one client
    sign_in(invoicing_rep)
    page.get_by_role("link", name="Invoices Report").click()
    page.get_by_label("Client", exact=True).select_option(label=acme.name)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state("networkidle")
    rows = page.get_by_test_id("report-rows").locator("tbody tr")
    expect(rows).to_have_count(3)

    # when she ticks two invoices, chooses QuickBooks Online and downloads
    page.get_by_label(mugs.number, exact=True).check()
    page.get_by_label(caps.number, exact=True).check()
    page.get_by_label("Format").select_option(label="QuickBooks Online (invoice import CSV)")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download and mark exported").click()
    download = download_info.value

    # then the file holds exactly those two invoices, one row per line, in QuickBooks' columns
    raw = open(download.path(), "rb").read()
    assert raw.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    exported = list(reader)
    assert reader.fieldnames[:4] == ["*InvoiceNo", "*Customer", "*InvoiceDate", "*DueDate"]
    assert [row["*InvoiceNo"] for row in exported] == [mugs.number, mugs.number, caps.number]
    assert {row["*Customer"] for row in exported} == {acme.name}
    assert [row["*ItemAmount"] for row in exported] == ["42.50", "650.00", "37.20"]
    assert download.suggested_filename == f"quickbooks-online-invoices-{timezone.localdate().isoformat()}.csv"
    # and the page says what was exported
    expect(page.get_by_role("status").filter(has_text="Exported 2 invoices")).to_have_text(
        "Exported 2 invoices to QuickBooks Online."
    )
    screenshot("accounting-export-done")

    # and after a reload the two rows are Exported, the third still Open
    page.reload()
    statuses = {
        row.locator("td").nth(0).inner_text().strip(): row.locator("td").nth(4).inner_text().strip()
        for row in rows.all()
    }
    assert statuses == {mugs.number: "Exported", caps.number: "Exported", pens.number: "Open"}
    assert set(Invoice.objects.filter(status=Invoice.Status.EXPORTED).values_list("number", flat=True)) == {
        mugs.number,
        caps.number,
    }

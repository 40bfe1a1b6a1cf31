"""A manager moves in: a QuickBooks customer list imported through the pages, one row refused, then confirmed."""

import pytest
from playwright.sync_api import expect

from imports.models import ImportRun
from projects.models import Client, SalesOrder
from tests.factories import ClientFactory

pytestmark = pytest.mark.browser

# As QuickBooks exports a customer list and Excel saves it ("CSV UTF-8", with a byte order mark), with a
# column the desk does not keep and one row a person typed wrong.
CUSTOMERS = (
    "\ufeffCustomer,Email,Bill to,Terms,Tax Rate,Customer ID,Open Balance\r\n"
    'Harbor Fair Events,ap@harborfair.example.com,"9 Pier Road\nPortland, OR 97201",Net 45,8.25%,C-1001,1200.00\r\n'
    "Blue Ridge Outfitters,billing@blueridge.example.com,,Net 30,,C-1002,0.00\r\n"
    "Cedar & Sons Café,accounts@cedarsons.example.com,,Due on receipt,,C-1003,310.50\r\n"
    "Dunes Marketing,dunes@example.com,,-3,,C-1004,0.00\r\n"
    "Elm Street Fair,hello@elmstreet.example.com,1 Elm St,Net 60,7.5,C-1005,0.00\r\n"
).encode()


def test_a_manager_imports_a_client_list_previewed_with_its_refused_row(page, sign_in, manager, screenshot):
    sign_in(manager)

    # Max finds Import data beside Company settings and picks the clients.
    page.get_by_role("link", name="Import data").click()
    page.get_by_role("link", name="Import clients").click()
    expect(page.get_by_role("heading", name="Import clients")).to_be_visible()
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        {"name": "customers.csv", "mimeType": "text/csv", "buffer": CUSTOMERS}
    )
    page.get_by_role("button", name="Preview the import").click()

    # The preview: four to create, the row typed wrong named by row, column and reason; nothing written yet.
    expect(page.get_by_role("heading", name="Preview: customers.csv")).to_be_visible()
    expect(page.get_by_test_id("count-created")).to_have_text("4")
    expect(page.get_by_test_id("count-refused")).to_have_text("1")
    expect(page.get_by_test_id("refused-rows").get_by_role("listitem")).to_have_text(
        ["row 5, Terms: -3 is not a whole number of at least 0"]
    )
    expect(page.get_by_text("Left out: Open Balance.")).to_be_visible()
    expect(page.get_by_text("CSV, UTF-8 with a byte order mark, comma-separated")).to_be_visible()
    screenshot("import-preview")
    assert not Client.objects.exists()

    # Max confirms: the four good rows are written, the refused one left out.
    page.get_by_role("button", name="Import 4 clients").click()
    expect(page.get_by_role("status")).to_have_text(
        "Imported customers.csv: 4 clients created, 0 updated, 0 unchanged, 1 refused rows left out."
    )
    page.get_by_role("link", name="See the clients").click()
    expect(page.get_by_test_id("client-rows").get_by_role("link")).to_have_text(
        ["Blue Ridge Outfitters", "Cedar & Sons Café", "Elm Street Fair", "Harbor Fair Events"]
    )
    harbor = Client.objects.get(external_ref="C-1001")
    assert (harbor.terms_days, str(harbor.default_tax_rate), harbor.billing_address) == (
        45,
        "8.25",
        "9 Pier Road\nPortland, OR 97201",
    )
    assert ImportRun.objects.get().records.count() == 4


# Open orders as commonsku's sales order report lists them, one row per item; one row names a rep the desk
# does not have.
OPEN_ORDERS = (
    b"Job #,Job Name,Client,Sales Rep,Order #,Customer PO,In Hands Date,Status,Description,Qty,Unit Price,Unit Cost,"
    b"Tax %\r\n"
    b"P-4410,Spring Fair 2026,Harbor Fair Events,sam,SO-7702,HF-77,03/15/2026,In Production,Stainless mug,250,"
    b"12.50,6.20,8.25\r\n"
    b"P-4410,Spring Fair 2026,Harbor Fair Events,sam,SO-7702,HF-77,03/15/2026,In Production,Setup charge,1,65.00,"
    b"40.00,8.25\r\n"
    b"P-4411,Golf day,Harbor Fair Events,ghost,SO-7703,,2026-04-02,New,Polo shirt,40,18.00,9.00,0\r\n"
)


def test_a_manager_imports_open_orders_and_finds_the_order_under_its_own_number(page, sign_in, manager, sales_rep):
    ClientFactory(name="Harbor Fair Events", external_ref="C-1001")
    sign_in(manager)

    page.get_by_role("link", name="Import data").click()
    page.get_by_role("link", name="Import order items").click()
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        {"name": "open-orders.csv", "mimeType": "text/csv", "buffer": OPEN_ORDERS}
    )
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("heading", name="Preview: open-orders.csv")).to_be_visible()
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    expect(page.get_by_test_id("refused-rows").get_by_role("listitem")).to_have_text(
        ["row 4, Sales Rep: ghost is no user of the desk: write a user name"]
    )
    assert not SalesOrder.objects.exists()

    page.get_by_role("button", name="Import 2 order items").click()
    expect(page.get_by_role("status")).to_have_text(
        "Imported open-orders.csv: 2 order items created, 0 updated, 0 unchanged, 1 refused rows left out."
    )
    page.get_by_role("link", name="See the order items").click()
    page.get_by_role("link", name="P-4410 Spring Fair 2026").click()
    expect(page.get_by_role("link", name="SO-7702")).to_be_visible()
    assert SalesOrder.objects.get(number="SO-7702").items.count() == 2

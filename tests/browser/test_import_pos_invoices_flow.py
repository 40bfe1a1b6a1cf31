"""A manager moves in open POs and unpaid invoices through the pages: previewed, refused rows shown, confirmed."""

from decimal import Decimal

import pytest
from django.db import transaction
from playwright.sync_api import expect

from imports.kinds import KINDS
from imports.reading import read_table
from imports.services import evaluate
from invoicing.models import Invoice
from purchasing.models import PurchaseOrder
from tests.factories import ClientFactory, SupplierFactory

pytestmark = pytest.mark.browser

# The open orders, imported first (as the orders' own flow test does through the pages).
OPEN_ORDERS = (
    "Job #,Job Name,Client,Sales Rep,Order #,Description,Supplier,Qty,Unit Price,Unit Cost,Tax %\r\n"
    "P-4410,Spring Fair 2026,C-1001,sam,SO-7702,Stainless mug,V-208,250,12.50,6.20,8.25\r\n"
    "P-4410,Spring Fair 2026,C-1001,sam,SO-7702,Setup charge,,1,65.00,40.00,\r\n"
    "P-4410,Spring Fair 2026,C-1001,sam,SO-7705,Canvas tote,Bags Inc,300,4.00,1.90,8.25\r\n"
)
# commonsku's purchase order report, one row per PO line, with a line the order does not have.
PURCHASE_ORDERS = (
    b"PO #,Vendor,Order #,Line,Description,Qty,Status,Ship Date,Ship To\r\n"
    b"PO-5120,Mugs & Co,SO-7702,1,Stainless mug,250,Submitted,2026-03-01,Harbor Fair Events\r\n"
    b"PO-5121,Bags Inc,SO-7705,1,Canvas tote,300,Shipped,2026-02-20,Harbor Fair Events\r\n"
    b"PO-5121,Bags Inc,SO-7705,2,Canvas tote,300,Shipped,2026-02-20,Harbor Fair Events\r\n"
)
# QuickBooks' open invoices, one row per line, with one quantity typed wrong.
INVOICES = (
    b"Invoice #,Order #,Line,Product/Service,Qty,Amount,Date,Due Date,Status\r\n"
    b"INV-000310,SO-7702,1,Stainless mug,100,1250.00,2026-01-10,2026-02-09,Sent to Client\r\n"
    b"INV-000310,SO-7702,2,Setup charge,1,65.00,2026-01-10,2026-02-09,Sent to Client\r\n"
    b"INV-000311,SO-7705,1,Canvas tote,-3,,2026-01-20,,\r\n"
)

# QuickBooks' received payments: one on INV-000310, and one for an invoice the desk does not have.
PAYMENTS = (
    b"Invoice No.,Date,Amount,Payment Method,Ref No.\r\n"
    b"INV-000310,2026-02-01,1000.00,Check,4471\r\n"
    b"INV-000399,2026-02-02,50.00,Credit Card,\r\n"
)


def test_a_manager_imports_open_pos_then_unpaid_invoices(page, sign_in, manager, sales_rep, screenshot):
    ClientFactory(name="Harbor Fair Events", external_ref="C-1001")
    SupplierFactory(name="Mugs & Co", external_ref="V-208")
    SupplierFactory(name="Bags Inc")
    table = read_table(name="open-orders.csv", content=OPEN_ORDERS.encode())
    orders = KINDS["orders"]
    with transaction.atomic():
        evaluate(
            kind=orders,
            table=table,
            columns=orders.match_headers(table.headers),
            file_name="open-orders.csv",
            by=manager,
            commit=True,
        )
    sign_in(manager)

    # The purchase orders: two lines to create, the line SO-7705 does not have refused; nothing written yet.
    page.get_by_role("link", name="Import data").click()
    page.get_by_role("link", name="Import purchase order lines").click()
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        {"name": "open-pos.csv", "mimeType": "text/csv", "buffer": PURCHASE_ORDERS}
    )
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", name="Preview: open-pos.csv")).to_be_visible()
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    expect(page.get_by_test_id("refused-rows").get_by_role("listitem")).to_have_text(
        ["row 4, Line: SO-7705 has no line 2 (it has 1 line)"]
    )
    screenshot("import-purchase-orders-preview")
    assert not PurchaseOrder.objects.exists()

    page.get_by_role("button", name="Import 2 purchase order lines").click()
    expect(page.get_by_role("status")).to_have_text(
        "Imported open-pos.csv: 2 purchase order lines created, 0 updated, 0 unchanged, 1 refused rows left out."
    )
    page.get_by_role("link", name="See the purchase order lines").click()
    expect(page.get_by_role("link", name="PO-5120")).to_be_visible()
    assert PurchaseOrder.objects.get(number="PO-5121").stage == PurchaseOrder.Stage.SHIPPED

    # The invoices: INV-000310 whole, INV-000311 refused for its quantity.
    page.get_by_role("link", name="Import data").click()
    page.get_by_role("link", name="Import invoice lines").click()
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        {"name": "open-invoices.csv", "mimeType": "text/csv", "buffer": INVOICES}
    )
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    expect(page.get_by_test_id("refused-rows").get_by_role("listitem")).to_have_text(
        ["row 4, Qty: -3 is not a whole number of at least 1"]
    )
    assert not Invoice.objects.exists()

    page.get_by_role("button", name="Import 2 invoice lines").click()
    expect(page.get_by_role("status")).to_have_text(
        "Imported open-invoices.csv: 2 invoice lines created, 0 updated, 0 unchanged, 1 refused rows left out."
    )
    invoice = Invoice.objects.get(number="INV-000310")
    assert (invoice.total, invoice.balance_due, invoice.status) == (
        Decimal("1418.13"),
        Decimal("1418.13"),
        Invoice.Status.SENT_TO_CLIENT,
    )

    # The payments so far: one recorded, the one for an invoice the desk does not have refused.
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Import data").click()
    page.get_by_role("link", name="Import payments").click()
    page.get_by_label("File (CSV or XLSX)").set_input_files(
        {"name": "payments.csv", "mimeType": "text/csv", "buffer": PAYMENTS}
    )
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_test_id("refused-rows").get_by_role("listitem")).to_have_text(
        ["row 3, Invoice No.: INV-000399 is no issued invoice of the desk: import it with Import invoices first"]
    )
    page.get_by_role("button", name="Import 1 payments").click()
    expect(page.get_by_role("status")).to_contain_text("Imported payments.csv: 1 payments created")

    # AR aging shows what Harbor Fair Events still owes on it.
    page.get_by_role("link", name="See the payments").click()
    expect(page.get_by_role("row", name="Harbor Fair Events")).to_contain_text("418.13")
    invoice.refresh_from_db()
    assert (invoice.paid_amount, invoice.balance_due) == (Decimal("1000.00"), Decimal("418.13"))

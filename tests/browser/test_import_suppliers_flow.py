"""A manager brings the suppliers in: a QuickBooks vendor list imported through the pages, one row refused,
confirmed, then a corrected file that changes only what changed."""

import pytest
from playwright.sync_api import expect

from imports.models import ImportRun
from purchasing.models import Supplier

pytestmark = pytest.mark.browser

# As QuickBooks exports a vendor list, with a column the desk does not keep and an email typed wrong.
VENDORS = (
    b"Vendor,Email,Phone,Vendor ID,Balance\r\n"
    b"Mugs & Co,orders@mugs.example.com,+1 503 555 0142,V-208,0.00\r\n"
    b"Hit Promotional Products,po@hitpromo.example.com,(727) 555-0100,V-209,1250.00\r\n"
    b"Gemline,orders at gemline,,V-210,0.00\r\n"
)
# The same list a week later: Hit's email changed and Gemline's address was put right.
VENDORS_CORRECTED = (
    b"Vendor,Email,Phone,Vendor ID,Balance\r\n"
    b"Mugs & Co,orders@mugs.example.com,+1 503 555 0142,V-208,0.00\r\n"
    b"Hit Promotional Products,orders@hitpromo.example.com,(727) 555-0100,V-209,1250.00\r\n"
    b"Gemline,orders@gemline.example.com,,V-210,0.00\r\n"
)


def import_file(page, name: str, content: bytes) -> None:
    page.get_by_role("link", name="Import data").click()
    page.get_by_role("link", name="Import suppliers").click()
    expect(page.get_by_role("heading", name="Import suppliers")).to_be_visible()
    page.get_by_label("File (CSV or XLSX)").set_input_files({"name": name, "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", name=f"Preview: {name}")).to_be_visible()


def test_a_manager_imports_the_vendor_list_then_a_corrected_one(page, sign_in, manager):
    sign_in(manager)

    # The preview names the refused row by row, column and reason, and writes nothing.
    import_file(page, "vendors.csv", VENDORS)
    expect(page.get_by_test_id("count-created")).to_have_text("2")
    expect(page.get_by_test_id("count-refused")).to_have_text("1")
    expect(page.get_by_test_id("refused-rows").get_by_role("listitem")).to_have_text(
        ["row 4, Email: orders at gemline is not an email address"]
    )
    expect(page.get_by_text("Left out: Balance.")).to_be_visible()
    assert not Supplier.objects.exists()

    page.get_by_role("button", name="Import 2 suppliers").click()
    expect(page.get_by_role("status")).to_have_text(
        "Imported vendors.csv: 2 suppliers created, 0 updated, 0 unchanged, 1 refused rows left out."
    )
    page.get_by_role("link", name="See the suppliers").click()
    expect(page.get_by_test_id("supplier-rows").get_by_role("link")).to_have_text(
        ["Hit Promotional Products", "Mugs & Co"]
    )
    mugs = Supplier.objects.get(external_ref="V-208")
    assert (mugs.name, mugs.email, mugs.phone) == ("Mugs & Co", "orders@mugs.example.com", "+1 503 555 0142")

    # The corrected list: one supplier created, one updated, one left as it was.
    import_file(page, "vendors-corrected.csv", VENDORS_CORRECTED)
    expect(page.get_by_test_id("count-created")).to_have_text("1")
    expect(page.get_by_test_id("count-updated")).to_have_text("1")
    expect(page.get_by_test_id("count-unchanged")).to_have_text("1")
    page.get_by_role("button", name="Import 2 suppliers").click()
    expect(page.get_by_role("status")).to_have_text(
        "Imported vendors-corrected.csv: 1 suppliers created, 1 updated, 1 unchanged, 0 refused rows left out."
    )
    assert Supplier.objects.get(external_ref="V-209").email == "orders@hitpromo.example.com"
    assert Supplier.objects.get(external_ref="V-210").email == "orders@gemline.example.com"
    assert ImportRun.objects.count() == 2

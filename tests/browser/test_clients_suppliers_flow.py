"""A sales rep in the browser: a new client (a typo in its email caught next to the field), edited, then a supplier."""

import re

import pytest
from playwright.sync_api import expect

from projects.models import Client
from purchasing.models import Supplier
from tests.browser.problems import refused_form

pytestmark = pytest.mark.browser


# The client is first saved with a misspelt email on purpose: the form comes back 400 with the error.
@refused_form(r"/clients/new/")
def test_a_sales_rep_creates_and_edits_a_client_then_creates_a_supplier(page, sign_in, screenshot, sales_rep):
    sign_in(sales_rep)

    # Sam opens the Clients page from the navigation and starts a new client.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    expect(page.get_by_role("heading", name="Clients", exact=True)).to_be_visible()
    page.get_by_role("link", name="New client").click()
    expect(page.get_by_text("Amounts are in USD.")).to_be_visible()
    page.get_by_label("Name").fill("Harbor Fair")
    page.get_by_label("Billing email").fill("accounts at harborfair.example.com")
    page.get_by_label("Billing address").fill("9 Pier Road\nPortland, OR 97201")
    page.get_by_label("Tax id").fill("EIN 12-3456789")
    page.get_by_label("Payment terms (days)").fill("45")
    page.get_by_role("button", name="Save client").click()

    # The typo is named next to the email field; what Sam typed is kept and nothing is saved.
    email = page.get_by_label("Billing email")
    expect(email).to_have_attribute("aria-invalid", "true")
    email_field = page.locator(".field").filter(has=email)
    expect(email_field.locator(".field-error")).to_have_text(
        "Billing email must be an email address, such as accounts@client.example."
    )
    expect(page.locator(".field-error")).to_have_count(1)
    expect(page.get_by_label("Name")).to_have_value("Harbor Fair")
    assert not Client.objects.exists()

    # Sam fixes it and saves: the client's page, with its details and the currency beside the terms.
    email.fill("accounts@harborfair.example.com")
    page.get_by_role("button", name="Save client").click()
    expect(page.get_by_role("heading", name="Harbor Fair")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Client Harbor Fair is saved.")
    expect(page.get_by_test_id("client-terms")).to_have_text("Net 45 days · amounts in USD")
    expect(page.get_by_test_id("client-remaining")).to_have_text("0.00 USD")
    expect(page.get_by_text("No projects for this client yet.")).to_be_visible()
    shot = screenshot("client-page")
    assert shot.stat().st_size > 0
    client = Client.objects.get()
    assert (client.billing_email, client.tax_id, client.terms_days) == (
        "accounts@harborfair.example.com",
        "EIN 12-3456789",
        45,
    )

    # Sam edits it: the form opens with what is stored, and the page shows the change.
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit Harbor Fair")).to_be_visible()
    expect(page.get_by_label("Billing address")).to_have_value("9 Pier Road\nPortland, OR 97201")
    page.get_by_label("Payment terms (days)").fill("60")
    page.get_by_role("button", name="Save client").click()
    expect(page.get_by_test_id("client-terms")).to_have_text("Net 60 days · amounts in USD")
    client.refresh_from_db()
    assert client.terms_days == 60

    # The client is on the list, found by its tax id.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Clients").click()
    page.get_by_label("Search clients").fill("12-3456789")
    page.get_by_role("button", name="Show clients").click()
    expect(page.get_by_test_id("client-rows").get_by_role("link")).to_have_text(["Harbor Fair"])

    # Then a supplier, from the Suppliers page.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Suppliers").click()
    page.get_by_role("link", name="New supplier").click()
    expect(page.get_by_text("Purchase orders are emailed here")).to_be_visible()
    page.get_by_label("Name").fill("Mugs & Co")
    page.get_by_label("Email").fill("orders@mugs.example.com")
    page.get_by_label("Phone").fill("+1 555 0100")
    page.get_by_role("button", name="Save supplier").click()
    expect(page.get_by_role("heading", name="Mugs & Co")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Supplier Mugs & Co is saved.")
    expect(page.get_by_text("No purchase orders with this supplier yet.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/suppliers/\d+/$"))
    assert list(Supplier.objects.values_list("name", "email", "phone")) == [
        ("Mugs & Co", "orders@mugs.example.com", "+1 555 0100")
    ]

"""A new desk: the superuser who installed it follows the first-run page to the first manager and the imports."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.browser.problems import refused_form
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


# The passwords typed differently come back 400, named next to their field.
@refused_form(r"/welcome/manager/")
def test_the_superuser_sets_up_a_new_desk_from_the_first_run_page(page, sign_in, db):
    installer = UserFactory(username="root", first_name="", last_name="", is_superuser=True, is_staff=True)
    sign_in(installer)

    # An empty desk: the home page says so and leads to the three steps.
    banner = page.get_by_test_id("first-run-banner")
    expect(banner).to_contain_text("This desk is new")
    banner.get_by_role("link", name="Set up the desk").click()
    expect(page.get_by_role("heading", name="Set up the desk", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Fill in the company settings")).to_be_visible()

    # The first manager; a password typed differently the second time is named by its field, and nothing is made.
    page.get_by_label("User name").fill("morgan")
    page.get_by_label("Email").fill("morgan@northwind.example.com")
    page.get_by_label("Password", exact=True).fill("tide-charts-at-dawn")
    page.get_by_label("Password again").fill("tide-charts-at-dusk")
    page.get_by_role("button", name="Create the manager").click()
    expect(page.locator("#id_password_again_error")).to_have_text(
        "The two passwords differ: type the same password twice."
    )
    assert not User.objects.filter(username="morgan").exists()
    page.get_by_label("Password", exact=True).fill("tide-charts-at-dawn")
    page.get_by_label("Password again").fill("tide-charts-at-dawn")
    page.get_by_role("button", name="Create the manager").click()
    expect(page.get_by_role("status")).to_contain_text("morgan is the desk's manager and may sign in now.")
    expect(page.get_by_test_id("step-manager-done")).to_be_visible()
    assert User.objects.get(username="morgan").groups.filter(name="Managers").exists()

    # Then the clients and suppliers: the import pages are one click away.
    expect(page.get_by_role("link", name="Import your clients")).to_be_visible()
    page.get_by_role("link", name="Import your suppliers").click()
    expect(page.get_by_role("heading", name="Import suppliers")).to_be_visible()

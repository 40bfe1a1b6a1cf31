"""The first-run page: a new desk's three steps, the first manager, and starting with the demo."""

import re

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.test import Client as Browser
from django.test import RequestFactory
from django.urls import reverse

from projects.models import Client, CompanySettings, Project
from purchasing.models import Supplier
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.usefixtures("postgres")

DEMO_PASSWORD = "harbor-lights-2026"


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


def signed_in(user) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def manager_form(username: str, email: str, password: str) -> dict[str, str]:
    return {"username": username, "email": email, "password": password, "password_again": password}


def field_error(page: str, field: str) -> str:
    """The error shown right below one field of the manager's form."""
    found = re.search(rf'<p class="field-error" id="id_{field}_error">([^<]*)</p>', page)
    return found.group(1) if found else ""


def test_a_new_desk_shows_three_steps_and_the_home_page_points_to_them(superuser):
    browser = signed_in(superuser)
    home = text(browser.get("/"))
    assert "This desk is new" in home and f'href="{reverse("welcome")}"' in home

    page = text(browser.get(reverse("welcome")))
    assert "Fill in the company settings" in page and f'href="{reverse("company-settings")}"' in page
    assert 'data-testid="step-company-done"' not in page
    # Only the superuser so far: the page offers to create the manager.
    assert 'data-testid="step-manager-done"' not in page and "Create the manager" in page
    assert f'href="{reverse("import-kind", args=["clients"])}"' in page
    assert f'href="{reverse("import-kind", args=["suppliers"])}"' in page
    assert "Start with the demo" in page and 'data-testid="step-data-done"' not in page


def test_each_step_is_ticked_once_done(superuser, manager):
    company = CompanySettings.load()
    company.address, company.email = "120 Harbor Street\nPortland, OR 97201", "billing@northwind.example.com"
    company.save()
    ClientFactory()
    page = text(signed_in(superuser).get(reverse("welcome")))
    for step in ("company", "manager", "data"):
        assert f'data-testid="step-{step}-done"' in page
    assert "Max Manager (max) manages the desk." in page
    assert "Create the manager" not in page
    assert "the demo is not offered" in page and 'action="/welcome/demo/"' not in page
    assert "This desk is new" not in text(signed_in(manager).get("/"))


def test_the_first_manager_is_created_from_the_page(superuser):
    browser = signed_in(superuser)
    refused = browser.post(
        reverse("welcome-manager"),
        {"username": "morgan lee", "email": "not an email", "password": "12345678", "password_again": "12345678"},
    )
    assert refused.status_code == 400
    page = text(refused)
    assert field_error(page, "username").startswith("Enter a valid username.")
    assert field_error(page, "email") == "Enter a valid email address."
    assert not User.objects.filter(groups__name="Managers").exists()

    differ = text(
        browser.post(
            reverse("welcome-manager"),
            {"username": "morgan", "email": "morgan@desk.example.com", "password": "a", "password_again": "b"},
        )
    )
    assert field_error(differ, "password_again") == "The two passwords differ: type the same password twice."

    weak = browser.post(
        reverse("welcome-manager"),
        manager_form("morgan", "morgan@desk.example.com", "12345678"),
    )
    assert weak.status_code == 400
    assert "This password is too common." in field_error(text(weak), "password")
    taken = text(
        browser.post(
            reverse("welcome-manager"),
            {
                "username": "ROOT",
                "email": "morgan@desk.example.com",
                "password": "tide-charts-at-dawn",
                "password_again": "tide-charts-at-dawn",
            },
        )
    )
    assert field_error(taken, "username") == "ROOT is taken: choose another user name."
    assert User.objects.count() == 1

    created = browser.post(
        reverse("welcome-manager"),
        {
            "username": "morgan",
            "email": "morgan@desk.example.com",
            "password": "tide-charts-at-dawn",
            "password_again": "tide-charts-at-dawn",
        },
        follow=True,
    )
    assert "morgan is the desk&#x27;s manager and may sign in now." in text(created)
    morgan = User.objects.get(username="morgan")
    assert list(morgan.groups.values_list("name", flat=True)) == ["Managers"]
    assert not morgan.is_superuser and morgan.email == "morgan@desk.example.com"
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request=request, username="morgan", password="tide-charts-at-dawn") == morgan
    assert 'data-testid="step-manager-done"' in text(created)

    # Once there is a manager the page creates no more users.
    again = browser.post(
        reverse("welcome-manager"),
        manager_form("other", "o@desk.example.com", "x-y-z-w-1-2"),
        follow=True,
    )
    assert "The desk has a manager already (morgan)" in text(again)
    assert not User.objects.filter(username="other").exists()


def test_the_demo_starts_on_an_empty_desk_only(superuser):
    company = CompanySettings.load()
    browser = signed_in(superuser)
    weak = browser.post(reverse("welcome-demo"), {"password": "123"})
    assert weak.status_code == 400 and "This password is too short." in text(weak)
    assert not Project.objects.exists() and not User.objects.filter(username="sam.sales").exists()

    started = browser.post(reverse("welcome-demo"), {"password": DEMO_PASSWORD}, follow=True)
    assert "The demo is loaded: 12 projects" in text(started)
    assert Project.objects.count() == 12 and Client.objects.count() == 12 and Supplier.objects.count() == 4
    sam = User.objects.get(username="sam.sales")
    assert authenticate(request=RequestFactory().post("/accounts/login/"), username="sam.sales", password=DEMO_PASSWORD)
    assert list(sam.groups.values_list("name", flat=True)) == ["Sales"]
    # The superuser who started it is left as they were, and so are the company's details.
    superuser.refresh_from_db()
    assert superuser.username == "root" and not User.objects.filter(username="admin").exists()
    assert CompanySettings.load().remit_to == company.remit_to == ""

    refused = browser.post(reverse("welcome-demo"), {"password": DEMO_PASSWORD})
    assert refused.status_code == 400
    assert "The desk has clients, suppliers or projects already: the demo starts only on an empty desk" in text(refused)
    assert Project.objects.count() == 12


def test_a_desk_with_clients_refuses_the_demo(manager):
    ClientFactory(name="Harbor Fair Events")
    response = signed_in(manager).post(reverse("welcome-demo"), {"password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "the demo starts only on an empty desk" in text(response)
    assert not Project.objects.exists() and not User.objects.filter(username="sam.sales").exists()


def test_only_managers_set_up_the_desk(sales_rep, production_rep, invoicing_rep, client):
    for user in (sales_rep, production_rep, invoicing_rep):
        browser = signed_in(user)
        assert browser.get(reverse("welcome")).status_code == 403
        assert browser.post(reverse("welcome-demo"), {"password": DEMO_PASSWORD}).status_code == 403
    assert not Project.objects.exists()
    assert client.get(reverse("welcome")).url.startswith(reverse("login"))

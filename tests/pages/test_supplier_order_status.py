"""A supplier's order status service on its pages: the form never shows the password, the page the last check."""

import re

import pytest
from django.urls import reverse

from backorders.order_status_sync import supplier_order_status_sync
from projects.encryption import decrypt_secret
from projects.models import Supplier
from projects.promostandards.simulator import SimulatedOrder
from projects.services import supplier_order_status_checked
from tests.backorders.conftest import SUPPLIER_PASSWORD, SUPPLIER_USER, order_status_supplier, simulator  # noqa: F401
from tests.factories import SupplierFactory
from tests.pages.helpers import error_next_to

pytestmark = pytest.mark.django_db

SERVICE = {
    "name": "Mugs & Co",
    "email": "orders@mugs.example",
    "phone": "",
    "order_status_url": "https://mugs.example/orderStatus/1.0.0",
    "order_status_username": "desk-42",
}


def password_input(page: str) -> str:
    return re.search(r'<input[^>]*name="order_status_password"[^>]*>', page).group(0)


def test_the_password_is_stored_encrypted_and_never_sent_back_to_the_browser(production_rep, signed_in):
    browser = signed_in(production_rep)
    supplier = SupplierFactory(name="Mugs & Co")

    response = browser.post(
        reverse("supplier-edit", args=[supplier.pk]), {**SERVICE, "order_status_password": "tr0ub4dor&3"}
    )

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.order_status_url, supplier.order_status_username) == (SERVICE["order_status_url"], "desk-42")
    assert "tr0ub4dor" not in supplier.order_status_password_encrypted
    assert decrypt_secret(supplier.order_status_password_encrypted) == "tr0ub4dor&3"
    # the edit form comes back with the address and the user id, and an empty password box
    page = browser.get(reverse("supplier-edit", args=[supplier.pk])).content.decode()
    assert 'value="https://mugs.example/orderStatus/1.0.0"' in page and 'value="desk-42"' in page
    field = password_input(page)
    assert 'type="password"' in field and "value=" not in field
    assert "tr0ub4dor" not in page and supplier.order_status_password_encrypted not in page
    assert "A password is stored (encrypted); leave this blank to keep it, or type a new one" in page
    assert '<label for="id_order_status_password">Order status password</label>' in page


def test_a_blank_password_keeps_the_stored_one_and_a_new_one_replaces_it(production_rep, signed_in):
    browser = signed_in(production_rep)
    supplier = SupplierFactory(name="Mugs & Co")
    url = reverse("supplier-edit", args=[supplier.pk])
    browser.post(url, {**SERVICE, "order_status_password": "first-one"})
    supplier.refresh_from_db()
    stored = supplier.order_status_password_encrypted

    browser.post(url, {**SERVICE, "phone": "+1 555 0100", "order_status_password": ""})
    supplier.refresh_from_db()
    assert supplier.order_status_password_encrypted == stored
    assert supplier.phone == "+1 555 0100"

    browser.post(url, {**SERVICE, "order_status_password": "second-one"})
    supplier.refresh_from_db()
    assert decrypt_secret(supplier.order_status_password_encrypted) == "second-one"


def test_a_service_address_needs_a_user_id_and_a_real_address(production_rep, signed_in):
    browser = signed_in(production_rep)
    supplier = SupplierFactory(name="Mugs & Co")

    response = browser.post(
        reverse("supplier-edit", args=[supplier.pk]),
        {**SERVICE, "order_status_url": "not a web address", "order_status_username": ""},
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert error_next_to(
        page,
        "id_order_status_url",
        "Order status service URL must be a web address, such as https://supplier.example/orderStatus.",
    )
    response = browser.post(reverse("supplier-edit", args=[supplier.pk]), {**SERVICE, "order_status_username": ""})
    assert error_next_to(
        response.content.decode(),
        "id_order_status_username",
        "Give the user id the supplier's order status service expects.",
    )
    assert Supplier.objects.values_list("order_status_url", flat=True).get(pk=supplier.pk) == ""


def test_the_supplier_page_shows_the_last_check_and_the_last_error_with_its_time(
    order_status_supplier,  # noqa: F811
    simulator,  # noqa: F811
    mug_order,
    sales_rep,
    signed_in,
):
    browser = signed_in(sales_rep)
    url = reverse("supplier-detail", args=[order_status_supplier.pk])
    page = browser.get(url).content.decode()
    assert "Order status service" in page and simulator.url in page
    assert "Stored, encrypted" in page and SUPPLIER_PASSWORD not in page
    assert re.search(r'data-testid="order-status-checked">Not yet<', page)

    # when the supplier is down at the next check
    simulator.app.orders["PO-1001"] = SimulatedOrder(20)
    simulator.stop()
    supplier_order_status_sync(supplier=order_status_supplier)

    page = browser.get(url).content.decode()
    assert 'data-testid="order-status-error"' in page
    assert f"The service could not be reached at {simulator.url} (connection refused or no such host)." in page
    assert "Nothing on its purchase orders was changed by that attempt" in page
    assert re.search(r"<strong>Last error, \w{3} \d{1,2}, \d{4}", page)

    # and once it answers again, the error is gone and the check has a time
    simulator.start()
    supplier_order_status_sync(supplier=order_status_supplier)
    page = browser.get(url).content.decode()
    assert 'data-testid="order-status-error"' not in page
    assert not re.search(r'data-testid="order-status-checked">Not yet<', page)
    assert SUPPLIER_USER in page


def test_a_supplier_without_a_service_says_so(sales_rep, signed_in):
    supplier = SupplierFactory()
    page = signed_in(sales_rep).get(reverse("supplier-detail", args=[supplier.pk])).content.decode()
    assert "Not set up: the desk does not ask this supplier about its orders." in page


def test_a_long_error_is_kept_to_what_the_column_holds(db):
    supplier = SupplierFactory(order_status_url="https://x.example/os")
    supplier_order_status_checked(supplier=supplier, error="x" * 900)
    supplier.refresh_from_db()
    assert len(supplier.order_status_error) == 500 and supplier.order_status_error_at is not None

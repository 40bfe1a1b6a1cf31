"""A supplier's order status service on its pages: the form never shows the password, the page the last check.

The service is sent the stored password on every call, so only Managers set or change it, a new
address or user id does not keep the stored password, plain http and local or private addresses are
refused (unless the settings name the host), and the page says what kind of failure the last check
met, never what answered at the address.
"""

import logging
import re

import pytest
from django.urls import reverse

from backorders.order_status_sync import supplier_order_status_sync
from core.encryption import decrypt_secret, encrypt_secret
from purchasing.models import Supplier
from purchasing.promostandards.simulator import SimulatedOrder
from purchasing.services import supplier_order_status_checked
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


def test_the_password_is_stored_encrypted_and_never_sent_back_to_the_browser(manager, signed_in):
    browser = signed_in(manager)
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
    # and, next to it, that a new address or user id does not keep it
    assert re.search(
        r'id="id_order_status_password_helptext">[^<]*'
        r"Changing the URL or the user id drops it: type it again with them<",
        page,
    )
    assert '<label for="id_order_status_password">Order status password</label>' in page


def test_a_blank_password_keeps_the_stored_one_and_a_new_one_replaces_it(manager, signed_in):
    browser = signed_in(manager)
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


def test_a_service_address_needs_a_user_id_and_a_real_address(manager, signed_in):
    browser = signed_in(manager)
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
    assert re.search(r"<strong>Last error, \w{3} \d{1,2}, \d{4}[^<]*:</strong> The service did not answer.</p>", page)
    assert "connection refused" not in page.lower()
    assert "Nothing on its purchase orders was changed by that attempt" in page

    # and once it answers again, the error is gone and the check has a time
    simulator.start()
    supplier_order_status_sync(supplier=order_status_supplier)
    page = browser.get(url).content.decode()
    assert 'data-testid="order-status-error"' not in page
    assert not re.search(r'data-testid="order-status-checked">Not yet<', page)
    assert SUPPLIER_USER in page


def test_the_page_names_the_kind_of_failure_and_only_the_log_says_what_answered(
    order_status_supplier,  # noqa: F811
    simulator,  # noqa: F811
    mug_order,
    production_rep,
    signed_in,
    caplog,
):
    # given something answers at the address, but not the order status service: an HTML page
    simulator.app.mode = "garbage"

    with caplog.at_level(logging.WARNING, logger="backorders.order_status_sync"):
        supplier_order_status_sync(supplier=order_status_supplier)

    # then every role reads the kind of failure, and nothing of what answered
    page = signed_in(production_rep).get(reverse("supplier-detail", args=[order_status_supplier.pk])).content.decode()
    assert re.search(r":</strong> The service answered something that is not the order status service.</p>", page), page
    assert "HTTP 200" not in page and "not XML" not in page
    # and the log has what did
    assert f"{simulator.url} answered something that is not XML (HTTP 200)" in caplog.text
    assert SUPPLIER_PASSWORD not in caplog.text


def test_an_error_stored_in_detail_before_is_not_shown(sales_rep, signed_in):
    # An error written before the page showed categories only: it may name a port, a status, an element.
    supplier = SupplierFactory(order_status_url="https://mugs.example/os", order_status_username="desk-42")
    supplier_order_status_checked(
        supplier=supplier, error="The service answered HTTP 404 instead of an order status: <title>Jenkins</title>"
    )

    page = signed_in(sales_rep).get(reverse("supplier-detail", args=[supplier.pk])).content.decode()

    assert re.search(r":</strong> The last check failed.</p>", page)
    assert "404" not in page and "Jenkins" not in page


def test_a_supplier_without_a_service_says_so(sales_rep, signed_in):
    supplier = SupplierFactory()
    page = signed_in(sales_rep).get(reverse("supplier-detail", args=[supplier.pk])).content.decode()
    assert "Not set up: the desk does not ask this supplier about its orders." in page


def test_a_long_error_is_kept_to_what_the_column_holds(db):
    supplier = SupplierFactory(order_status_url="https://x.example/os")
    supplier_order_status_checked(supplier=supplier, error="x" * 900)
    supplier.refresh_from_db()
    assert len(supplier.order_status_error) == 500 and supplier.order_status_error_at is not None


# --- only Managers say where the password goes ----------------------------------------------------


def configured_supplier(**fields) -> Supplier:
    """A supplier whose service a Manager set up, with its password stored."""
    return SupplierFactory(
        name="Mugs & Co",
        email="orders@mugs.example",
        order_status_url=SERVICE["order_status_url"],
        order_status_username=SERVICE["order_status_username"],
        order_status_password_encrypted=encrypt_secret("the-real-one"),
        **fields,
    )


@pytest.mark.parametrize("rep", ["production_rep", "sales_rep"])
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "order_status_url",
            "https://collector.attacker.example/orderStatus",
            "Only Managers may set or change the order status service URL.",
        ),
        ("order_status_username", "someone-else", "Only Managers may set or change the order status user id."),
        ("order_status_password", "guess", "Only Managers may set or change the order status password."),
    ],
)
def test_a_production_or_sales_rep_cannot_point_the_service_elsewhere(request, rep, field, value, message, signed_in):
    browser = signed_in(request.getfixturevalue(rep))
    supplier = configured_supplier()
    stored = Supplier.objects.values().get(pk=supplier.pk)
    url = reverse("supplier-edit", args=[supplier.pk])

    # the form shows the address and the user id read-only, no password box, and says who may change them
    page = browser.get(url).content.decode()
    assert re.search(r'<input[^>]*name="order_status_url"[^>]*disabled', page)
    assert re.search(r'<input[^>]*name="order_status_username"[^>]*disabled', page)
    assert 'name="order_status_password"' not in page
    assert "Only Managers may set or change the order status service" in page

    # and a post that changes the service anyway is refused, next to the field, and changes nothing
    response = browser.post(url, {**SERVICE, "phone": "+1 555 0100", "order_status_password": "", field: value})

    assert response.status_code == 400
    assert error_next_to(response.content.decode(), f"id_{field}", message)
    assert Supplier.objects.values().get(pk=supplier.pk) == stored


def test_a_rep_still_edits_the_rest_of_the_supplier_and_the_service_stays(production_rep, signed_in):
    browser = signed_in(production_rep)
    supplier = configured_supplier()
    stored_password = supplier.order_status_password_encrypted

    # as a browser sends the form: disabled inputs are not posted
    response = browser.post(
        reverse("supplier-edit", args=[supplier.pk]), {"name": "Mugs & Co", "email": "new@mugs.example", "phone": ""}
    )

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert supplier.email == "new@mugs.example"
    assert (supplier.order_status_url, supplier.order_status_username) == (
        SERVICE["order_status_url"],
        SERVICE["order_status_username"],
    )
    assert supplier.order_status_password_encrypted == stored_password


def test_a_rep_creates_a_supplier_without_a_service(sales_rep, signed_in):
    browser = signed_in(sales_rep)

    response = browser.post(reverse("supplier-create"), {**SERVICE, "order_status_password": "pw"})

    assert response.status_code == 400
    assert error_next_to(
        response.content.decode(),
        "id_order_status_url",
        "Only Managers may set or change the order status service URL.",
    )
    assert not Supplier.objects.exists()
    response = browser.post(reverse("supplier-create"), {"name": "Mugs & Co", "email": "", "phone": ""})
    assert response.status_code == 302
    assert Supplier.objects.values_list("order_status_url", "order_status_password_encrypted").get() == ("", "")


def test_the_supplier_page_tells_a_rep_that_a_manager_sets_the_service_up(production_rep, manager, signed_in):
    supplier = SupplierFactory()
    url = reverse("supplier-detail", args=[supplier.pk])
    page = signed_in(production_rep).get(url).content.decode()
    assert "Not set up: the desk does not ask this supplier about its orders. A Manager sets it up." in page
    page = signed_in(manager).get(url).content.decode()
    assert "Add its PromoStandards Order Status Service address with" in page


@pytest.mark.parametrize(
    ("change", "value"),
    [
        ("order_status_url", "https://collector.attacker.example/orderStatus"),
        ("order_status_username", "someone-else"),
    ],
)
def test_a_new_address_or_user_id_does_not_keep_the_stored_password(manager, signed_in, change, value):
    browser = signed_in(manager)
    supplier = configured_supplier()
    url = reverse("supplier-edit", args=[supplier.pk])

    # a blank password box with a new address: refused, the password is to be typed again
    response = browser.post(url, {**SERVICE, change: value, "order_status_password": ""})

    assert response.status_code == 400
    assert error_next_to(
        response.content.decode(),
        "id_order_status_password",
        "Type the password again: a changed URL or user id does not keep the stored one.",
    )
    supplier.refresh_from_db()
    assert getattr(supplier, change) == SERVICE[change]
    assert decrypt_secret(supplier.order_status_password_encrypted) == "the-real-one"

    # typed again, it is stored for the new address
    response = browser.post(url, {**SERVICE, change: value, "order_status_password": "for-the-new-one"})

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert getattr(supplier, change) == value
    assert decrypt_secret(supplier.order_status_password_encrypted) == "for-the-new-one"


def test_clearing_the_address_drops_the_password_too(manager, signed_in):
    supplier = configured_supplier()

    response = signed_in(manager).post(
        reverse("supplier-edit", args=[supplier.pk]),
        {**SERVICE, "order_status_url": "", "order_status_username": "", "order_status_password": ""},
    )

    assert response.status_code == 302
    assert Supplier.objects.values_list(
        "order_status_url", "order_status_username", "order_status_password_encrypted"
    ).get(pk=supplier.pk) == ("", "", "")


HTTPS_ONLY = (
    "Order status service URL must start with https://: the password travels with every call, and plain http "
    "would show it to anyone on the way."
)
LOCAL = (
    "Order status service URL points at a local or private network address; the desk calls suppliers at public "
    "addresses only."
)


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("http://mugs.example/orderStatus/1.0.0", HTTPS_ONLY),
        ("https://127.0.0.1/orderStatus", LOCAL),
        ("https://169.254.169.254/latest/meta-data/", LOCAL),
        ("https://10.0.4.2:8443/orderStatus", LOCAL),
        ("https://192.168.1.20/orderStatus", LOCAL),
        ("https://[::1]/orderStatus", LOCAL),
        ("https://[::ffff:127.0.0.1]/orderStatus", LOCAL),
        ("https://[fd12:3456::1]/orderStatus", LOCAL),
        ("https://localhost:8443/orderStatus", LOCAL),
        (
            "https://desk:pw@mugs.example/orderStatus",
            "Order status service URL must not hold a user name or password; enter them in the user id and "
            "password boxes.",
        ),
    ],
)
def test_plain_http_and_local_addresses_are_refused(manager, signed_in, settings, address, message):
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = []
    supplier = SupplierFactory(name="Mugs & Co")

    response = signed_in(manager).post(
        reverse("supplier-edit", args=[supplier.pk]),
        {**SERVICE, "order_status_url": address, "order_status_password": "pw"},
    )

    assert response.status_code == 400
    assert error_next_to(response.content.decode(), "id_order_status_url", message)
    assert Supplier.objects.values_list("order_status_url", flat=True).get(pk=supplier.pk) == ""


def test_a_host_the_settings_allow_may_be_plain_http_and_local(manager, signed_in, settings):
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = ["127.0.0.1:8765", "simulator.internal"]
    supplier = SupplierFactory(name="Mugs & Co")
    url = reverse("supplier-edit", args=[supplier.pk])
    browser = signed_in(manager)

    for address in ("http://127.0.0.1:8765/orderStatus/1.0.0", "http://simulator.internal:9000/orderStatus/1.0.0"):
        response = browser.post(url, {**SERVICE, "order_status_url": address, "order_status_password": "pw"})
        assert response.status_code == 302, address
        assert Supplier.objects.values_list("order_status_url", flat=True).get(pk=supplier.pk) == address

    # another port of an address allowed with its port is not
    response = browser.post(
        url, {**SERVICE, "order_status_url": "http://127.0.0.1:5432/", "order_status_password": "pw"}
    )
    assert response.status_code == 400
    assert error_next_to(response.content.decode(), "id_order_status_url", HTTPS_ONLY)

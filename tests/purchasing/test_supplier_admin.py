"""A supplier's order status service in the admin: the same rules as on its page.

Only Managers set or change it (other staff see the address and the user id read-only, and what
they post for them changes nothing), a new address or user id drops the stored password, the
password is typed in a box that never shows it, and plain http or a local address is refused.
"""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.encryption import decrypt_secret, encrypt_secret
from purchasing.models import Supplier
from tests.factories import SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "https://mugs.example/orderStatus/1.0.0"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def supplier() -> Supplier:
    return SupplierFactory(
        name="Mugs & Co",
        email="orders@mugs.example",
        order_status_url=URL,
        order_status_username="desk-42",
        order_status_password_encrypted=encrypt_secret("the-real-one"),
    )


def staff(client, *, roles: list[str]):
    """Sign in a staff user of these roles who holds the admin's supplier permissions."""
    user = UserFactory(is_staff=True, roles=roles)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_supplier", "change_supplier", "add_supplier"])
    )
    client.force_login(user)
    return client


def change_url(supplier: Supplier) -> str:
    return reverse("admin:purchasing_supplier_change", args=[supplier.pk])


def form(supplier: Supplier, **changes) -> dict[str, str]:
    return {
        "name": supplier.name,
        "email": supplier.email,
        "phone": supplier.phone,
        "order_status_url": supplier.order_status_url,
        "order_status_username": supplier.order_status_username,
        "order_status_password": "",
        **changes,
    }


def errors_of(page: str) -> list[str]:
    return [error.strip() for error in re.findall(r'<ul class="errorlist[^"]*"[^>]*><li>([^<]*)</li>', page)]


@pytest.mark.parametrize("roles", [["Production"], ["Sales"], []])
def test_other_staff_see_the_service_read_only_and_cannot_change_it(client, supplier, roles):
    admin = staff(client, roles=roles)
    stored = Supplier.objects.values().get(pk=supplier.pk)

    page = admin.get(change_url(supplier)).content.decode()

    assert 'name="order_status_url"' not in page and 'name="order_status_username"' not in page
    assert 'name="order_status_password"' not in page
    assert URL in page and "desk-42" in page  # shown, read-only

    response = admin.post(
        change_url(supplier),
        form(
            supplier,
            phone="+1 555 0100",
            order_status_url="https://collector.attacker.example/orderStatus",
            order_status_username="someone-else",
            order_status_password="guess",
        ),
    )

    assert response.status_code == 302
    after = Supplier.objects.values().get(pk=supplier.pk)
    assert after["phone"] == "+1 555 0100"
    assert {key: value for key, value in after.items() if key != "phone"} == {
        key: value for key, value in stored.items() if key != "phone"
    }


def test_a_manager_changing_the_address_drops_the_stored_password(client, supplier):
    admin = staff(client, roles=["Managers"])
    page = admin.get(change_url(supplier)).content.decode()
    assert re.search(r'<input type="password" name="order_status_password"[^>]*>', page)
    assert "the-real-one" not in page and supplier.order_status_password_encrypted not in page
    assert "Changing the URL or the user id drops it: type it again with them." in page

    response = admin.post(change_url(supplier), form(supplier, order_status_url="https://other.example/orderStatus"))

    assert response.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.order_status_url, supplier.order_status_password_encrypted) == (
        "https://other.example/orderStatus",
        "",
    )

    # typed again, it is stored encrypted; left blank with the same address, it is kept
    admin.post(change_url(supplier), form(supplier, order_status_password="for-the-new-one"))
    supplier.refresh_from_db()
    assert decrypt_secret(supplier.order_status_password_encrypted) == "for-the-new-one"
    admin.post(change_url(supplier), form(supplier, phone="+1 555 0100"))
    supplier.refresh_from_db()
    assert decrypt_secret(supplier.order_status_password_encrypted) == "for-the-new-one"

    # and a new user id drops it as well
    admin.post(change_url(supplier), form(supplier, order_status_username="desk-43"))
    supplier.refresh_from_db()
    assert (supplier.order_status_username, supplier.order_status_password_encrypted) == ("desk-43", "")


@pytest.mark.parametrize(
    ("address", "message"),
    [
        (
            "http://mugs.example/orderStatus",
            "Order status service URL must start with https://: the password travels with every call, and plain "
            "http would show it to anyone on the way.",
        ),
        (
            "https://169.254.169.254/latest/meta-data/",
            "Order status service URL points at a local or private network address; the desk calls suppliers at "
            "public addresses only.",
        ),
    ],
)
def test_the_admin_refuses_plain_http_and_local_addresses(client, supplier, settings, address, message):
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = []
    admin = staff(client, roles=["Managers"])

    response = admin.post(change_url(supplier), form(supplier, order_status_url=address, order_status_password="x"))

    assert response.status_code == 200
    assert errors_of(response.content.decode()) == [message.replace("'", "&#x27;")]
    supplier.refresh_from_db()
    assert supplier.order_status_url == URL
    assert decrypt_secret(supplier.order_status_password_encrypted) == "the-real-one"


def test_a_manager_adds_a_supplier_with_its_service_in_the_admin(client):
    admin = staff(client, roles=["Managers"])
    add = reverse("admin:purchasing_supplier_add")

    response = admin.post(
        add,
        {
            "name": "Caps Inc",
            "email": "",
            "phone": "",
            "order_status_url": "https://caps.example/os",
            "order_status_username": "desk",
            "order_status_password": "caps-pw",
        },
    )

    assert response.status_code == 302
    created = Supplier.objects.get(name="Caps Inc")
    assert decrypt_secret(created.order_status_password_encrypted) == "caps-pw"

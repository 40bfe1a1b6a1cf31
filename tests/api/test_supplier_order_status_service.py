"""A supplier's order status service over the API: Managers only, the password write-only, https only.

The service is sent the stored password on every call: whoever may point it elsewhere may read the
password, so only Managers set or change the URL, the user id or the password (anyone else gets 403
naming the field, and nothing changes), and a new URL or user id drops the stored password.
"""

import pytest

from core.encryption import decrypt_secret, encrypt_secret
from purchasing.models import Supplier
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db

URL = "https://mugs.example/orderStatus/1.0.0"


@pytest.fixture
def supplier() -> Supplier:
    return SupplierFactory(
        name="Mugs & Co",
        order_status_url=URL,
        order_status_username="desk-42",
        order_status_password_encrypted=encrypt_secret("the-real-one"),
    )


def test_everyone_reads_the_address_and_user_id_and_never_the_password(as_invoicing, supplier):
    body = as_invoicing.get(f"/api/suppliers/{supplier.pk}/").json()

    assert (body["order_status_url"], body["order_status_username"], body["order_status_password_stored"]) == (
        URL,
        "desk-42",
        True,
    )
    assert "order_status_password" not in body and "order_status_password_encrypted" not in body


@pytest.mark.parametrize("client", ["as_production", "as_sales"])
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
        (
            "shipment_url",
            "https://collector.attacker.example/orderShipmentNotification",
            "Only Managers may set or change the shipment notification service URL.",
        ),
        ("shipment_enabled", True, "Only Managers may set or change the shipment notification switch."),
        (
            "inventory_url",
            "https://collector.attacker.example/inventory",
            "Only Managers may set or change the inventory service URL.",
        ),
        ("inventory_enabled", True, "Only Managers may set or change the inventory service switch."),
    ],
)
def test_production_and_sales_cannot_change_the_service(request, client, supplier, field, value, message):
    api = request.getfixturevalue(client)
    stored = Supplier.objects.values().get(pk=supplier.pk)

    response = api.patch(f"/api/suppliers/{supplier.pk}/", {"phone": "+1 555 0100", field: value}, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": message}
    assert Supplier.objects.values().get(pk=supplier.pk) == stored


def test_production_still_changes_the_rest_and_may_send_the_service_unchanged(as_production, supplier):
    response = as_production.patch(
        f"/api/suppliers/{supplier.pk}/",
        {"phone": "+1 555 0100", "order_status_url": URL, "order_status_username": "desk-42"},
        format="json",
    )

    assert response.status_code == 200
    supplier.refresh_from_db()
    assert supplier.phone == "+1 555 0100"
    assert decrypt_secret(supplier.order_status_password_encrypted) == "the-real-one"


def test_sales_cannot_create_a_supplier_with_a_service(as_sales):
    response = as_sales.post(
        "/api/suppliers/",
        {"name": "Caps Inc", "order_status_url": URL, "order_status_username": "desk", "order_status_password": "pw"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Only Managers may set or change the order status service URL."}
    assert not Supplier.objects.exists()


def test_a_manager_changing_the_url_drops_the_password_until_it_is_sent_again(as_manager, supplier):
    response = as_manager.patch(
        f"/api/suppliers/{supplier.pk}/", {"order_status_url": "https://other.example/os"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["order_status_password_stored"] is False
    assert Supplier.objects.values_list("order_status_password_encrypted", flat=True).get(pk=supplier.pk) == ""

    response = as_manager.patch(
        f"/api/suppliers/{supplier.pk}/", {"order_status_password": "for-the-new-one"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["order_status_password_stored"] is True
    assert "order_status_password" not in response.json()
    supplier.refresh_from_db()
    assert decrypt_secret(supplier.order_status_password_encrypted) == "for-the-new-one"

    # a new user id drops it too
    as_manager.patch(f"/api/suppliers/{supplier.pk}/", {"order_status_username": "desk-43"}, format="json")
    assert Supplier.objects.values_list("order_status_password_encrypted", flat=True).get(pk=supplier.pk) == ""


@pytest.mark.parametrize(
    ("address", "message"),
    [
        (
            "http://mugs.example/orderStatus",
            "Order status service URL must start with https://: the password travels with every call, and plain "
            "http would show it to anyone on the way.",
        ),
        (
            "https://10.0.0.7/orderStatus",
            "Order status service URL points at a local or private network address; the desk calls suppliers at "
            "public addresses only.",
        ),
    ],
)
def test_plain_http_and_private_addresses_are_refused(as_manager, supplier, settings, address, message):
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = []
    stored = Supplier.objects.values().get(pk=supplier.pk)

    response = as_manager.patch(
        f"/api/suppliers/{supplier.pk}/", {"order_status_url": address, "order_status_password": "x"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"order_status_url": [message]}
    assert Supplier.objects.values().get(pk=supplier.pk) == stored

"""A supplier's shipment notification service on its pages: its own URL and switch, the order status account.

It is sent the stored password too, so only Managers set its address or switch it, and a new address
does not keep the stored password.
"""

import pytest
from django.urls import reverse

from core.encryption import decrypt_secret, encrypt_secret
from purchasing.models import Supplier
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
SHIPMENTS = "https://mugs.example/orderShipmentNotification/2.0.0"


@pytest.fixture
def supplier():
    return SupplierFactory(
        name="Mugs & Co",
        email="orders@mugs.example",
        order_status_url=SERVICE["order_status_url"],
        order_status_username="desk-42",
        order_status_password_encrypted=encrypt_secret("tr0ub4dor&3"),
    )


def test_a_manager_switches_the_shipment_service_on_with_its_address(manager, signed_in, supplier):
    browser = signed_in(manager)
    page = browser.get(reverse("supplier-edit", args=[supplier.pk])).content.decode()
    assert '<label for="id_shipment_url">Shipment notification service URL</label>' in page
    assert '<label for="id_shipment_enabled">Read shipments from the supplier</label>' in page

    # a new address does not keep the stored password: it is typed again with it
    url = reverse("supplier-edit", args=[supplier.pk])
    response = browser.post(url, {**SERVICE, "shipment_url": SHIPMENTS, "shipment_enabled": "on"})
    assert response.status_code == 400
    assert error_next_to(
        response.content.decode(),
        "id_order_status_password",
        "Type the password again: a changed URL or user id does not keep the stored one.",
    )
    assert Supplier.objects.get(pk=supplier.pk).shipment_url == ""

    response = browser.post(
        url, {**SERVICE, "shipment_url": SHIPMENTS, "shipment_enabled": "on", "order_status_password": "n3w-pass"}
    )
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.shipment_url, supplier.shipment_enabled) == (SHIPMENTS, True)
    assert decrypt_secret(supplier.order_status_password_encrypted) == "n3w-pass"
    page = browser.get(reverse("supplier-detail", args=[supplier.pk])).content.decode()
    assert "On (with the order status user id and password)" in page

    # switched on without an address: said next to the address
    response = browser.post(url, {**SERVICE, "shipment_url": "", "shipment_enabled": "on"})
    assert error_next_to(
        response.content.decode(),
        "id_shipment_url",
        "Give the shipment notification service URL to read shipments from.",
    )


def test_production_may_not_switch_the_shipment_service(production_rep, signed_in, supplier):
    response = signed_in(production_rep).post(
        reverse("supplier-edit", args=[supplier.pk]), {**SERVICE, "shipment_enabled": "on"}
    )

    assert response.status_code == 400
    assert error_next_to(
        response.content.decode(),
        "id_shipment_enabled",
        "Only Managers may switch the shipment notification service on or off.",
    )
    assert Supplier.objects.get(pk=supplier.pk).shipment_enabled is False

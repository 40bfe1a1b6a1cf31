"""A supplier's inventory service on its pages: its own URL and switch, the order status account, Managers only."""

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
INVENTORY = "https://mugs.example/inventory/2.0.0"


@pytest.fixture
def supplier():
    return SupplierFactory(
        name="Mugs & Co",
        email="orders@mugs.example",
        order_status_url=SERVICE["order_status_url"],
        order_status_username="desk-42",
        order_status_password_encrypted=encrypt_secret("tr0ub4dor&3"),
    )


def test_a_manager_switches_the_inventory_service_on_with_its_address(manager, signed_in, supplier):
    browser = signed_in(manager)
    url = reverse("supplier-edit", args=[supplier.pk])
    page = browser.get(url).content.decode()
    assert '<label for="id_inventory_url">Inventory service URL</label>' in page
    assert '<label for="id_inventory_enabled">Check stock with the supplier</label>' in page

    # switched on without an address: said next to the address
    response = browser.post(url, {**SERVICE, "inventory_enabled": "on"})
    assert error_next_to(
        response.content.decode(), "id_inventory_url", "Give the inventory service URL to check stock with."
    )

    response = browser.post(
        url, {**SERVICE, "inventory_url": INVENTORY, "inventory_enabled": "on", "order_status_password": "n3w-pass"}
    )
    assert response.status_code == 302
    supplier.refresh_from_db()
    assert (supplier.inventory_url, supplier.inventory_enabled) == (INVENTORY, True)
    assert decrypt_secret(supplier.order_status_password_encrypted) == "n3w-pass"
    page = browser.get(reverse("supplier-detail", args=[supplier.pk])).content.decode()
    assert 'data-testid="inventory-service"' in page and INVENTORY in page


def test_production_may_not_switch_the_inventory_service(production_rep, signed_in, supplier):
    response = signed_in(production_rep).post(
        reverse("supplier-edit", args=[supplier.pk]), {**SERVICE, "inventory_enabled": "on"}
    )

    assert response.status_code == 400
    assert error_next_to(
        response.content.decode(), "id_inventory_enabled", "Only Managers may switch the inventory service on or off."
    )
    assert Supplier.objects.get(pk=supplier.pk).inventory_enabled is False

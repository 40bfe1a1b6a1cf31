"""Fixtures of the supplier order status tests: a simulated supplier on a local port, and ours set up for it."""

from datetime import date

import pytest
from django.test import Client

from projects.models import SalesOrderItem
from purchasing.promostandards.simulator import SimulatedPart, SimulatorServer, SupplierSimulator
from purchasing.services import supplier_update

SUPPLIER_USER = "northwind-desk"
SUPPLIER_PASSWORD = "Pa55-word!9"  # noqa: S105 - the simulated supplier's test account
COMES_IN = date(2027, 3, 1)  # when the simulated supplier expects more white mugs


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Hash the factories' passwords cheaply: every PO the tests write brings three reps."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def simulator():
    """A supplier's Order Status Service, answering from `simulator.app.orders`; stopped afterwards."""
    server = SimulatorServer(SupplierSimulator(username=SUPPLIER_USER, password=SUPPLIER_PASSWORD)).start()
    yield server
    server.stop()


@pytest.fixture
def order_status_supplier(mug_order, simulator, settings):
    """The mug order's supplier, with the simulator's URL and account; a one-second timeout.

    The simulator serves plain http on 127.0.0.1, which the desk calls only because the settings
    name that host and port, as they would for the simulator on a developer's machine.
    """
    settings.SUPPLIER_ORDER_STATUS_TIMEOUT_SECONDS = 1
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = [f"127.0.0.1:{simulator.port}"]
    simulator.app.slow_seconds = 3  # well past the timeout
    supplier = mug_order.po.supplier
    supplier_update(
        supplier=supplier,
        by=None,
        order_status_url=simulator.url,
        order_status_username=SUPPLIER_USER,
        order_status_password=SUPPLIER_PASSWORD,
    )
    return supplier


@pytest.fixture
def inventory_supplier(order_status_supplier, simulator, mug_order):
    """The mug order's supplier with its inventory service on; the mugs carry its product and part ids."""
    SalesOrderItem.objects.filter(pk=mug_order.mugs.pk).update(
        supplier_product_id="MUG11", supplier_part_id="MUG11-WHT"
    )
    simulator.app.stock["MUG11"] = [
        SimulatedPart("MUG11-WHT", 120, [(400, COMES_IN), (50, date(2027, 4, 1))]),
        SimulatedPart("MUG11-BLK", 9000),
    ]
    return supplier_update(
        supplier=order_status_supplier,
        by=None,
        inventory_url=simulator.inventory_url,
        inventory_enabled=True,
        order_status_password=SUPPLIER_PASSWORD,
    )


@pytest.fixture
def signed_in(db):
    """Return a test client signed in as the given user."""

    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in

"""The simulated supplier itself: what it accepts, and the command that serves it."""

from datetime import date
from io import StringIO

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError

from purchasing.management.commands.run_supplier_simulator import _order, _shipment
from purchasing.promostandards.client import OrderStatusClient, OrderStatusServiceError
from purchasing.promostandards.simulator import SimulatedOrder, SimulatedPackage, SimulatorServer, SupplierSimulator
from purchasing.promostandards.statuses import STATUSES


@pytest.fixture
def server(settings):
    running = SimulatorServer(SupplierSimulator(orders={"PO-7": SimulatedOrder(60)})).start()
    # Plain http on 127.0.0.1: the desk calls it only because the settings name it.
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = [f"127.0.0.1:{running.port}"]
    yield running
    running.stop()


def test_it_lists_the_standards_status_types_to_a_client_with_the_right_account(server):
    client = OrderStatusClient(url=server.url, username="distributor", password="s3cret", timeout=2)
    assert client.status_types() == {status_id: name for status_id, (name, _meaning) in STATUSES.items()}
    wrong = OrderStatusClient(url=server.url, username="distributor", password="nope", timeout=2)
    with pytest.raises(OrderStatusServiceError) as refused:
        wrong.status_types()
    assert str(refused.value) == "The service refused the credentials: check the user id and the password."
    assert refused.value.detail == f"{server.url} answered: 105: Authentication Credentials failed"


def test_it_answers_a_request_that_is_not_soap_with_a_fault_and_a_get_with_405(server):
    response = requests.post(server.url, data=b"<not-soap", timeout=2)
    assert response.status_code == 500 and b"faultstring" in response.content
    assert requests.get(server.url, timeout=2).status_code == 405


def test_it_refuses_a_mode_it_does_not_have():
    with pytest.raises(ValueError, match="Unknown mode 'sleepy'"):
        SupplierSimulator(mode="sleepy")


def test_the_commands_orders_are_po_status_and_an_optional_date():
    assert _order("PO-1001:44:2027-03-01") == ("PO-1001", SimulatedOrder(44, expected_ship_date=date(2027, 3, 1)))
    assert _order("PO-1002:80") == ("PO-1002", SimulatedOrder(80))
    for bad in ("PO-1001", "PO-1001:soon", "PO-1001:44:March"):
        with pytest.raises(CommandError, match="--order"):
            _order(bad)


def test_the_commands_shipments_are_po_carrier_tracking_date_and_lines():
    assert _shipment("PO-1002:UPS:1Z9:2027-02-20:1=300,2=1") == (
        "PO-1002",
        SimulatedPackage("1Z9", {1: 300, 2: 1}, carrier="UPS", ship_date=date(2027, 2, 20)),
    )
    for bad in ("PO-1002:UPS:1Z9", "PO-1002:UPS:1Z9:soon:1=3", "PO-1002:UPS:1Z9:2027-02-20:one=3"):
        with pytest.raises(CommandError, match="--shipment"):
            _shipment(bad)


@pytest.mark.parametrize(
    ("allowed", "hint"),
    [(["127.0.0.1:8765"], False), (["localhost:8765"], True), ([], True)],
)
def test_the_command_says_when_the_desk_would_not_call_it(monkeypatch, settings, allowed, hint):
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = allowed
    monkeypatch.setattr(SimulatorServer, "serve_forever", lambda server: (_ for _ in ()).throw(KeyboardInterrupt))
    out = StringIO()

    call_command("run_supplier_simulator", "--port", "8765", stdout=out)

    said = "The desk calls it only if SUPPLIER_SERVICE_ALLOWED_HOSTS names 127.0.0.1:8765" in out.getvalue()
    assert said is hint
    assert "Supplier simulator at http://127.0.0.1:8765/orderStatus/1.0.0" in out.getvalue()

"""The sync calls a supplier's service only at a public address over https, or at a host the settings allow.

A supplier's URL is typed by a person; the desk must not become the way to reach loopback, the cloud
metadata service (169.254.169.254) or private networks. The address a name resolves to is checked
when connecting, and the connection goes to that very address: a name resolving to 127.0.0.1 is
refused, and a name that resolves elsewhere a moment later (DNS rebinding) never gets a second
lookup. Redirects to another address are refused. Every refusal shows on the supplier as a short
category; the log says what was refused.
"""

import logging
import socket
from dataclasses import dataclass, field

import pytest
import requests
import urllib3.util.connection

from backorders.order_status_sync import supplier_order_status_sync
from purchasing.models import Supplier
from purchasing.promostandards.simulator import PATH, SimulatedOrder, SimulatorServer, SupplierSimulator
from tests.backorders.conftest import SUPPLIER_PASSWORD, SUPPLIER_USER

pytestmark = pytest.mark.django_db

ADDRESS_NOT_ALLOWED = (
    "The address is not allowed: the desk calls suppliers' services over https, at public addresses only."
)
PUBLIC = "93.184.216.34"


@dataclass
class Network:
    """Every lookup and connection attempt the desk makes; `names` resolve as a test says."""

    names: dict[str, list[list[str]]] = field(default_factory=dict)  # name -> one answer per lookup
    lookups: list[str] = field(default_factory=list)
    connections: list[tuple[str, int]] = field(default_factory=list)
    refuse_connections: bool = False


@pytest.fixture
def network(monkeypatch) -> Network:
    recorded = Network()
    real_getaddrinfo = socket.getaddrinfo
    real_create_connection = urllib3.util.connection.create_connection

    def getaddrinfo(host, port, *args, **kwargs):
        recorded.lookups.append(host)
        if host in recorded.names:
            answers = recorded.names[host]
            addresses = answers.pop(0) if len(answers) > 1 else answers[0]
            return [
                (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in addresses
            ]
        return real_getaddrinfo(host, port, *args, **kwargs)

    def create_connection(address, *args, **kwargs):
        recorded.connections.append(address)
        if recorded.refuse_connections:
            raise ConnectionRefusedError(111, "Connection refused")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return recorded


def point_at(supplier: Supplier, url: str) -> None:
    """Store the URL as if saved before the rules (or before a setting changed): the sync must hold on its own."""
    Supplier.objects.filter(pk=supplier.pk).update(order_status_url=url)
    supplier.refresh_from_db()


def sync_logged(supplier, caplog) -> tuple[str, str]:
    with caplog.at_level(logging.WARNING, logger="backorders.order_status_sync"):
        result = supplier_order_status_sync(supplier=supplier)
    warnings = [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]
    return result.error, "\n".join(warnings)


def test_a_name_that_resolves_to_loopback_is_refused_when_connecting(
    order_status_supplier, simulator, mug_order, network, caplog
):
    # given the supplier's URL names a host that resolves to this machine, where the simulator listens
    simulator.app.orders["PO-1001"] = SimulatedOrder(44)
    network.names["orders.rebind.example"] = [["127.0.0.1"]]
    point_at(order_status_supplier, f"https://orders.rebind.example:{simulator.port}{PATH}")

    error, logged = sync_logged(order_status_supplier, caplog)

    # then nothing is connected to, the supplier says the address is not allowed, and the log says why
    assert error == ADDRESS_NOT_ALLOWED
    assert network.connections == [] and simulator.app.requests == []
    assert "orders.rebind.example resolves to 127.0.0.1, which is not a public address" in logged
    assert SUPPLIER_PASSWORD not in logged
    order_status_supplier.refresh_from_db()
    assert order_status_supplier.order_status_error == ADDRESS_NOT_ALLOWED


@pytest.mark.parametrize(
    "answer",
    [
        ["10.0.0.5"],
        ["169.254.169.254"],
        ["::1"],
        ["::ffff:127.0.0.1"],
        ["fd00::5"],
        ["100.64.0.1"],
        ["224.0.0.251"],
        ["0.0.0.0"],  # noqa: S104 - an address refused, not bound
        [PUBLIC, "192.168.1.10"],  # one bad address among good ones refuses them all
    ],
)
def test_a_name_resolving_to_any_address_that_is_not_public_is_refused(
    order_status_supplier, mug_order, network, caplog, answer
):
    network.names["orders.supplier.example"] = [answer]
    point_at(order_status_supplier, "https://orders.supplier.example/orderStatus")

    error, logged = sync_logged(order_status_supplier, caplog)

    assert error == ADDRESS_NOT_ALLOWED
    assert network.connections == []
    assert "which is not a public address" in logged


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://169.254.169.254/latest/meta-data/",
        "https://10.1.2.3:8443/orderStatus",
        "https://172.16.0.9/orderStatus",
        "https://[::ffff:169.254.169.254]/latest/meta-data/",
        "https://[fe80::1]/orderStatus",
        "https://[::1]/orderStatus",
        "https://0.0.0.0/orderStatus",
        "https://localhost/orderStatus",
        "http://orders.supplier.example/orderStatus",  # a public name, but the password would travel in clear
    ],
)
def test_metadata_private_and_plain_http_addresses_are_refused_without_any_connection(
    order_status_supplier, mug_order, network, caplog, url
):
    point_at(order_status_supplier, url)

    error, logged = sync_logged(order_status_supplier, caplog)

    assert error == ADDRESS_NOT_ALLOWED
    assert network.lookups == [] and network.connections == []
    assert url in logged


def test_dns_rebinding_gets_no_second_lookup_the_desk_connects_to_the_address_it_checked(
    order_status_supplier, mug_order, network, caplog
):
    # given a name that resolves to a public address once, and to 127.0.0.1 every time after
    network.names["orders.rebind.example"] = [[PUBLIC], ["127.0.0.1"]]
    network.refuse_connections = True  # no real connection leaves the test
    point_at(order_status_supplier, "https://orders.rebind.example/orderStatus")

    error, _logged = sync_logged(order_status_supplier, caplog)

    # then the one connection attempt went to the address that was checked, by address, not by name
    assert network.lookups.count("orders.rebind.example") == 1
    assert network.connections == [(PUBLIC, 443)]
    assert error == "The service did not answer."


def test_a_host_the_settings_allow_is_called_over_http_at_its_local_address(
    order_status_supplier, simulator, mug_order, settings, network
):
    simulator.app.orders["PO-1001"] = SimulatedOrder(20)
    point_at(order_status_supplier, f"http://localhost:{simulator.port}{PATH}")

    # allowed by name and port, or by name for any port: the real simulator answers
    for allowed in (f"localhost:{simulator.port}", "LOCALHOST"):
        settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = [allowed]
        result = supplier_order_status_sync(supplier=order_status_supplier)
        assert (result.error, result.asked) == ("", ["PO-1001"]), allowed
    assert [request["id"] for request in simulator.app.requests] == [SUPPLIER_USER, SUPPLIER_USER]

    # but another port of the same name is not allowed, and is never connected to
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = [f"localhost:{simulator.port + 1}", f"127.0.0.1:{simulator.port}"]
    connected = len(network.connections)
    result = supplier_order_status_sync(supplier=order_status_supplier)
    assert result.error == ADDRESS_NOT_ALLOWED
    assert len(network.connections) == connected and len(simulator.app.requests) == 2


def test_a_redirect_to_another_address_is_not_followed(order_status_supplier, simulator, mug_order, settings, caplog):
    # given the supplier's address sends the desk to another one, where a service would answer
    elsewhere = SimulatorServer(SupplierSimulator(username=SUPPLIER_USER, password=SUPPLIER_PASSWORD)).start()
    try:
        elsewhere.app.orders["PO-1001"] = SimulatedOrder(80)
        settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = [f"127.0.0.1:{simulator.port}", f"127.0.0.1:{elsewhere.port}"]

        def redirect(environ, start_response):
            start_response("307 Temporary Redirect", [("Location", elsewhere.url), ("Content-Length", "0")])
            return [b""]

        simulator.stop()
        simulator.app = redirect
        simulator.start()

        error, logged = sync_logged(order_status_supplier, caplog)

        # then the desk does not follow it with the password
        assert error == "The service sent the desk to another address, which the desk does not follow."
        assert elsewhere.app.requests == []
        assert f"redirected (HTTP 307) to {elsewhere.url}" in logged
    finally:
        elsewhere.stop()


def test_a_service_without_a_stored_password_is_not_asked(order_status_supplier, simulator, mug_order):
    Supplier.objects.filter(pk=order_status_supplier.pk).update(order_status_password_encrypted="")
    order_status_supplier.refresh_from_db()

    result = supplier_order_status_sync(supplier=order_status_supplier)

    assert result.error == "No password is stored: a Manager enters it on the supplier's edit page."
    assert simulator.app.requests == []


def test_the_session_refuses_what_the_sync_would_refuse(network, settings):
    from purchasing.promostandards.addresses import AddressNotAllowed
    from purchasing.promostandards.transport import SupplierSession

    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = []
    session = SupplierSession()
    network.names["metadata.rebind.example"] = [["169.254.169.254"]]
    for url in ("http://169.254.169.254/latest/", "https://metadata.rebind.example/latest/", "file:///etc/passwd"):
        with pytest.raises((AddressNotAllowed, requests.exceptions.InvalidSchema)):
            session.get(url, timeout=1)
    assert network.connections == []


# --- https: the certificate is checked against the URL's name, though the desk connects by address ---


def self_signed(tmp_path, name: str) -> tuple[str, str]:
    """Write a certificate for `name` (and its key); return both paths."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "supplier.pem", tmp_path / "supplier.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def tls_simulator(simulator, tmp_path):
    """The simulator behind TLS with a certificate for "localhost"; yields (server, CA file)."""
    import ssl

    cert, key = self_signed(tmp_path, "localhost")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    simulator.stop()
    simulator.start()
    simulator._server.socket = context.wrap_socket(simulator._server.socket, server_side=True)
    return simulator, cert


def test_https_checks_the_certificate_against_the_urls_name(
    order_status_supplier, tls_simulator, mug_order, settings, monkeypatch, caplog
):
    import purchasing.promostandards.client as client_module
    from purchasing.promostandards.transport import SupplierSession

    server, ca_file = tls_simulator
    server.app.orders["PO-1001"] = SimulatedOrder(20)
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = [f"localhost:{server.port}", f"127.0.0.1:{server.port}"]

    # a certificate nobody vouches for is refused
    point_at(order_status_supplier, f"https://localhost:{server.port}{PATH}")
    error, logged = sync_logged(order_status_supplier, caplog)
    assert error == "The service's https certificate could not be verified."
    assert "CERTIFICATE_VERIFY_FAILED" in logged

    # trusted, it answers over TLS though the desk connected to the address it resolved
    class TrustingTheTestAuthority(SupplierSession):
        def __init__(self):
            super().__init__()
            self.verify = ca_file

    monkeypatch.setattr(client_module, "SupplierSession", TrustingTheTestAuthority)
    result = supplier_order_status_sync(supplier=order_status_supplier)
    assert (result.error, result.asked) == ("", ["PO-1001"])
    assert server.app.requests[-1]["password"] == SUPPLIER_PASSWORD

    # and the name checked is the URL's: the same server by its address has no certificate for it
    caplog.clear()
    point_at(order_status_supplier, f"https://127.0.0.1:{server.port}{PATH}")
    error, logged = sync_logged(order_status_supplier, caplog)
    assert error == "The service's https certificate could not be verified."
    assert "127.0.0.1" in logged and len(server.app.requests) == 1

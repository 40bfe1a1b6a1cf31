"""Which addresses the desk calls a supplier's service at, and how SUPPLIER_SERVICE_ALLOWED_HOSTS reads."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from purchasing.promostandards.addresses import allowed_hosts, host_allowed, public_address, url_problem

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "2002:5db8:d822::1"],
)
def test_public_addresses_are_called(address):
    assert public_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "0.0.0.0",  # noqa: S104 - an address refused, not bound
        "10.0.0.1",
        "172.16.5.4",
        "192.168.0.1",
        "169.254.169.254",
        "100.64.0.1",  # shared address space (carrier-grade NAT)
        "192.0.2.1",  # documentation
        "198.18.0.1",  # benchmarking
        "224.0.0.251",  # multicast
        "239.255.255.250",
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fe80::1%eth0",
        "fc00::1",
        "fd12:3456::1",
        "fec0::1",  # site-local
        "ff02::1",  # multicast
        "2001:db8::1",  # documentation
        "::ffff:127.0.0.1",  # IPv4-mapped
        "::ffff:169.254.169.254",
        "::ffff:10.0.0.1",
        "::127.0.0.1",  # IPv4-compatible
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2002:a00:1::1",  # 6to4 of 10.0.0.1
    ],
)
def test_loopback_link_local_private_multicast_and_reserved_addresses_are_not(address):
    assert not public_address(address)


def test_an_ipv4_mapped_public_address_is_judged_by_its_ipv4_address():
    assert public_address("::ffff:93.184.216.34")
    assert public_address("64:ff9b::5db8:d822")


def test_the_allowed_hosts_are_names_or_names_with_a_port(settings):
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = [" LocalHost:8765 ", "simulator.internal", "[::1]:9000", "::1", ""]

    assert allowed_hosts() == [("localhost", 8765), ("simulator.internal", None), ("::1", 9000), ("::1", None)]
    assert host_allowed("localhost", 8765) and not host_allowed("localhost", 8766)
    assert host_allowed("simulator.internal.", 443) and host_allowed("[::1]", 9000)
    assert not host_allowed("127.0.0.1", 8765)  # a name allows that name, not the address it resolves to


def test_an_allowed_host_that_is_not_a_host_stops_the_desk_with_its_name(settings):
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = ["localhost:http"]
    with pytest.raises(ImproperlyConfigured, match=r"SUPPLIER_SERVICE_ALLOWED_HOSTS: 'localhost:http' is not a host"):
        allowed_hosts()


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://orders.supplier.example/os", ""),
        ("https://93.184.216.34:8443/os", ""),
        ("HTTPS://Orders.Supplier.Example/os", ""),
        ("ftp://orders.supplier.example/os", "must be a web address"),
        ("https:///os", "must be a web address"),
        ("https://orders.supplier.example:99999/os", "must be a web address"),
        ("http://orders.supplier.example/os", "must start with https://"),
        ("https://user:pw@orders.supplier.example/os", "must not hold a user name or password"),
        ("https://127.0.0.1/os", "local or private network address"),
        ("https://app.localhost/os", "local or private network address"),
        ("https://localhost./os", "local or private network address"),
        ("https://[::ffff:7f00:1]/os", "local or private network address"),
    ],
)
def test_url_problems_name_the_field_and_the_reason(settings, url, problem):
    settings.SUPPLIER_SERVICE_ALLOWED_HOSTS = []
    found = url_problem(url)
    if problem:
        assert found.startswith("Order status service URL ") and problem in found
    else:
        assert found == ""


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"DEBUG": "1"}, "['127.0.0.1:8765', 'localhost:8765']"),  # what run_supplier_simulator serves on
        ({"DEBUG": "0"}, "[]"),
        ({"DEBUG": "0", "SUPPLIER_SERVICE_ALLOWED_HOSTS": "sim.internal:8765, other.internal"}, None),
    ],
)
def test_the_default_allows_the_local_simulator_only_when_debugging(environment, expected):
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SUPPLIER_SERVICE_ALLOWED_HOSTS"}}
    env.update(SECRET_KEY="k" * 50, SITE_URL="https://desk.example.com", ALLOWED_HOSTS="desk.example.com")
    env.update(environment)
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.SUPPLIER_SERVICE_ALLOWED_HOSTS)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (expected or "['sim.internal:8765', 'other.internal']")

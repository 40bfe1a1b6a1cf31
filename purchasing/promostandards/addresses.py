"""Which addresses the desk calls a supplier's service at: https to a public address, or a host the settings allow.

A supplier's address is typed by a person, so the desk must never be a way to reach what only the
desk can reach: loopback, link-local (a cloud's metadata service at 169.254.169.254), private and
shared networks, multicast, unspecified and reserved addresses, in IPv4 and IPv6 alike (an IPv6
address that carries an IPv4 one, such as ::ffff:127.0.0.1, is judged by the IPv4 one). The URL is
checked when it is saved and again before each call; the address its name resolves to is checked
when connecting (projects/promostandards/transport.py), which is where it counts.

SUPPLIER_SERVICE_ALLOWED_HOSTS names the exceptions, e.g. the local simulator: a host name (any
port) or host:port ([::1]:8765 for IPv6). Such a host may be called over plain http and at any
address its name resolves to.
"""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError

DEFAULT_PORTS = {"http": 80, "https": 443}
# NAT64's well-known prefix carries an IPv4 address in its last 32 bits.
NAT64 = ipaddress.ip_network("64:ff9b::/96")

URL_LABEL = "Order status service URL"
NOT_A_WEB_ADDRESS = f"{URL_LABEL} must be a web address, such as https://supplier.example/orderStatus."
NEEDS_HTTPS = (
    f"{URL_LABEL} must start with https://: the password travels with every call, and plain http would "
    "show it to anyone on the way."
)
NO_CREDENTIALS_IN_URL = (
    f"{URL_LABEL} must not hold a user name or password; enter them in the user id and password boxes."
)
LOCAL_ADDRESS = (
    f"{URL_LABEL} points at a local or private network address; the desk calls suppliers at public addresses only."
)


class AddressNotAllowed(Exception):
    """The desk does not call this address; the message says why, for the log."""


def allowed_hosts() -> list[tuple[str, int | None]]:
    """Return SUPPLIER_SERVICE_ALLOWED_HOSTS as (host, port or None for any port), host in lower case."""
    rules: list[tuple[str, int | None]] = []
    for entry in getattr(settings, "SUPPLIER_SERVICE_ALLOWED_HOSTS", []):
        entry = entry.strip().lower()
        if not entry:
            continue
        if entry.startswith("["):
            host, _, rest = entry[1:].partition("]")
            port = rest.removeprefix(":")
        elif entry.count(":") == 1:
            host, _, port = entry.partition(":")
        else:
            host, port = entry, ""  # a name, or an IPv6 address without brackets: any port
        if not host or (port and not port.isdigit()):
            raise ImproperlyConfigured(
                f"SUPPLIER_SERVICE_ALLOWED_HOSTS: {entry!r} is not a host name or host:port, such as localhost:8765."
            )
        rules.append((host.rstrip("."), int(port) if port else None))
    return rules


def host_allowed(host: str, port: int | None) -> bool:
    """Tell whether the settings name this host (and port) as one the desk may call anyhow."""
    host = host.strip("[]").rstrip(".").lower()
    return any(rule_host == host and rule_port in (None, port) for rule_host, rule_port in allowed_hosts())


def public_address(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Tell whether an IP address is one on the public internet, which the desk may call."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) says nothing
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return public_address(address.ipv4_mapped)
        if address in NAT64:
            return public_address(ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF))
        if address.sixtofour is not None and not public_address(address.sixtofour):
            return False
        if address.is_site_local:
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    )


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


def url_problem(url: str) -> str:
    """Return why the desk would not call this service URL (a sentence naming the field), or "" when it would."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return NOT_A_WEB_ADDRESS
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not host:
        return NOT_A_WEB_ADDRESS
    if parts.username is not None or parts.password is not None:
        return NO_CREDENTIALS_IN_URL
    if host_allowed(host, port):
        return ""
    if scheme != "https":
        return NEEDS_HTTPS
    literal = _literal_address(host)
    if literal is not None and not public_address(literal):
        return LOCAL_ADDRESS
    # Names that mean this machine whatever DNS says (RFC 6761); any other name is judged by the
    # addresses it resolves to, when connecting.
    if literal is None and (host.rstrip(".") == "localhost" or host.rstrip(".").endswith(".localhost")):
        return LOCAL_ADDRESS
    return ""


def validate_order_status_url(value: str) -> None:
    """Refuse a supplier's service URL the desk would not call (the model's, the page's and the API's rule)."""
    if value and (problem := url_problem(value)):
        raise ValidationError(problem, code="order_status_url_not_allowed")

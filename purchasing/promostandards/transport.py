"""The HTTP session the desk calls suppliers' services with: it connects only where addresses.py allows.

Checking a URL's name before the call is not enough: the name is resolved again when connecting, and
may resolve elsewhere by then (DNS rebinding), or resolve to 127.0.0.1 from the start. So each new
connection resolves the name once, refuses the whole connection when any of its addresses is not
public (unless the host is allowed by name), and connects to one of those very addresses: there is
no second lookup to win. TLS still checks the certificate against the name.

Redirects to another scheme, host or port are refused (the next hop would be checked on connecting
anyway, but a supplier's service has no business sending the desk elsewhere with its password), and
no proxy from the environment is used: through a proxy, the desk could not know where it connects.
"""

import socket
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection

from purchasing.promostandards.addresses import (
    DEFAULT_PORTS,
    AddressNotAllowed,
    host_allowed,
    public_address,
    url_problem,
)

MAX_REDIRECTS = 3


class RedirectRefused(Exception):
    """The service answered with a redirect to another address; the message names both, for the log."""


def vetted_addresses(host: str, port: int) -> list[str]:
    """Resolve a host once and return its addresses, or raise AddressNotAllowed if any of them is not public."""
    host = host.strip("[]")
    found = socket.getaddrinfo(host, port, connection.allowed_gai_family(), socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(sockaddr[0]) for _family, _type, _proto, _name, sockaddr in found))
    if not addresses:
        raise socket.gaierror(f"{host} resolves to no address")
    if host_allowed(host, port):
        return addresses
    refused = [address for address in addresses if not public_address(address)]
    if refused:
        raise AddressNotAllowed(f"{host} resolves to {', '.join(refused)}, which is not a public address")
    return addresses


def _vetted_socket(conn: HTTPConnection) -> socket.socket:
    """Open the connection's socket to one of its host's vetted addresses (see the module)."""
    try:
        addresses = vetted_addresses(conn._dns_host, conn.port)
    except socket.gaierror as error:
        raise NameResolutionError(conn.host, conn, error) from error
    last_error: OSError | None = None
    for address in addresses:
        try:
            # An address, not a name: create_connection looks nothing up.
            return connection.create_connection(
                (address, conn.port),
                conn.timeout,
                source_address=conn.source_address,
                socket_options=conn.socket_options,
            )
        except TimeoutError as error:
            raise ConnectTimeoutError(
                conn, f"Connection to {conn.host} ({address}) timed out. (connect timeout={conn.timeout})"
            ) from error
        except OSError as error:
            last_error = error
    raise NewConnectionError(conn, f"Failed to establish a new connection: {last_error}")


class VettedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        return _vetted_socket(self)


class VettedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        return _vetted_socket(self)


class _VettedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = VettedHTTPConnection


class _VettedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = VettedHTTPSConnection


class VettedAdapter(HTTPAdapter):
    """Send only to URLs the desk calls, over connections that vet the address they connect to."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _VettedHTTPConnectionPool,
            "https": _VettedHTTPSConnectionPool,
        }

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        raise AddressNotAllowed(f"a proxy ({proxy}) was asked for; suppliers' services are called directly")

    def send(self, request, *args, **kwargs):
        if problem := url_problem(request.url or ""):
            raise AddressNotAllowed(f"{request.url}: {problem}")
        return super().send(request, *args, **kwargs)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").rstrip("."), parts.port or DEFAULT_PORTS.get(scheme)


class SupplierSession(requests.Session):
    """A requests session for suppliers' services only: vetted connections, same-origin redirects, no proxy."""

    def __init__(self) -> None:
        super().__init__()
        self.trust_env = False  # no HTTP(S)_PROXY, no .netrc credentials
        self.max_redirects = MAX_REDIRECTS
        adapter = VettedAdapter()
        self.adapters.clear()
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def get_redirect_target(self, resp):
        target = super().get_redirect_target(resp)
        if target is not None:
            absolute = urljoin(resp.url, target)
            if _origin(absolute) != _origin(resp.url):
                resp.close()
                raise RedirectRefused(f"{resp.url} redirected (HTTP {resp.status_code}) to {absolute}")
        return target

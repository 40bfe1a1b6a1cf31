"""Creating and changing clients."""

from django.contrib.auth.models import User

from core.roles import Role
from projects.models import Client
from projects.services.common import _require_role, _save_checked


def client_create(*, by: User | None, **fields) -> Client:
    """Create a client."""
    _require_role(by, Role.SALES, action="create clients")
    client = Client(**fields)
    _save_checked(client)
    return client


def client_update(*, client: Client, by: User | None, **fields) -> Client:
    """Change a client's details."""
    _require_role(by, Role.SALES, action="change clients")
    for name, value in fields.items():
        setattr(client, name, value)
    _save_checked(client)
    return client

"""API fixtures: a client per role signed in with its token, and one signed out."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Factories hash a password for every user they make; the real hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def token_client(user) -> APIClient:
    """An API client that sends the user's token, as an integrator's script would."""
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.user = user
    return client


@pytest.fixture
def anonymous(db) -> APIClient:
    return APIClient()


@pytest.fixture
def as_production(production_rep) -> APIClient:
    return token_client(production_rep)


@pytest.fixture
def as_sales(sales_rep) -> APIClient:
    return token_client(sales_rep)


@pytest.fixture
def as_invoicing(invoicing_rep) -> APIClient:
    return token_client(invoicing_rep)


@pytest.fixture
def as_manager(manager) -> APIClient:
    return token_client(manager)


@pytest.fixture
def as_nobody(db) -> APIClient:
    """Signed in, but in none of the four groups."""
    return token_client(UserFactory(username="nora", roles=[]))

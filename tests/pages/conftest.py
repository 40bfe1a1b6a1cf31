"""Fixtures of the page tests: a signed-in client per role."""

import pytest
from django.test import Client


@pytest.fixture
def signed_in(db):
    """Return a test client signed in as the given user."""

    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in

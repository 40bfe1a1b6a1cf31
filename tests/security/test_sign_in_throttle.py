"""Five wrong passwords for one account within 15 minutes lock it, with a clear message."""

import pytest
from django.core.cache import cache

from config.throttle import LOCKED_MESSAGE, _key
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def account(db):
    user = UserFactory(username="throttled.rep", roles=["Sales"])
    cache.delete(_key(user.username))
    yield user
    cache.delete(_key(user.username))


def sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_fifth_wrong_password_locks_the_account_even_for_the_right_one(client, account):
    for _ in range(5):
        response = sign_in(client, account.username, "wrong password")
        assert response.status_code == 200
        assert LOCKED_MESSAGE not in response.content.decode()
    response = sign_in(client, account.username, PASSWORD)
    assert response.status_code == 200
    assert LOCKED_MESSAGE in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_still_let_the_right_one_in(client, account):
    for _ in range(4):
        sign_in(client, account.username, "wrong password")
    response = sign_in(client, account.username, PASSWORD)
    assert response.status_code == 302
    # A good sign-in clears the count.
    assert cache.get(_key(account.username)) is None


def test_the_lock_is_per_account(client, account):
    other = UserFactory(username="other.rep", roles=["Sales"])
    cache.delete(_key(other.username))
    for _ in range(5):
        sign_in(client, account.username, "wrong password")
    assert sign_in(client, other.username, PASSWORD).status_code == 302

"""API tokens expire after API_TOKEN_DAYS, and their owner sees, replaces and revokes them on a page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.services import api_token_for_sign_in
from core.authentication import token_expires_at
from projects.models import Client
from tests.factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def rep(db):
    return UserFactory(username="tess", roles=["Sales"])


def age(token: Token, days: float) -> Token:
    """Pretend the token was created this many days ago."""
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(days=days))
    token.refresh_from_db()
    return token


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def ask_for_token(username: str = "tess", password: str = PASSWORD):
    return APIClient().post("/api/auth/token/", {"username": username, "password": password}, format="json")


# --- expiry -----------------------------------------------------------------------------------------


def test_a_token_works_until_it_expires(rep):
    token = age(Token.objects.create(user=rep), 29.9)
    assert api(token.key).get("/api/clients/").status_code == 200


def test_an_expired_token_answers_401_saying_when_and_what_to_do(rep):
    token = age(Token.objects.create(user=rep), 31)
    expired_on = timezone.localdate(token.created + timedelta(days=30)).isoformat()
    response = api(token.key).get("/api/clients/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {
        "detail": f"Token expired on {expired_on}; sign in for a new one via POST /api/auth/token/."
    }


def test_an_expired_token_changes_nothing(rep):
    token = age(Token.objects.create(user=rep), 31)
    response = api(token.key).post("/api/clients/", {"name": "Late", "billing_email": "a@b.example"}, format="json")
    assert response.status_code == 401
    assert not Client.objects.filter(name="Late").exists()


def test_the_lifetime_comes_from_api_token_days(rep, settings):
    settings.API_TOKEN_DAYS = 1
    token = age(Token.objects.create(user=rep), 1.5)
    assert api(token.key).get("/api/clients/").status_code == 401
    settings.API_TOKEN_DAYS = 2
    assert api(token.key).get("/api/clients/").status_code == 200


def test_the_token_endpoint_gives_the_same_token_until_it_expires(rep):
    first = ask_for_token()
    assert first.status_code == 200
    again = ask_for_token()
    assert again.json()["token"] == first.json()["token"]
    token = Token.objects.get(user=rep)
    assert again.json()["expires_at"] == token_expires_at(token).isoformat().replace("+00:00", "Z")


def test_the_token_endpoint_replaces_an_expired_token(rep):
    old = age(Token.objects.create(user=rep), 31)
    response = ask_for_token()
    assert response.status_code == 200
    new_key = response.json()["token"]
    assert new_key != old.key
    assert Token.objects.filter(user=rep).count() == 1
    assert api(new_key).get("/api/clients/").status_code == 200
    assert api(old.key).get("/api/clients/").json() == {"detail": "Invalid token."}


def test_a_fresh_token_is_left_alone_by_a_sign_in(rep):
    token = Token.objects.create(user=rep)
    assert api_token_for_sign_in(user=rep) == token


# --- the page ---------------------------------------------------------------------------------------


@pytest.fixture
def page(rep, client):
    client.force_login(rep)
    return client


def test_the_header_links_to_the_tokens_page(page):
    assert f'href="{reverse("account-tokens")}"' in page.get(reverse("desk")).content.decode()


def test_the_page_shows_created_and_expiry_but_never_the_key(page, rep):
    token = Token.objects.create(user=rep)
    response = page.get(reverse("account-tokens"))
    html = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert date_format(timezone.localtime(token.created), "DATETIME_FORMAT") in html
    assert date_format(timezone.localtime(token_expires_at(token)), "DATETIME_FORMAT") in html
    assert ">Revoke</button>" in html
    assert token.key not in html


def test_the_page_says_when_a_token_has_expired(page, rep):
    token = age(Token.objects.create(user=rep), 40)
    html = page.get(reverse("account-tokens")).content.decode()
    assert f"Expired on {date_format(timezone.localdate(token_expires_at(token)))}" in html


def test_without_a_token_the_page_says_so(page):
    html = page.get(reverse("account-tokens")).content.decode()
    assert "You have no API token." in html
    assert ">Revoke</button>" not in html


def test_creating_a_token_shows_its_key_once(page, rep):
    old = Token.objects.create(user=rep)
    response = page.post(reverse("account-token-create"))
    assert response.status_code == 200
    new = Token.objects.get(user=rep)
    assert new.key != old.key
    html = response.content.decode()
    assert new.key in html
    assert "Copy it now: this page shows it only once." in html
    assert response["Cache-Control"] == "private, no-store"
    # The old key no longer signs in; the new one does.
    assert api(old.key).get("/api/clients/").status_code == 401
    assert api(new.key).get("/api/clients/").status_code == 200
    # Shown once: the next visit does not show it.
    assert new.key not in page.get(reverse("account-tokens")).content.decode()


def test_revoking_the_token_stops_it_signing_in(page, rep):
    token = Token.objects.create(user=rep)
    response = page.post(reverse("account-token-revoke"), follow=True)
    assert "Your API token is revoked: nothing signs in with it any more." in response.content.decode()
    assert not Token.objects.filter(user=rep).exists()
    assert api(token.key).get("/api/clients/").json() == {"detail": "Invalid token."}


def test_revoking_without_a_token_says_so(page):
    response = page.post(reverse("account-token-revoke"), follow=True)
    assert "You have no API token to revoke." in response.content.decode()


def test_revoking_touches_only_your_own_token(page, rep):
    other = Token.objects.create(user=UserFactory(username="olga", roles=["Sales"]))
    Token.objects.create(user=rep)
    page.post(reverse("account-token-revoke"))
    assert Token.objects.filter(pk=other.pk).exists()
    assert other.key not in page.get(reverse("account-tokens")).content.decode()


def test_the_page_is_for_signed_in_users_and_takes_posts_only_to_change(client, rep):
    response = client.get(reverse("account-tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    client.force_login(rep)
    assert client.get(reverse("account-token-create")).status_code == 405
    assert client.get(reverse("account-token-revoke")).status_code == 405
    assert not Token.objects.exists()


def test_managers_find_the_locked_sign_ins_from_the_page(client, manager, rep):
    client.force_login(manager)
    assert f'href="{reverse("account-sign-in-locks")}"' in client.get(reverse("account-tokens")).content.decode()
    client.force_login(rep)
    assert reverse("account-sign-in-locks") not in client.get(reverse("account-tokens")).content.decode()

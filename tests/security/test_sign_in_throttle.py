"""Sign-in lockouts (django-axes): five wrong passwords for one user name from one address lock that
pair for the cool-off, on the sign-in page, the admin's sign-in and the API's token endpoint alike.
A lock never reaches the same user at another address, so nobody can lock a colleague out everywhere."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.sign_in import locked_message
from config.settings import client_ip_settings
from tests.factories import PASSWORD, UserFactory

HOME = "198.51.100.7"
OFFICE = "203.0.113.8"
ADMIN_WRONG = "Please enter the correct username and password for a staff account."
PAGE_WRONG = "Please enter a correct username and password."
LOCKED = (
    "Too many failed sign-ins for this account from your address. Try again in 15 minutes, "
    "or ask a manager to unlock it."
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Every attempt below checks a password; the real hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def account(db):
    return UserFactory(username="throttled.rep", roles=["Sales"])


@pytest.fixture
def staff(db):
    return UserFactory(username="staff.admin", is_staff=True, is_superuser=True)


def sign_in(client, username, password, *, address=HOME, path="/accounts/login/", **headers):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def token(username, password, *, address=HOME):
    return APIClient().post(
        "/api/auth/token/", {"username": username, "password": password}, format="json", REMOTE_ADDR=address
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_message_names_the_cool_off_from_the_settings():
    assert locked_message() == LOCKED


# --- the admin's sign-in ---------------------------------------------------------------------------


def test_twenty_wrong_passwords_on_the_admin_sign_in_are_refused(client, staff):
    for attempt in range(1, 21):
        response = sign_in(client, staff.username, "wrong password", path="/admin/login/")
        page = response.content.decode()
        if attempt < 5:
            assert response.status_code == 200, attempt
            assert ADMIN_WRONG in page
        else:
            # The fifth failure reaches the limit: from then on the pair is locked.
            assert response.status_code == 429, attempt
            assert LOCKED in page
    # Locked out even with the right password: axes refuses before the password is checked.
    response = sign_in(client, staff.username, PASSWORD, path="/admin/login/")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username=staff.username, ip_address=HOME).failures_since_start == 21


def test_the_sixth_try_is_refused_even_with_the_right_password_on_the_admin(client, staff):
    for _ in range(5):
        sign_in(client, staff.username, "wrong password", path="/admin/login/")
    response = sign_in(client, staff.username, PASSWORD, path="/admin/login/")
    assert response.status_code == 429
    assert 'href="/admin/login/"' in response.content.decode()
    assert not signed_in(client)


# --- the sign-in page ---------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_sign_in_page_even_for_the_right_one(client, account):
    for _ in range(4):
        response = sign_in(client, account.username, "wrong password")
        assert response.status_code == 200
        assert PAGE_WRONG in response.content.decode()
    fifth = sign_in(client, account.username, "wrong password")
    assert fifth.status_code == 429
    response = sign_in(client, account.username, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "<h1>Sign-in locked</h1>" in page
    assert LOCKED in page
    assert f'href="{reverse("login")}"' in page
    assert not signed_in(client)


def test_four_wrong_passwords_still_let_the_right_one_in_and_are_forgotten(client, account):
    for _ in range(4):
        sign_in(client, account.username, "wrong password")
    response = sign_in(client, account.username, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    # A good sign-in clears the pair's count.
    assert not AccessAttempt.objects.filter(username=account.username).exists()


def test_a_lock_from_one_address_does_not_lock_the_same_user_at_another(client, account):
    for _ in range(5):
        sign_in(client, account.username, "wrong password", address=HOME)
    assert sign_in(client, account.username, PASSWORD, address=HOME).status_code == 429
    response = sign_in(client, account.username, PASSWORD, address=OFFICE)
    assert response.status_code == 302
    assert signed_in(client)


def test_a_lock_is_for_one_user_name_only(client, account):
    other = UserFactory(username="other.rep", roles=["Sales"])
    for _ in range(5):
        sign_in(client, account.username, "wrong password")
    assert sign_in(client, other.username, PASSWORD).status_code == 302


def test_the_lock_lifts_once_the_cool_off_has_passed(client, account):
    for _ in range(5):
        sign_in(client, account.username, "wrong password")
    attempts = AccessAttempt.objects.filter(username=account.username, ip_address=HOME)
    # Wind the clock of the failures back, as if time had passed: still locked just before 15 minutes...
    attempts.update(attempt_time=timezone.now() - timedelta(minutes=14, seconds=50))
    assert sign_in(client, account.username, PASSWORD).status_code == 429
    # ...each try during the lock starts the cool-off again, so wind back from the latest one.
    attempts.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    response = sign_in(client, account.username, PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)


def test_the_cool_off_and_the_limit_come_from_the_settings(client, account, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    sign_in(client, account.username, "wrong password")
    response = sign_in(client, account.username, "wrong password")
    assert response.status_code == 429
    assert "Try again in 1 minute," in response.content.decode()
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(seconds=2))
    assert sign_in(client, account.username, PASSWORD).status_code == 302


# --- the API's token endpoint ------------------------------------------------------------------------


def test_the_token_endpoint_locks_the_same_way(account):
    for _ in range(4):
        wrong = token(account.username, "guess")
        assert wrong.status_code == 400
        assert wrong.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert token(account.username, "guess").status_code == 429
    response = token(account.username, PASSWORD)
    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED}
    # The page and the API share the count: the page is locked too.
    assert sign_in(APIClient(), account.username, PASSWORD).status_code == 429
    # Another address is not locked.
    assert token(account.username, PASSWORD, address=OFFICE).status_code == 200


def test_failures_on_the_page_lock_the_token_endpoint(client, account):
    for _ in range(5):
        sign_in(client, account.username, "wrong password")
    assert token(account.username, PASSWORD).status_code == 429


def test_a_token_after_a_few_wrong_passwords_clears_them(account):
    for _ in range(4):
        token(account.username, "guess")
    assert token(account.username, PASSWORD).status_code == 200
    assert not AccessAttempt.objects.filter(username=account.username).exists()


# --- behind a proxy -----------------------------------------------------------------------------------


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, account):
    for _ in range(5):
        sign_in(client, account.username, "wrong password", HTTP_X_FORWARDED_FOR="192.0.2.1")
    # A new X-Forwarded-For does not make a new address: only the socket's counts.
    response = sign_in(client, account.username, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.2")
    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == HOME


def test_behind_a_trusted_proxy_the_forwarded_client_address_counts(client, account, settings):
    for name, value in client_ip_settings(1).items():
        setattr(settings, name, value)
    proxy = "10.0.0.2"
    for _ in range(5):
        sign_in(client, account.username, "wrong password", address=proxy, HTTP_X_FORWARDED_FOR=OFFICE)
    assert AccessAttempt.objects.get().ip_address == OFFICE
    # Still locked when the client writes another address in front of the one the proxy appended.
    spoofed = sign_in(client, account.username, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.9, {OFFICE}")
    assert spoofed.status_code == 429
    # The same user from another client behind the same proxy is not locked.
    other = sign_in(client, account.username, PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=HOME)
    assert other.status_code == 302


def test_client_ip_settings_trust_no_header_by_default():
    assert client_ip_settings(0)["AXES_IPWARE_META_PRECEDENCE_ORDER"] == ("REMOTE_ADDR",)
    two = client_ip_settings(2)
    assert two["AXES_IPWARE_META_PRECEDENCE_ORDER"] == ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    assert two["AXES_IPWARE_PROXY_COUNT"] == 1


# --- seeing and lifting locks -------------------------------------------------------------------------


def lock(client, user, address=HOME):
    for _ in range(5):
        sign_in(client, user.username, "wrong password", address=address)
    assert sign_in(client, user.username, PASSWORD, address=address).status_code == 429


def test_a_manager_sees_the_lock_and_unlocks_a_colleague(client, account, manager):
    lock(client, account)
    lock(client, account, address=OFFICE)
    desk = APIClient()
    desk.force_login(manager)
    page = desk.get(reverse("account-sign-in-locks")).content.decode()
    assert account.username in page and HOME in page and OFFICE in page
    attempt = AccessAttempt.objects.get(username=account.username, ip_address=HOME)
    response = desk.post(reverse("account-sign-in-unlock", args=[attempt.pk]), follow=True)
    assert f"{account.username} may sign in again from {HOME}." in response.content.decode()
    assert sign_in(client, account.username, PASSWORD).status_code == 302
    # Only that address was unlocked.
    assert sign_in(APIClient(), account.username, PASSWORD, address=OFFICE).status_code == 429


def test_the_locks_page_says_when_nobody_is_locked(manager):
    desk = APIClient()
    desk.force_login(manager)
    assert "Nobody is locked out." in desk.get(reverse("account-sign-in-locks")).content.decode()


def test_only_managers_see_the_locks_page(client, account, sales_rep):
    lock(client, account)
    desk = APIClient()
    desk.force_login(sales_rep)
    assert desk.get(reverse("account-sign-in-locks")).status_code == 403
    attempt = AccessAttempt.objects.get()
    assert desk.post(reverse("account-sign-in-unlock", args=[attempt.pk])).status_code == 403
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_the_admin_lists_the_attempts_and_unlocks_them(client, account, staff):
    lock(client, account)
    admin = APIClient()
    admin.force_login(staff)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert account.username in admin.get(changelist).content.decode()
    attempt = AccessAttempt.objects.get(username=account.username)
    response = admin.post(changelist, {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True)
    assert "Cleared 1 failed sign-in record(s)." in response.content.decode()
    assert sign_in(client, account.username, PASSWORD).status_code == 302


def test_the_axes_command_unlocks_a_user_name(client, account):
    lock(client, account)
    call_command("axes_reset_username", account.username)
    assert sign_in(client, account.username, PASSWORD).status_code == 302

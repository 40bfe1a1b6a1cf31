"""Sign-in throttling: five wrong passwords for one account within 15 minutes lock it for a while."""

import hashlib

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver

MAX_FAILURES = getattr(settings, "SIGN_IN_MAX_FAILURES", 5)
WINDOW_SECONDS = getattr(settings, "SIGN_IN_WINDOW_SECONDS", 15 * 60)
LOCKED_MESSAGE = "Too many failed sign-ins for this account. Wait 15 minutes and try again, or ask a manager."


def _key(username: str) -> str:
    digest = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()
    return f"sign-in-failures:{digest}"


def sign_in_locked(username: str) -> bool:
    """Tell whether the account has had too many wrong passwords lately."""
    return (cache.get(_key(username)) or 0) >= MAX_FAILURES


def sign_in_failed(username: str) -> None:
    key = _key(username)
    # The window starts at the first failure and the count expires with it.
    if not cache.add(key, 1, timeout=WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=WINDOW_SECONDS)


@receiver(user_login_failed, dispatch_uid="config.throttle.on_login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    sign_in_failed(credentials.get("username", ""))


@receiver(user_logged_in, dispatch_uid="config.throttle.on_logged_in")
def on_logged_in(sender, request, user, **kwargs):
    cache.delete(_key(user.get_username()))

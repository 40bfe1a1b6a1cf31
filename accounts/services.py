"""Writes about people's accounts: unlocking a colleague's sign-in, API tokens, the first manager."""

import logging

from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework.authtoken.models import Token

from accounts.selectors import first_managers
from core.authentication import token_expired
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.roles import Role, has_role

logger = logging.getLogger(__name__)


def sign_in_unlock(*, attempt: AccessAttempt, by: User | None) -> int:
    """Clear a user name's failed sign-ins from one address, so that its owner may sign in again at once."""
    if by is not None and not has_role(by, Role.MANAGERS):
        raise RoleRequired("Only Managers may unlock sign-ins.")
    cleared = reset(ip=attempt.ip_address, username=attempt.username)
    # Who lifted a lock is worth keeping: the log outlives the attempt rows this deletes.
    logger.info(
        "Sign-in unlocked for user name %r from %s by %s",
        attempt.username,
        attempt.ip_address,
        by.get_username() if by is not None else "the system",
    )
    return cleared


def api_token_for_sign_in(*, user: User) -> Token:
    """Return the user's API token for a sign-in, a fresh one in place of an expired one."""
    token, created = Token.objects.get_or_create(user=user)
    if created or not token_expired(token):
        return token
    return api_token_create(user=user)


@transaction.atomic
def api_token_create(*, user: User) -> Token:
    """Give the user a new API token; the one they had (one per user) stops working."""
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    logger.info("API token created for %s", user.get_username())
    return token


def api_token_revoke(*, user: User) -> bool:
    """Delete the user's API token, so that nothing signs in with it any more; tell whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    if deleted:
        logger.info("API token revoked by %s", user.get_username())
    return bool(deleted)


@transaction.atomic
def manager_create_first(*, username: str, email: str, password: str, by: User) -> User:
    """Create the desk's first manager (a user in the Managers group), from the first-run page."""
    if not has_role(by, Role.MANAGERS):
        raise RoleRequired("Only Managers (or a superuser) may create the first manager.")
    # Locking the group makes two people creating the first manager at once take turns.
    managers, _ = Group.objects.get_or_create(name=Role.MANAGERS)
    Group.objects.select_for_update().get(pk=managers.pk)
    existing = first_managers().first()
    if existing is not None:
        raise TransitionNotAllowed(
            f"The desk has a manager already ({existing.get_username()}); add other people in the admin (Users)."
        )
    errors: dict[str, list[str]] = {}
    username = username.strip()
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as error:
        errors["username"] = list(error.messages)
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = [f"{username} is taken: choose another user name."]
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationFailed(errors)
    user = User.objects.create_user(username=username, email=email, password=password)
    user.groups.set([managers])
    logger.info("First manager %s created by %s", username, by.get_username())
    return user

"""Writes about people's accounts: unlocking a colleague's sign-in."""

import logging

from axes.models import AccessAttempt
from axes.utils import reset
from django.contrib.auth.models import User

from projects.errors import RoleRequired
from projects.roles import Role, has_role

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

"""Reads about people's accounts: sign-ins locked by django-axes, API tokens, the desk's managers."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.roles import Role


def sign_in_locks() -> QuerySet[AccessAttempt]:
    """Return the user name and address pairs locked out now, the latest first."""
    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if settings.AXES_COOLOFF_TIME:
        # Older failures no longer lock: axes lets the pair in once the cool-off has passed.
        attempts = attempts.filter(attempt_time__gt=timezone.now() - settings.AXES_COOLOFF_TIME)
    return attempts.order_by("-attempt_time", "-id")


def api_token_of(*, user: User) -> Token | None:
    """Return the user's API token (DRF keeps one per user), or None."""
    return Token.objects.filter(user=user).first()


def first_managers() -> QuerySet[User]:
    """The active users of the Managers group who are not superusers: the desk's own managers."""
    return User.objects.filter(groups__name=Role.MANAGERS, is_active=True, is_superuser=False).order_by("id")

"""Loading the demo, for `manage.py seed_demo` and the first-run page's "Start with the demo"."""

import contextlib
import logging
from collections.abc import Iterator

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test.utils import override_settings
from django.utils import timezone

from core.roles import Role
from projects.models import CompanySettings, Project
from reports.demo.data import DEMO_COMPANY, DEMO_USERS, OTHER_ORDER_REPS, STORIES
from reports.demo.story import DemoStory


def demo_user_rows(*, with_superuser: bool = True) -> list[tuple[str, str, str, str | None]]:
    """(user name, first name, last name, group) of every demo user; group None is the superuser."""
    rows = [*DEMO_USERS, *((name, first, last, Role.SALES) for name, first, last in OTHER_ORDER_REPS)]
    return [row for row in rows if with_superuser or row[3] is not None]


def demo_users(*, password: str, with_superuser: bool = True) -> dict[str, User]:
    """Create (or reset) the demo's users with the password, each in its group."""
    users: dict[str, User] = {}
    # The role groups come with the migrations; a database emptied since (a flush) gets them back bare.
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in Role.ALL}
    for username, first_name, last_name, role in demo_user_rows(with_superuser=with_superuser):
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, user.last_name = first_name, last_name
        user.email = f"{username}@desk.example.com"
        user.is_active = True
        user.is_staff = user.is_superuser = role is None
        user.set_password(password)
        user.save()
        if role is not None:
            user.groups.set([groups[role]])
        users[username] = user
    return users


def demo_company() -> None:
    """Fill the company details the admin left blank with the demo's."""
    company = CompanySettings.load()
    blank = [name for name, value in DEMO_COMPANY.items() if not getattr(company, name).strip()]
    for name in blank:
        setattr(company, name, DEMO_COMPANY[name])
    if blank:
        company.save(update_fields=blank)


def demo_story(users: dict[str, User]) -> bool:
    """Walk the demo's projects to their steps; False (and nothing written) when they are there already."""
    if Project.objects.filter(name__in=[story.name for story in STORIES]).exists():
        return False
    DemoStory(users=users, today=timezone.localdate()).load()
    return True


@contextlib.contextmanager
def demo_quietly() -> Iterator[None]:
    """Keep the console quiet while the story loads: no demo email printed, no line per eager task."""
    # The console mail backend would print every demo notification and invoice email, and eager Celery a
    # line per task (and kombu a warning that no broker host was given).
    quiet_mail = settings.EMAIL_BACKEND.endswith("console.EmailBackend")
    mail = override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    noisy = [logging.getLogger(name) for name in ("celery.app.trace", "kombu.connection")]
    levels = [log.level for log in noisy]
    for log in noisy:
        log.setLevel(logging.ERROR)
    try:
        with mail if quiet_mail else contextlib.nullcontext():
            yield
    finally:
        for log, level in zip(noisy, levels, strict=True):
            log.setLevel(level)

"""The first-run page's reads and writes: how far a new desk is set up, and starting it with the demo.

A desk is new while it has no client, supplier or project. The page leads a manager (or the superuser
who installed the desk) through three steps: the company's details, the first manager, then their own
clients and suppliers or the demo.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.selectors import first_managers
from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.roles import is_manager
from projects.models import Client, CompanySettings, Project
from purchasing.models import Supplier
from reports.demo.data import STORIES
from reports.demo.load import demo_story, demo_user_rows, demo_users


def desk_is_new() -> bool:
    """Whether the desk holds no client, supplier or project yet."""
    return not (Client.objects.exists() or Supplier.objects.exists() or Project.objects.exists())


def company_filled(company: CompanySettings) -> bool:
    """Whether the company's details an invoice needs (who sends it, from where, whom to ask) are there."""
    return bool(company.name.strip() and company.address.strip() and company.email.strip())


@dataclass(frozen=True)
class FirstRun:
    company: CompanySettings
    company_filled: bool
    managers: list[User]
    desk_is_new: bool


def first_run() -> FirstRun:
    company = CompanySettings.load()
    return FirstRun(
        company=company,
        company_filled=company_filled(company),
        managers=list(first_managers()[:3]),
        desk_is_new=desk_is_new(),
    )


@transaction.atomic
def demo_start(*, password: str, by: User) -> int:
    """Load the demo's people, clients, suppliers and projects into an empty desk; return the projects loaded.

    The company's details are left as they are: the demo's bank details must never reach a real invoice.
    """
    if not is_manager(by):
        raise RoleRequired("Only Managers may start the demo.")
    # One start at a time: the company row is the desk's own, and every start reads it.
    CompanySettings.load()
    CompanySettings.objects.select_for_update().get(pk=1)
    if not desk_is_new():
        raise TransitionNotAllowed(
            "The desk has clients, suppliers or projects already: the demo starts only on an empty desk, so that "
            "it never mixes with real records."
        )
    names = [username for username, _first, _last, _role in demo_user_rows(with_superuser=False)]
    taken = sorted(User.objects.filter(username__in=names).values_list("username", flat=True))
    if taken:
        raise TransitionNotAllowed(
            f"The demo's people would take user names in use already ({', '.join(taken)}): rename those users "
            "in the admin first."
        )
    try:
        validate_password(password)
    except ValidationError as error:
        raise ValidationFailed({"password": list(error.messages)}) from error
    users = demo_users(password=password, with_superuser=False)
    demo_story(users)
    return len(STORIES)

"""Writes of the company's settings: the seller printed on every invoice, PO and credit note."""

import logging

from django.contrib.auth.models import User
from django.db import transaction

from core.errors import RoleRequired
from core.roles import is_manager
from projects.models import CompanySettings

logger = logging.getLogger(__name__)


@transaction.atomic
def company_settings_update(*, by: User, **fields) -> tuple[CompanySettings, list[str]]:
    """Change the company's settings; return them and the names of the fields that changed."""
    if not is_manager(by):
        raise RoleRequired("Only Managers may change the company settings.")
    CompanySettings.load()
    company = CompanySettings.objects.select_for_update().get(pk=1)
    changed = [name for name, value in fields.items() if getattr(company, name) != value]
    for name in changed:
        setattr(company, name, fields[name])
    if changed:
        company.full_clean()
        company.save(update_fields=changed)
        # The activity log is per project; a company-wide change is kept in the application log, naming who.
        logger.info("Company settings changed by %s: %s", by.get_username(), ", ".join(changed))
    return company, changed

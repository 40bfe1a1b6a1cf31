"""Creating and changing projects and their reps."""

from django.contrib.auth.models import User
from django.db import transaction

from core.errors import ValidationFailed
from core.roles import Role
from projects.models import Client, Project
from projects.services.common import _full_clean, _next_number, _require_role, activity_record
from projects.signals import project_client_changed


@transaction.atomic
def project_create(
    *,
    name: str,
    client: Client,
    order_rep: User,
    production_rep: User,
    invoicing_rep: User,
    by: User | None,
    number: str = "",
) -> Project:
    """Open a project for a client with its three reps."""
    _require_role(by, Role.SALES, action="create projects")
    _check_reps(order_rep=order_rep, production_rep=production_rep, invoicing_rep=invoicing_rep)
    project = Project(
        number=number or _next_number(Project, "P-"),
        name=name,
        client=client,
        order_rep=order_rep,
        production_rep=production_rep,
        invoicing_rep=invoicing_rep,
    )
    _full_clean(project)
    project.save()
    activity_record(project=project, subject=project, verb="created", by=by)
    return project


@transaction.atomic
def project_update(*, project: Project, by: User | None, **fields) -> Project:
    """Change a project's name, client or reps."""
    _require_role(by, Role.SALES, action="change projects")
    previous_client_id = project.client_id
    for name, value in fields.items():
        setattr(project, name, value)
    _check_reps(order_rep=project.order_rep, production_rep=project.production_rep, invoicing_rep=project.invoicing_rep)
    _full_clean(project)
    project.save()
    if project.client_id != previous_client_id:
        project_client_changed.send(sender=Project, project=project, previous_client_id=previous_client_id)
    activity_record(project=project, subject=project, verb="updated", by=by, detail=", ".join(sorted(fields)))
    return project


def _check_reps(**reps: User) -> None:
    errors = {
        field: [f"User {user.get_username()} is not active."] for field, user in reps.items() if not user.is_active
    }
    if errors:
        raise ValidationFailed(errors)

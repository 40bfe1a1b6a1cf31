"""What the projects services share: the activity log entry, role checks, numbering and validation."""

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models.functions import Length

from core import locks
from core.errors import RoleRequired, ValidationFailed
from core.logging import touch as log_touch
from core.roles import has_role, roles_phrase
from projects.models import Activity, Project


def activity_record(
    *,
    project: Project,
    subject,
    verb: str,
    by: User | None,
    from_value: str = "",
    to_value: str = "",
    detail: str = "",
) -> Activity:
    """Write one row of the activity log; `by=None` means the system did it."""
    log_touch(str(subject))
    return Activity.objects.create(
        project=project,
        actor=by,
        subject_type=ContentType.objects.get_for_model(subject, for_concrete_model=False),
        subject_id=subject.pk,
        subject_label=str(subject)[:100],
        verb=verb,
        from_value=str(from_value),
        to_value=str(to_value),
        detail=detail[:2000],
    )


def _require_role(by: User | None, *roles: str, action: str) -> None:
    if by is not None and not has_role(by, *roles):
        raise RoleRequired(f"Only {roles_phrase(*roles)} may {action}.")


def _highest_number(model, prefix: str) -> int:
    """Return the highest number in use with this prefix, 0 when none (rows written before the sequence)."""
    # Longest first, then highest: as text, P-9999 sorts after P-10000.
    last = (
        model.objects.filter(number__startswith=prefix)
        .annotate(number_length=Length("number"))
        .order_by("-number_length", "-number")
        .values_list("number", flat=True)
        .first()
    )
    return int(last[len(prefix) :]) if last and last[len(prefix) :].isdigit() else 0


def _next_number(model, prefix: str, start: int = 1001) -> str:
    """Take the next free number like SO-1001 from its locked sequence row; call inside the creating transaction."""
    # The row lock makes concurrent creates wait for each other instead of racing to the same number.
    sequence = locks.lock_number_sequence(
        "projects.NumberSequence", prefix, defaults={"last_value": max(_highest_number(model, prefix), start - 1)}
    )
    value = sequence.last_value + 1
    # A number given by hand (the API and the demo may name one) is skipped, never reused.
    while model.objects.filter(number=f"{prefix}{value}").exists():
        value += 1
    sequence.last_value = value
    sequence.save(update_fields=["last_value"])
    return f"{prefix}{value}"


def _full_clean(instance) -> None:
    from django.core.exceptions import ValidationError

    try:
        instance.full_clean()
    except ValidationError as error:
        errors = error.message_dict
        # Django says "Client with this Name already exists."; people say it with the name itself.
        if any(problem.code == "unique" for problem in error.error_dict.get("name", [])):
            errors["name"] = [f"A {instance._meta.verbose_name} named {instance.name} already exists."]
        raise ValidationFailed(errors) from error


def _save_checked(instance) -> None:
    """Validate and save; a twin saved at the same moment (a unique name) is refused like any duplicate."""
    _full_clean(instance)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        # The other save has committed by now, so validating again names the clash.
        _full_clean(instance)
        raise ValidationFailed({"name": ["Another record was saved with these details a moment ago."]}) from error

"""What every page view shares: role checks and turning domain errors into form errors."""

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from core.errors import DomainError, RoleRequired, TransitionNotAllowed, ValidationFailed
from core.roles import has_role, roles_phrase


def role_required(*roles: str):
    """Let a signed-in user in only with one of the roles (Managers always); others get 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not has_role(request.user, *roles):
                raise PermissionDenied(f"This page is for {roles_phrase(*roles)}.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def add_domain_error(form: forms.Form, error: DomainError, field_map: dict[str, str] | None = None) -> None:
    """Put a service's refusal next to the field it names, or on top of the form."""
    if isinstance(error, ValidationFailed):
        for key, errors in error.errors.items():
            field = (field_map or {}).get(key, key)
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, str(error))


def report_domain_error(request, error: DomainError) -> None:
    """Show a refused one-click action (a button with no form to return to) as a message."""
    if isinstance(error, RoleRequired):
        raise PermissionDenied(str(error))
    if isinstance(error, (TransitionNotAllowed, ValidationFailed)):
        messages.error(
            request,
            str(error)
            if isinstance(error, TransitionNotAllowed)
            else " ".join(message for field_errors in error.errors.values() for message in field_errors),
        )
    else:
        messages.error(request, str(error))

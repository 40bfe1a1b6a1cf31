"""The four groups of the order desk and the one helper that checks them."""

from django.contrib.auth.models import AnonymousUser, User


class Role:
    PRODUCTION = "Production"
    SALES = "Sales"
    INVOICING = "Invoicing"
    MANAGERS = "Managers"

    ALL = (PRODUCTION, SALES, INVOICING, MANAGERS)


def user_roles(user: User | AnonymousUser | None) -> frozenset[str]:
    """Return the roles a user holds; superusers hold them all."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Role.ALL)
    cached = getattr(user, "_backorder_desk_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True)) & frozenset(Role.ALL)
        user._backorder_desk_roles = cached
    return cached


def has_role(user: User | AnonymousUser | None, *roles: str) -> bool:
    """Tell whether the user holds any of the roles; Managers may do everything the others do."""
    held = user_roles(user)
    return Role.MANAGERS in held or bool(held & set(roles))


def roles_phrase(*roles: str) -> str:
    """Name the roles that may do something, Managers last, e.g. 'Production, Sales or Managers'."""
    # Managers may do everything, so a refusal that left them out would send people to the wrong person.
    names = [role for role in Role.ALL if role in roles and role != Role.MANAGERS] + [Role.MANAGERS]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def is_manager(user: User | AnonymousUser | None) -> bool:
    return Role.MANAGERS in user_roles(user)


def role_label(user: User | AnonymousUser | None) -> str:
    """Return the user's roles for display, e.g. 'Production, Sales'."""
    held = user_roles(user)
    return ", ".join(role for role in Role.ALL if role in held) or "No role"

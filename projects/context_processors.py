"""What every page's navigation needs: the user's roles, unread notification count and Recent menu."""

from django.utils.functional import SimpleLazyObject

from accounts.recent import recent_items
from core.roles import Role, has_role, is_manager, role_label


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from notifications.models import Notification

    return {
        "nav_role": role_label(user),
        "nav_can_report": has_role(user, Role.INVOICING),
        "nav_is_manager": is_manager(user),
        "nav_unread": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        # Read once when the header shows it (one query); htmx fragments, which have no header, skip it.
        "nav_recent": SimpleLazyObject(lambda: recent_items(user=user)),
    }

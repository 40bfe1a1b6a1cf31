"""Template filters of the desk pages: note bodies with their mentions, and money."""

import re
from decimal import Decimal, InvalidOperation

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from core.money import cents
from projects.services.notes import MENTION

register = template.Library()

# Stored labels read "SO SO-1001" (the model's name, then its number); the number alone says it.
DOUBLED_PREFIX = re.compile(r"\b(SO|PO) (?=\1-)")


@register.filter
def render_note_body(body: str | None) -> SafeString:
    """Escape a note body, then highlight its @mentions."""
    # Escaping first means nothing a person typed can become markup; the mention pattern cannot
    # match inside an entity (& ; # are not username characters), so the wrapping stays safe.
    escaped = escape(body or "")

    def highlight(match) -> str:
        name = match.group(1)
        trailing = name[len(name.rstrip(".")) :]
        name = name.rstrip(".")
        if not name:
            return match.group(0)
        return f'<span class="mention">@{name}</span>{trailing}'

    return mark_safe(MENTION.sub(highlight, escaped))  # noqa: S308 - built from escaped text only


@register.filter
def money(value) -> str:
    """Show an amount with two places and thousands separators, e.g. 1,240.00."""
    if value is None or value == "":
        return ""
    try:
        amount = cents(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    return f"{amount:,.2f}"


@register.filter
def get_item(mapping, key):
    """Look a key up in a dict from a template, e.g. errors|get_item:backorder.pk."""
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def tagged(messages, tag: str) -> list:
    """Return the messages carrying this extra tag, for a page that shows them beside what they are about."""
    return [message for message in messages if tag in (message.extra_tags or "").split()]


@register.filter
def untagged(messages, tag: str) -> list:
    """Return the messages without this extra tag, for the usual place on top of the page."""
    return [message for message in messages if tag not in (message.extra_tags or "").split()]


@register.filter
def activity_summary(activity) -> str:
    """Say what an activity row did in words, e.g. "Changed status of SO-1001" or "Wrote a note"."""
    label = DOUBLED_PREFIX.sub("", activity.subject_label)
    if label.startswith("Note by "):
        label = "a note"
    return f"{activity.verb[:1].upper()}{activity.verb[1:]} {label}"


@register.filter
def filters_active(form) -> int:
    """How many of a filter form's fields hold something other than their default, for its Filters button."""
    if form is None or not form.is_bound:
        return 0
    # A box left unticked reads False and an empty choice "": neither is a filter.
    return sum(1 for field in form if field.value() and field.value() != field.initial)

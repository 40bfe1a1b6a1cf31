"""Checks the page tests share."""

import re

from django.utils.html import escape

CONTROL = re.compile(r"<(input|select|textarea)\b[^>]*>")


def error_next_to(page: str, control_id: str, message: str) -> bool:
    """Tell whether the message is shown after the control and before the next visible control of the form."""
    start = page.find(f'id="{control_id}"')
    if start < 0:
        return False
    following = page[start:]
    shown = following.find(escape(message))
    if shown < 0:
        return False
    for match in CONTROL.finditer(following, 1):
        if match.start() >= shown:
            break
        if 'type="hidden"' not in match.group(0) and 'type="radio"' not in match.group(0):
            return False
    return True

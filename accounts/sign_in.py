"""Sign-in lockouts (django-axes): the words a locked-out sign-in reads and the answer it gets.

Every sign-in path (the sign-in page, the admin's, POST /api/auth/token/) goes through
django.contrib.auth.authenticate with the request, so axes counts failures per user name and
client address and refuses a locked pair before the password is even checked.
"""

import math
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def cool_off_phrase() -> str:
    """Say how long a lockout lasts, e.g. '15 minutes'."""
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if isinstance(cool_off, timedelta) else 15
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def locked_message() -> str:
    """The one message every sign-in path shows a locked-out user."""
    return (
        f"Too many failed sign-ins for this account from your address. Try again in {cool_off_phrase()}, "
        "or ask a manager to unlock it."
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """Answer a locked-out sign-in: JSON for the API, the lockout page for people (AXES_LOCKOUT_CALLABLE)."""
    status = settings.AXES_HTTP_RESPONSE_CODE
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": locked_message()}, status=status)
    return render(
        request,
        "registration/locked_out.html",
        {"message": locked_message(), "admin": request.path.startswith("/admin/")},
        status=status,
    )

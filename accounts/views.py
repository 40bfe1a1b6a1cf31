"""The account pages: locked sign-ins for managers."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import sign_in_locks
from accounts.services import sign_in_unlock
from config.sign_in import cool_off_phrase
from projects.roles import Role
from projects.views.common import role_required


@role_required(Role.MANAGERS)
@require_http_methods(["GET", "HEAD"])
def sign_in_locks_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "accounts/sign_in_locks.html",
        {"locks": sign_in_locks(), "cool_off": cool_off_phrase(), "failure_limit": settings.AXES_FAILURE_LIMIT},
    )


@role_required(Role.MANAGERS)
@require_POST
def sign_in_unlock_view(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = get_object_or_404(AccessAttempt, pk=pk)
    sign_in_unlock(attempt=attempt, by=request.user)
    messages.success(request, f"{attempt.username} may sign in again from {attempt.ip_address}.")
    return redirect("account-sign-in-locks")

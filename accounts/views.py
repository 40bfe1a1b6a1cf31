"""The account pages: your API token, and locked sign-ins for managers."""

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import api_token_of, sign_in_locks
from accounts.services import api_token_create, api_token_revoke, sign_in_unlock
from accounts.sign_in import cool_off_phrase
from core.authentication import token_expired, token_expires_at
from core.roles import Role, is_manager
from core.views import role_required


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


def render_tokens(request: HttpRequest, *, new_key: str = "") -> HttpResponse:
    token = api_token_of(user=request.user)
    context = {
        "nav_section": "account",
        "token": token,
        "expires_at": token_expires_at(token) if token else None,
        "expired": token_expired(token) if token else False,
        "new_key": new_key,
        "days": settings.API_TOKEN_DAYS,
        "is_manager": is_manager(request.user),
    }
    response = render(request, "accounts/tokens.html", context)
    # The page may hold a token's key: no cache, proxy or back button keeps a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "HEAD"])
def tokens_view(request: HttpRequest) -> HttpResponse:
    return render_tokens(request)


@login_required
@require_POST
def token_create_view(request: HttpRequest) -> HttpResponse:
    token = api_token_create(user=request.user)
    # Shown in this answer only: the page never shows a key again.
    return render_tokens(request, new_key=token.key)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest) -> HttpResponse:
    if api_token_revoke(user=request.user):
        messages.success(request, "Your API token is revoked: nothing signs in with it any more.")
    else:
        messages.info(request, "You have no API token to revoke.")
    return redirect("account-tokens")

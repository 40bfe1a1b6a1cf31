"""The Notifications inbox, marking notifications read, and the email preference."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from notifications.forms import InboxFilterForm, NotificationPreferenceForm
from notifications.models import Notification
from notifications.selectors import notification_email_enabled, notification_inbox
from notifications.services import notification_mark_all_read, notification_mark_read, notification_preference_set

PAGE_SIZE = 25


def inbox_query(*, unread_only: bool = False, kind: str = "") -> str:
    """The inbox's filters as a query string (no page), for its links and forms."""
    query = {}
    if unread_only:
        query["unread"] = "1"
    if kind in Notification.Kind.values:  # only a known kind goes back into a link
        query["kind"] = kind
    return urlencode(query)


def inbox_url(*, page: str = "", unread_only: bool = False, kind: str = "") -> str:
    """The inbox address a form posted from, so the user lands back where they were."""
    query = inbox_query(unread_only=unread_only, kind=kind)
    if page.isdigit() and page != "1":
        query = f"{query}&page={page}" if query else f"page={page}"
    return reverse("notification-inbox") + (f"?{query}" if query else "")


@login_required
@require_http_methods(["GET", "HEAD"])
def inbox(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    filter_form = InboxFilterForm(request.GET)
    kind = filter_form.kind_shown()
    page = Paginator(notification_inbox(user=request.user, unread_only=unread_only, kind=kind), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "nav_section": "notifications",
        "page": page,
        "unread_only": unread_only,
        "kind": kind,
        "kind_label": Notification.Kind(kind).label if kind else "",
        "filter_form": filter_form,
        "query": inbox_query(unread_only=unread_only, kind=kind),
        "all_unread_query": inbox_query(unread_only=True, kind=kind),
        "all_query": inbox_query(kind=kind),
    }
    return render(request, "notifications/inbox.html", context)


@login_required
@require_POST
def notification_read_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        # Someone else's notification answers exactly like a missing one.
        notification = Notification.objects.get(pk=pk, recipient=request.user)
    except Notification.DoesNotExist as error:
        raise Http404("No such notification.") from error
    notification_mark_read(notification=notification, by=request.user)
    return redirect(
        inbox_url(
            page=request.POST.get("page", ""),
            unread_only=request.POST.get("unread") == "1",
            kind=request.POST.get("kind", ""),
        )
    )


@login_required
@require_GET
def notification_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read and go to what it is about."""
    try:
        notification = Notification.objects.get(pk=pk, recipient=request.user)
    except Notification.DoesNotExist as error:
        raise Http404("No such notification.") from error
    notification_mark_read(notification=notification, by=request.user)
    # Only a path on this site: a stored address must never send anyone elsewhere.
    target = notification.url
    if not (target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None)):
        target = inbox_url()
    return redirect(target)


@login_required
@require_POST
def notification_read_all_view(request: HttpRequest) -> HttpResponse:
    changed = notification_mark_all_read(by=request.user)
    if changed:
        messages.success(request, f"Marked {changed} notification{'s' if changed != 1 else ''} as read.")
    else:
        messages.info(request, "Nothing was unread.")
    return redirect(inbox_url())


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def preference_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = NotificationPreferenceForm(request.POST)
        if form.is_valid():
            enabled = form.cleaned_data["email_enabled"]
            notification_preference_set(user=request.user, email_enabled=enabled)
            messages.success(
                request, "Notification emails are on." if enabled else "Notification emails are off for you."
            )
            return redirect("notification-preferences")
    else:
        form = NotificationPreferenceForm(initial={"email_enabled": notification_email_enabled(user=request.user)})
    return render(
        request,
        "notifications/preferences.html",
        {"nav_section": "notifications", "form": form, "has_email": bool(request.user.email)},
    )

"""The first-run page: a new desk's three steps, creating the first manager, and starting with the demo."""

from typing import cast

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.services import manager_create_first
from core.errors import DomainError, TransitionNotAllowed
from core.roles import Role
from core.views import add_domain_error, role_required
from reports.forms import DemoForm, FirstManagerForm
from reports.welcome import demo_start, first_run


def _page(
    request: HttpRequest, *, manager_form: forms.Form | None = None, demo_form: forms.Form | None = None
) -> HttpResponse:
    state = first_run()
    failed = any(form is not None and form.errors for form in (manager_form, demo_form))
    context = {
        "state": state,
        "manager_form": manager_form or FirstManagerForm(),
        "demo_form": demo_form or DemoForm(),
        "nav_section": "welcome",
    }
    return render(request, "reports/welcome.html", context, status=400 if failed else 200)


@role_required(Role.MANAGERS)
@require_http_methods(["GET", "HEAD"])
def welcome(request: HttpRequest) -> HttpResponse:
    return _page(request)


@role_required(Role.MANAGERS)
@require_POST
def welcome_manager(request: HttpRequest) -> HttpResponse:
    form = FirstManagerForm(request.POST)
    if form.is_valid():
        try:
            user = manager_create_first(
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
                by=cast(User, request.user),
            )
        except TransitionNotAllowed as error:
            # A manager exists already (created meanwhile): the page no longer shows the form, so say it on top.
            messages.error(request, str(error))
            return redirect("welcome")
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"{user.get_username()} is the desk's manager and may sign in now.")
            return redirect("welcome")
    return _page(request, manager_form=form)


@role_required(Role.MANAGERS)
@require_POST
def welcome_demo(request: HttpRequest) -> HttpResponse:
    form = DemoForm(request.POST)
    if form.is_valid():
        try:
            projects = demo_start(password=form.cleaned_data["password"], by=cast(User, request.user))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                f"The demo is loaded: {projects} projects, each at a step of the backorder story. Its people sign "
                "in with the password you chose.",
            )
            return redirect("home")
    return _page(request, demo_form=form)

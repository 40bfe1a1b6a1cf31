"""Saved filters of the Invoices Report and the Backorders report: one user's, by name.

A report page shows the user's saved filters as links and a "Save these filters" form
(`saved_filters_context`); the views in reports/views/saved_filters.py save and delete them.
"""

from typing import cast

from django import forms
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest, QueryDict
from django.urls import reverse

from core.roles import Role, has_role
from reports.models import SavedFilter

NAME_MAX = 80
QUERY_MAX = 2000
# What a saved query never carries: where the user happened to be in the rows, and a download's format.
NOT_SAVED = ("page", "after", "before", "format", "bom", "csrfmiddlewaretoken")

# Each report's page, and the role that may read it (None: everyone signed in).
REPORTS: dict[str, tuple[str, str | None]] = {
    SavedFilter.Report.INVOICES: ("invoice-report", Role.INVOICING),
    SavedFilter.Report.BACKORDERS: ("backorder-report", None),
}


def report_url(report: str) -> str:
    return reverse(REPORTS[report][0])


def may_use(user: User, report: str) -> bool:
    """Whether the user may read the report, and so save filters on it."""
    role = REPORTS[report][1]
    return role is None or has_role(user, role)


def query_to_save(query: QueryDict | str) -> str:
    """The report's query string as it is saved: the filters and the order, not the page or a download."""
    data = QueryDict(query, mutable=True) if isinstance(query, str) else query.copy()
    for key in NOT_SAVED:
        data.pop(key, None)
    return data.urlencode()


def name_taken(name: str) -> str:
    return f"You already have filters named “{name}” on this report: choose another name."


class SavedFilterForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=NAME_MAX,
        error_messages={
            "required": "Enter a name for these filters.",
            "max_length": f"The name may hold at most {NAME_MAX} characters.",
        },
    )
    query = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user: User, report: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.report = user, report

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Enter a name for these filters.")
        if SavedFilter.objects.filter(user=self.user, report=self.report, name__iexact=name).exists():
            raise forms.ValidationError(name_taken(name))
        return name

    def clean_query(self) -> str:
        query = query_to_save(self.cleaned_data.get("query", "").lstrip("?"))
        if len(query) > QUERY_MAX:
            raise forms.ValidationError("These filters are too long to save; leave some out.")
        return query


def saved_filter_save(*, form: SavedFilterForm) -> SavedFilter | None:
    """Save the form's filters for its user; None, with the error on the form, if the name was taken meanwhile."""
    try:
        with transaction.atomic():
            return SavedFilter.objects.create(
                user=form.user, report=form.report, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
            )
    except IntegrityError:
        form.add_error(
            "name", f"You already have filters named “{form.cleaned_data['name']}” here: choose another name."
        )
        return None


def saved_filters_context(request: HttpRequest, *, report: str) -> dict:
    """The report page's Saved filters: the user's (one query) and the form that saves the page's own."""
    # A refused name comes back on the report's page with its error (reports.views.saved_filters).
    user = cast(User, request.user)  # the report views are behind login_required
    form = getattr(request, "saved_filter_form", None) or SavedFilterForm(
        user=user, report=report, initial={"query": query_to_save(request.GET)}
    )
    return {
        "saved_filters": list(SavedFilter.objects.filter(user=user, report=report).order_by("name", "id")),
        "saved_filter_form": form,
        "saved_filter_report": report,
        "saved_filter_report_url": report_url(report),
    }

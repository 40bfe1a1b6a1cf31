"""Saving a report's filters by name, and deleting saved ones: each user's own."""

from collections.abc import Callable
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from reports.models import SavedFilter
from reports.saved_filters import (
    QUERY_MAX,
    REPORTS,
    SavedFilterForm,
    may_use,
    query_to_save,
    report_url,
    saved_filter_save,
)
from reports.views.backorder_report import backorder_report
from reports.views.invoice_report import invoice_report

REPORT_VIEWS: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    SavedFilter.Report.INVOICES: invoice_report,
    SavedFilter.Report.BACKORDERS: backorder_report,
}


@login_required
@require_POST
def saved_filter_create(request: HttpRequest, report: str) -> HttpResponse:
    if report not in REPORTS:
        raise Http404("No such report.")
    user = cast(User, request.user)  # login_required
    if not may_use(user, report):
        raise PermissionDenied("Only those who may read this report save filters on it.")
    form = SavedFilterForm(request.POST, user=user, report=report)
    saved = saved_filter_save(form=form) if form.is_valid() else None
    if saved is not None:
        messages.success(request, f"Saved these filters as “{saved.name}”.")
        return redirect(report_url(report) + (f"?{saved.query}" if saved.query else ""))
    # The report again, as it was, with the error next to the Name field; nothing was saved.
    request.GET = QueryDict(query_to_save(form.data.get("query", "")[:QUERY_MAX].lstrip("?")))
    setattr(request, "saved_filter_form", form)  # noqa: B010 - read back by saved_filters_context
    response = REPORT_VIEWS[report](request)
    response.status_code = 400
    return response


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    # Someone else's saved filters are not there for this user: 404, as if they did not exist.
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    saved.delete()
    messages.success(request, f"Deleted the saved filters “{saved.name}”.")
    return redirect(report_url(saved.report))

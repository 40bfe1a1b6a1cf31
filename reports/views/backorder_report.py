"""The Backorders report: every open backorder, overdue first, for everyone signed in."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from backorders.selectors import (
    PAGE_SIZE,
    XLSX_COLUMNS,
    BackorderReportFilters,
    backorder_report_csv,
    backorder_report_page,
    backorder_report_totals,
    backorder_report_xlsx_rows,
    report_clients,
    report_suppliers,
)
from core.db_router import replica_reads
from core.downloads import bom_wanted, csv_response, xlsx_response
from core.fields import LongSelect, QueryDateField
from reports.models import SavedFilter
from reports.saved_filters import saved_filters_context


class BackorderReportForm(forms.Form):
    supplier = forms.TypedChoiceField(label="Supplier", required=False, coerce=int, empty_value=None)
    client = forms.TypedChoiceField(label="Client", required=False, coerce=int, empty_value=None, widget=LongSelect)
    overdue = forms.TypedChoiceField(
        label="Expected date",
        required=False,
        choices=[("", "Any"), ("yes", "Overdue only"), ("no", "Not overdue")],
        coerce=lambda value: value == "yes",
        empty_value=None,
    )
    expected_from = QueryDateField(
        label="Expected from", name="“Expected from”", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expected_to = QueryDateField(
        label="Expected to", name="“Expected to”", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    dated = forms.TypedChoiceField(
        label="Expected date given",
        required=False,
        choices=[("", "Any"), ("yes", "With an expected date"), ("no", "No expected date")],
        coerce=lambda value: value == "yes",
        empty_value=None,
    )

    def __init__(self, data, *, suppliers, clients, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["supplier"].choices = [("", "All suppliers"), *suppliers]
        self.fields["client"].choices = [("", "All clients"), *clients]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("expected_from"), cleaned.get("expected_to")
        if start and end and end < start:
            self.add_error("expected_to", "The end date is before the start date.")
        return cleaned


FILTER_NAMES = ("supplier", "client", "overdue", "expected_from", "expected_to", "dated")


def _url_pattern(name: str) -> str:
    # One reverse per page, not one per row.
    return reverse(name, args=[987654321]).replace("987654321", "{}")


@login_required
@replica_reads
def backorder_report(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = BackorderReportForm(
        request.GET,
        suppliers=list(report_suppliers().values_list("id", "name")),
        clients=list(report_clients().values_list("id", "name")),
    )
    context = {"nav_section": "backorders", "form": form}
    # A refused filter is named next to its field and left out, of the rows and of the links alike; a
    # download waits for filters that are all valid.
    valid = form.is_valid()
    filters = BackorderReportFilters.from_mapping(form.cleaned_data)
    query = {name: request.GET[name] for name in FILTER_NAMES if request.GET.get(name) and name not in form.errors}
    download = request.GET.get("format") if valid else None
    if download == "csv":
        return csv_response(
            backorder_report_csv(filters, today=today),
            filename=f"backorders-{today.isoformat()}.csv",
            bom=bom_wanted(request),
        )
    if download == "xlsx":
        return xlsx_response(
            backorder_report_xlsx_rows(filters, today=today),
            columns=XLSX_COLUMNS,
            filename=f"backorders-{today.isoformat()}.xlsx",
            sheet_title="Open backorders",
        )
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    totals = backorder_report_totals(filters, today=today)
    pages = max(1, -(-totals["count"] // PAGE_SIZE))
    # A page past the last (a hand-edited URL) shows the last: a huge one would overflow the query's offset.
    page = min(page, pages)
    rows = backorder_report_page(filters, today=today, page=page)
    po_url, project_url = _url_pattern("purchase-order-detail"), _url_pattern("project-detail")
    for row in rows:
        row["purchase_order_url"] = po_url.format(row["purchase_order_id"])
        row["project_url"] = project_url.format(row["project_id"])
        row["value_text"] = f"{row['value']:,.2f}"
    context.update(
        rows=rows,
        totals={**totals, "value_text": f"{totals['value']:,.2f}"},
        page=page,
        pages=pages,
        previous_url="?" + urlencode({**query, "page": page - 1}) if page > 1 else None,
        next_url="?" + urlencode({**query, "page": page + 1}) if page < pages else None,
        csv_url="?" + urlencode({**query, "format": "csv"}),
        xlsx_url="?" + urlencode({**query, "format": "xlsx"}),
        today=today,
        **saved_filters_context(request, report=SavedFilter.Report.BACKORDERS),
    )
    return render(request, "backorders/report.html", context)

"""The accounts-receivable aging page and its CSV (Invoicing and Managers)."""

from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from core.db_router import replica_reads
from core.downloads import bom_wanted, csv_response, xlsx_response
from core.fields import QueryDateField, day_range_message
from core.roles import Role
from core.views import role_required
from invoicing.aging import AGING_XLSX_COLUMNS, BUCKETS, ar_aging, ar_aging_csv, ar_aging_xlsx_rows

TODAY_USED = "The aging below is as of today."
CLIENTS_PER_PAGE = 100


class AgingForm(forms.Form):
    as_of = QueryDateField(
        label="As of",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Days past due are counted to this day; today if left empty.",
        error_messages={
            "invalid": f"Enter a day such as 2026-03-31. {TODAY_USED}",
            "out_of_range": f"{day_range_message('“As of”')} {TODAY_USED}",
        },
    )


@role_required(Role.INVOICING)
@replica_reads
def invoice_aging(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    today = timezone.localdate()
    form = AgingForm(request.GET or None, initial={"as_of": today})
    refused = form.is_bound and not form.is_valid()
    # A refused day is named next to its field and today is used: the page (400) still shows the aging.
    as_of = (form.cleaned_data.get("as_of") if form.is_bound else None) or today
    report = ar_aging(as_of=as_of)
    # A download asked for with a refused day shows the page and its message instead.
    download = None if refused else request.GET.get("format")
    if download == "csv":
        return csv_response(ar_aging_csv(report), filename=f"ar-aging-{as_of.isoformat()}.csv", bom=bom_wanted(request))
    if download == "xlsx":
        return xlsx_response(
            ar_aging_xlsx_rows(report),
            columns=AGING_XLSX_COLUMNS,
            filename=f"ar-aging-{as_of.isoformat()}.xlsx",
            sheet_title=f"AR aging {as_of.isoformat()}",
        )
    client_invoices = reverse("invoice-report") + "?"
    # The totals are over every client; the table shows a page of them (the downloads hold them all).
    page = Paginator(report.rows, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {
        "form": form,
        "buckets": BUCKETS,
        "report": report,
        "page": page,
        "query": query_string.urlencode(),
        "rows": [
            {
                "row": row,
                "amounts": [row.amounts[bucket.key] for bucket in BUCKETS],
                "url": client_invoices + urlencode({"client": row.client_id}),
            }
            for row in page.object_list
        ],
        "totals": [report.totals[bucket.key] for bucket in BUCKETS],
        "csv_url": "?" + urlencode({"as_of": as_of.isoformat(), "format": "csv"}),
        "xlsx_url": "?" + urlencode({"as_of": as_of.isoformat(), "format": "xlsx"}),
        "is_today": as_of == today,
        "nav_section": "aging",
    }
    return render(request, "invoicing/aging.html", context, status=400 if refused else 200)

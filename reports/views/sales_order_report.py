"""The Sales orders list: filters, totals (count, remaining, ready) and a page of orders, for everyone signed in."""

from typing import cast
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from core.db_router import replica_reads
from core.fields import LongSelect
from projects.models import Client, SalesOrder
from reports.sales_order_report import (
    PAGE_SIZE,
    SalesOrderReportFilters,
    sales_order_report_page,
    sales_order_report_totals,
)

FILTER_NAMES = ("status", "client")


class SalesOrderReportForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *SalesOrder.Status.choices])
    client = forms.TypedChoiceField(label="Client", required=False, coerce=int, empty_value=None, widget=LongSelect)

    def __init__(self, data, *, clients, **kwargs):
        super().__init__(data, **kwargs)
        cast(forms.TypedChoiceField, self.fields["client"]).choices = [("", "All clients"), *clients]


def _url_pattern(name: str) -> str:
    # One reverse per page, not one per row.
    return reverse(name, args=[987654321]).replace("987654321", "{}")


@login_required
@replica_reads
def sales_order_report(request: HttpRequest) -> HttpResponse:
    form = SalesOrderReportForm(request.GET, clients=list(Client.objects.order_by("name").values_list("id", "name")))
    context: dict = {"nav_section": "sales_orders", "form": form}
    # A refused filter is named next to its field and left out, of the rows and of the links alike.
    form.is_valid()
    filters = SalesOrderReportFilters.from_mapping(form.cleaned_data)
    query = {name: request.GET[name] for name in FILTER_NAMES if request.GET.get(name) and name not in form.errors}
    totals = sales_order_report_totals(filters)
    pages = max(1, -(-totals.count // PAGE_SIZE))
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    # A page past the last (a hand-edited URL) shows the last: a huge one would overflow the query's offset.
    page = min(page, pages)
    rows = sales_order_report_page(filters, page=page)
    order_url, project_url = _url_pattern("sales-order-detail"), _url_pattern("project-detail")
    statuses = dict(SalesOrder.Status.choices)
    for row in rows:
        row["url"] = order_url.format(row["id"])
        row["project_url"] = project_url.format(row["project_id"])
        row["status_label"] = statuses[row["status"]]
    context.update(
        rows=rows,
        totals=totals,
        page=page,
        pages=pages,
        previous_url="?" + urlencode({**query, "page": page - 1}) if page > 1 else None,
        next_url="?" + urlencode({**query, "page": page + 1}) if page < pages else None,
    )
    return render(request, "projects/sales_order_report.html", context)

"""Supplier performance: the page with its period and sortable table, and its CSV and XLSX downloads.

Everyone signed in reads it, as they read the suppliers and the Backorders report it is made from.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from core.db_router import replica_reads
from core.downloads import bom_wanted, csv_response, today_filename, xlsx_response
from core.fields import QueryDateField, day_range_message
from reports.supplier_performance import (
    COLUMNS,
    CSV_COLUMNS,
    DEFAULT_DAYS,
    DEFAULT_SORT,
    XLSX_COLUMNS,
    Period,
    SupplierPerformance,
    download_rows,
    sort_choices,
    sorted_rows,
    supplier_performance,
)

SORT_CHOICES = sort_choices()
SORT_LABELS = dict(SORT_CHOICES)
DATE_HINT = "a date such as 2026-03-01"


class SupplierPerformanceForm(forms.Form):
    date_from = QueryDateField(
        label="PO date from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "invalid": f"“From” is not a date: give {DATE_HINT}. The default start is used.",
            "out_of_range": f"{day_range_message('“From”')} The default start is used.",
        },
    )
    date_to = QueryDateField(
        label="PO date to",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "invalid": f"“To” is not a date: give {DATE_HINT}. Today is used.",
            "out_of_range": f"{day_range_message('“To”')} Today is used.",
        },
    )
    sort = forms.ChoiceField(
        label="Sort by",
        required=False,
        choices=SORT_CHOICES,
        error_messages={
            "invalid_choice": "There is no sort “%(value)s”: the table is sorted by "
            # The message is %-formatted with the value: the label's own % is doubled.
            + f"{SORT_LABELS[DEFAULT_SORT][0].lower()}{SORT_LABELS[DEFAULT_SORT][1:]} instead.".replace("%", "%%")
        },
    )


@dataclass(frozen=True)
class Inputs:
    form: SupplierPerformanceForm
    period: Period
    sort: str


def read_inputs(query, *, today: date) -> Inputs:
    """The period and order the URL asks for; each bad value gets its message and its default."""
    default = Period.default(today)
    data = query.copy()
    # Blank inputs show the dates and order in use rather than nothing.
    for name, value in (
        ("date_from", default.first.isoformat()),
        ("date_to", default.last.isoformat()),
        ("sort", DEFAULT_SORT),
    ):
        if not data.get(name, "").strip():
            data[name] = value
    form = SupplierPerformanceForm(data)
    form.is_valid()
    cleaned = form.cleaned_data
    if "sort" in form.errors:
        # A select cannot show the unknown value: it shows the order used, its message beside it.
        data["sort"] = DEFAULT_SORT
    first = cleaned.get("date_from") or default.first
    last = cleaned.get("date_to") or default.last
    if first > last:
        form.add_error(
            "date_to",
            f"The period ends on {date_format(last)}, before it starts on {date_format(first)}: "
            f"the last {DEFAULT_DAYS} days are shown instead.",
        )
        first, last = default.first, default.last
    return Inputs(form=form, period=Period(first, last), sort=cleaned.get("sort") or DEFAULT_SORT)


def _query(period: Period, **extra: str) -> str:
    return "?" + urlencode({"date_from": period.first.isoformat(), "date_to": period.last.isoformat(), **extra})


def _headers(period: Period, sort: str) -> list[dict]:
    """Each column's header: its link sorts by it (again: the other way round) and says how it is sorted."""
    current, descending = sort.lstrip("-"), sort.startswith("-")
    headers = []
    for column in COLUMNS:
        if column.key == current:
            following = column.key if descending else f"-{column.key}"
            aria_sort = "descending" if descending else "ascending"
        else:
            # Figures start with the largest, names with A.
            following = f"-{column.key}" if column.numeric else column.key
            aria_sort = None
        headers.append(
            {
                "key": column.key,
                "label": column.label,
                "numeric": column.numeric,
                "url": _query(period, sort=following),
                "aria_sort": aria_sort,
            }
        )
    return headers


def _detail_url_pattern() -> str:
    # One reverse per page, not one per row.
    return reverse("supplier-detail", args=[987654321]).replace("987654321", "{}")


def _table_rows(rows: list[SupplierPerformance]) -> list[dict]:
    detail_url = _detail_url_pattern()
    return [{"row": row, "url": detail_url.format(row.supplier_id), **row.shown()} for row in rows]


@login_required
@replica_reads
def supplier_performance_page(request: HttpRequest) -> HttpResponseBase:
    today = timezone.localdate()
    inputs = read_inputs(request.GET, today=today)
    rows = sorted_rows(supplier_performance(period=inputs.period, today=today), inputs.sort)
    download = request.GET.get("format")
    if download == "csv":
        return csv_response(
            _csv_chunks(rows), filename=today_filename("supplier-performance", "csv"), bom=bom_wanted(request)
        )
    if download == "xlsx":
        return xlsx_response(
            download_rows(rows, quote_formulas=False),
            columns=XLSX_COLUMNS,
            filename=today_filename("supplier-performance", "xlsx"),
            sheet_title="Supplier performance",
        )
    keep_sort = {"sort": inputs.sort} if inputs.sort != DEFAULT_SORT else {}
    context = {
        "nav_section": "suppliers",
        "form": inputs.form,
        "period": inputs.period,
        "today": today,
        "zone_name": timezone.get_current_timezone_name(),
        "default_days": DEFAULT_DAYS,
        "sort_label": SORT_LABELS[inputs.sort],
        "headers": _headers(inputs.period, inputs.sort),
        "rows": _table_rows(rows),
        "csv_url": _query(inputs.period, **keep_sort, format="csv"),
        "xlsx_url": _query(inputs.period, **keep_sort, format="xlsx"),
    }
    return render(request, "projects/supplier_performance.html", context)


def _csv_chunks(rows: list[SupplierPerformance]) -> Iterator[str]:
    # One chunk: a row per supplier is a small file.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for values in download_rows(rows, quote_formulas=True):
        writer.writerow(["" if value is None else value for value in values])
    yield buffer.getvalue()

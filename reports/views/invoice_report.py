"""The Invoices Report page and its CSV export (Invoicing and Managers)."""

from datetime import date, timedelta
from html import escape
from typing import cast
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from core.db_router import replica_reads
from core.downloads import bom_wanted, csv_response, xlsx_file_response
from core.errors import DomainError, ValidationFailed
from core.fields import LongSelect, QueryDateField
from core.roles import Role
from core.views import add_domain_error, role_required
from invoicing.accounting_export import FORMAT_CHOICES, NothingToExport, invoices_export_to_accounting
from invoicing.models import REPORTED_STATUSES, Invoice
from invoicing.selectors import PARTLY_PAID, InvoiceReportFilters
from reports.charts import month_chart_svg
from reports.exports import invoice_report_export_start, invoice_report_needs_worker
from reports.invoice_report import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_SORT,
    PAGE_SIZES,
    invoice_report_page,
    invoice_report_summary,
    parse_sort,
    report_clients,
    report_order_reps,
)
from reports.invoice_report_exports import invoice_report_csv, write_invoice_report_xlsx
from reports.models import SavedFilter
from reports.saved_filters import saved_filters_context

PERIODS = {
    "this_month": "This month",
    "last_month": "Last month",
    "this_quarter": "This quarter",
    "this_year": "This year",
}


def period_dates(period: str, today: date) -> tuple[date, date]:
    """The first and last day of a quick-pick period around today."""
    if period == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period == "this_quarter":
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    elif period == "this_year":
        first = date(today.year, 1, 1)
    else:
        first = today.replace(day=1)
    months = {"this_month": 1, "this_quarter": 3, "this_year": 12}[period]
    end_month = first.month + months
    following = date(first.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return first, following - timedelta(days=1)


class InvoiceReportForm(forms.Form):
    # A refused filter is named next to its field and left out: the rows shown are those without it.
    date_from = QueryDateField(
        label="From", name="“From”", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = QueryDateField(label="To", name="“To”", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    client = forms.TypedChoiceField(label="Client", required=False, coerce=int, empty_value=None, widget=LongSelect)
    rep = forms.TypedChoiceField(label="Order rep", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *REPORTED_STATUSES])
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Partial or final"), *Invoice.Kind.choices])
    has_remaining = forms.TypedChoiceField(
        label="Order balance",
        required=False,
        choices=[("", "Any"), ("yes", "Order still has a remaining balance"), ("no", "Order fully invoiced")],
        coerce=lambda value: value == "yes",
        empty_value=None,
    )
    balance_due = forms.TypedChoiceField(
        label="Payment",
        required=False,
        choices=[
            ("", "Any"),
            ("yes", "Balance due (not fully paid)"),
            (PARTLY_PAID, "Partly paid (some paid, the rest due)"),
            ("no", "Nothing due: paid, credited or void"),
        ],
        coerce=lambda value: PARTLY_PAID if value == PARTLY_PAID else value == "yes",
        empty_value=None,
    )

    def __init__(self, data, *, clients, reps, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["client"].choices = [("", "All clients"), *clients]
        self.fields["rep"].choices = [("", "All order reps"), *reps]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned


def _rep_label(first_name: str, last_name: str, username: str) -> str:
    return f"{first_name} {last_name}".strip() or username


def _filters_from(request: HttpRequest):
    """Read the filters from the URL: the form, and with a quick pick its dates in place of typed ones."""
    data = request.GET.copy()
    period = data.get("period")
    if period in PERIODS:
        start, end = period_dates(period, timezone.localdate())
        data["date_from"], data["date_to"] = start.isoformat(), end.isoformat()
    else:
        period = None
    # The two lists are small (clients, and the people who are order reps): one query each.
    clients = list(report_clients().values_list("id", "name"))
    reps = [
        (pk, _rep_label(*names))
        for pk, *names in report_order_reps().values_list("id", "first_name", "last_name", "username")
    ]
    form = InvoiceReportForm(data, clients=clients, reps=reps)
    filters = InvoiceReportFilters.from_mapping(form.cleaned_data) if form.is_valid() else None
    return form, filters, period


FILTER_NAMES = ("date_from", "date_to", "client", "rep", "status", "kind", "has_remaining", "balance_due")


def _query(form: InvoiceReportForm, **extra) -> str:
    """The URL query that keeps the current filters, with the extra parameters set or removed."""
    # A refused filter is left out of the links too, as it is of the rows.
    params = {name: form.data.get(name) for name in FILTER_NAMES if form.data.get(name) and name not in form.errors}
    params.update({key: value for key, value in extra.items() if value not in (None, "")})
    return "?" + urlencode(params) if params else "?"


# Row links are built from one reversed pattern each: reversing per row would cost more than the rest.
def _url_pattern(name: str) -> str:
    return reverse(name, args=[987654321]).replace("987654321", "{}")


def _money(value) -> str:
    return f"{value:,.2f}"


@role_required(Role.INVOICING)
@replica_reads
def invoice_report(request: HttpRequest) -> HttpResponse:
    form, filters, period = _filters_from(request)
    sort = parse_sort(request.GET.get("sort"))
    export_format = request.GET.get("format")
    if export_format in ("csv", "xlsx") and filters is not None:
        if invoice_report_needs_worker(filters):
            # Too many rows to write in a request: the worker writes the file, the job's page follows it.
            job = invoice_report_export_start(
                by=cast(User, request.user),
                export_format=export_format,
                filters=filters,
                sort=sort,
                bom=bom_wanted(request),
                query=request.GET.urlencode(),
            )
            return redirect("export-job", pk=job.pk)
        if export_format == "csv":
            return _csv_response(filters, sort, bom=bom_wanted(request))
        return _xlsx_response(filters, sort)
    return _report_page(request, form, filters, period, sort)


def _report_page(
    request: HttpRequest,
    form: InvoiceReportForm,
    filters,
    period,
    sort: str,
    *,
    export_form: "AccountingExportForm | None" = None,
    status: int = 200,
) -> HttpResponse:
    size = request.GET.get("size", "")
    size = int(size) if size.isdigit() and int(size) in PAGE_SIZES else DEFAULT_PAGE_SIZE
    context = {
        "nav_section": "invoices",
        "form": form,
        "periods": PERIODS,
        "period": period,
        "page_sizes": PAGE_SIZES,
        "export_form": export_form or AccountingExportForm(),
        # The export form posts the page's own query, so a refusal shows the same filters, order and page.
        "export_url": reverse("invoice-accounting-export") + (f"?{request.GET.urlencode()}" if request.GET else ""),
        **saved_filters_context(request, report=SavedFilter.Report.INVOICES),
    }
    # Refused filters are left out of what the page shows; downloads and exports wait for valid ones.
    if filters is None:
        filters = InvoiceReportFilters.from_mapping(form.cleaned_data)
    page = invoice_report_page(
        filters,
        sort=sort,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        last=request.GET.get("page") == "last",
        size=size,
    )
    summary = invoice_report_summary(filters)
    checked = set(export_form.chosen_ids()) if export_form is not None else set()
    context.update(_page_context(form, page, summary, sort, checked=checked))
    return render(request, "invoicing/report.html", context, status=status)


def _page_context(form, page, summary, sort: str, *, checked: set[int] | None = None) -> dict:
    checked = checked or set()
    invoice_url, project_url, order_url = map(_url_pattern, ("invoice-detail", "project-detail", "sales-order-detail"))
    statuses, kinds = dict(Invoice.Status.choices), dict(Invoice.Kind.choices)
    today = timezone.localdate()
    rows = [
        {
            "id": row["id"],
            "checked": row["id"] in checked,
            "number": row["number"],
            "url": invoice_url.format(row["id"]),
            "date": row["date"],
            "status": row["status"],
            "status_label": statuses[row["status"]],
            "kind": row["kind"],
            "kind_label": kinds[row["kind"]],
            "client": row["client_name"],
            "project": row["project_number"],
            "project_name": row["project_name"],
            "project_url": project_url.format(row["project_id"]),
            "sales_order": row["sales_order_number"],
            "sales_order_url": order_url.format(row["sales_order_id"]),
            "order_rep": row["order_rep_name"],
            "subtotal": _money(row["subtotal"]),
            "tax": _money(row["tax"]),
            "total": _money(row["total"]),
            "remaining": _money(row["remaining_amount"]),
            "has_remaining": row["remaining_amount"] > 0,
            "paid": _money(row["paid_amount"]),
            "balance_due": _money(row["total"] - row["credited_amount"] - row["paid_amount"]),
            "owing": row["status"] != Invoice.Status.VOID
            and row["total"] - row["credited_amount"] - row["paid_amount"] > 0,
            "due_date": row["due_date"],
            "overdue": row["due_date"] < today
            and row["status"] != Invoice.Status.VOID
            and row["total"] - row["credited_amount"] - row["paid_amount"] > 0,
            "void": row["status"] == Invoice.Status.VOID,
        }
        for row in page.rows
    ]
    paging = {"size": page.size} if page.size != DEFAULT_PAGE_SIZE else {}
    keep_sort = {"sort": sort} if sort != DEFAULT_SORT else {}
    columns = []
    for key, label, numeric in (
        ("number", "Number", False),
        ("date", "Date", False),
        ("client", "Client", False),
        ("total", "Total", True),
    ):
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        # A second click turns the order round; dates and totals start with the largest.
        following = (key if descending else f"-{key}") if current else (f"-{key}" if key in ("date", "total") else key)
        columns.append(
            {
                "key": key,
                "label": label,
                "numeric": numeric,
                "url": _query(form, sort=following, **paging),
                "aria_sort": ("descending" if descending else "ascending") if current else None,
            }
        )
    totals = summary.totals
    return {
        "rows": rows,
        "rows_html": _rows_html(rows),
        "page": page,
        "sortable": {column["key"]: column for column in columns},
        "totals": {
            "count": totals["count"],
            "void": totals["void"],
            "subtotal": _money(totals["subtotal"]),
            "tax": _money(totals["tax"]),
            "total": _money(totals["total"]),
            "remaining_amount": _money(totals["remaining_amount"]),
            "balance_due": _money(totals["balance_due"]),
        },
        "chart": month_chart_svg(summary.months),
        "links": {
            "first": None if page.is_first else _query(form, **keep_sort, **paging),
            "previous": _query(form, before=page.first_cursor, **keep_sort, **paging) if page.has_previous else None,
            "next": _query(form, after=page.last_cursor, **keep_sort, **paging) if page.has_next else None,
            "last": None if page.is_last else _query(form, page="last", **keep_sort, **paging),
            "csv": _query(form, format="csv", **keep_sort),
            "xlsx": _query(form, format="xlsx", **keep_sort),
            "clear": reverse("invoice-report"),
            "sizes": [(choice, _query(form, **keep_sort, size=choice)) for choice in PAGE_SIZES],
        },
    }


def _rows_html(rows: list[dict]) -> SafeString:
    """The table's rows as HTML, every value escaped.

    Written here rather than in the template: at 50 rows the template engine took longer to lay
    them out (about 7 ms) than the database took to find them, and the page's time is measured
    against its SQL.
    """
    html = []
    for row in rows:
        e = {key: escape(str(value)) for key, value in row.items()}
        void = ' class="void"' if row["void"] else ""
        remaining = "num remaining" if row["has_remaining"] else "num"
        owing = "num remaining" if row["owing"] else "num"
        due = "nowrap overdue" if row["overdue"] else "nowrap"
        # A void invoice is never exported, so it has no box to tick; the boxes belong to the export
        # form (form="accounting-export"), which sits above the table. No space after the box: the
        # cell's text stays the invoice's number.
        pick = (
            ""
            if row["void"]
            else f'<input type="checkbox" name="invoice" value="{row["id"]}" form="accounting-export" '
            f'aria-label="{e["number"]}" class="pick"{" checked" if row["checked"] else ""}>'
        )
        html.append(
            f"<tr{void}>"
            # The number, client and total first: on a phone they stay on screen while the rest scrolls.
            f'<td class="nowrap" data-col="number">{pick}<a href="{e["url"]}">{e["number"]}</a></td>'
            f'<td class="client" data-col="client">{e["client"]}</td>'
            f'<td class="num" data-col="total">{e["total"]}</td>'
            f'<td class="nowrap">{date_format(row["date"])}</td>'
            f'<td><span class="pill {e["status"]}">{e["status_label"]}</span></td>'
            f'<td><span class="pill {e["kind"]}">{e["kind_label"]}</span></td>'
            f'<td class="nowrap"><a href="{e["project_url"]}" title="{e["project_name"]}">{e["project"]}</a></td>'
            f'<td class="nowrap"><a href="{e["sales_order_url"]}">{e["sales_order"]}</a></td>'
            f'<td class="nowrap">{e["order_rep"]}</td>'
            f'<td class="num" data-col="subtotal">{e["subtotal"]}</td>'
            f'<td class="num" data-col="tax">{e["tax"]}</td>'
            f'<td class="num" data-col="paid">{e["paid"]}</td>'
            f'<td class="{owing}" data-col="balance-due">{e["balance_due"]}</td>'
            f'<td class="{due}" data-col="due-date">{date_format(row["due_date"])}</td>'
            f'<td class="{remaining}" data-col="remaining">{e["remaining"]}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(html))  # noqa: S308 - every value above is escaped


def _csv_response(filters: InvoiceReportFilters, sort: str, *, bom: bool) -> StreamingHttpResponse:
    filename = f"invoices-report-{timezone.localdate().isoformat()}.csv"
    return csv_response(invoice_report_csv(filters, sort=sort), filename=filename, bom=bom)


def _xlsx_response(filters: InvoiceReportFilters, sort: str) -> FileResponse:
    """The CSV's rows and columns as a workbook: dates as dates, money as numbers."""
    return xlsx_file_response(
        lambda file: write_invoice_report_xlsx(file, filters, sort=sort),
        filename=f"invoices-report-{timezone.localdate().isoformat()}.xlsx",
    )


# --- export to accounting -----------------------------------------------------------------------

INCLUDE_HINT = 'tick "Include invoices already exported"'


class InvoiceIdsField(forms.Field):
    """The ticked rows' invoice ids: every box of the table is named "invoice"."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        ids = []
        for item in value or []:
            if not str(item).isdigit():
                raise forms.ValidationError(f"{str(item)[:20]!r} is not an invoice id.")
            ids.append(int(item))
        return ids


class AccountingExportForm(forms.Form):
    invoice = InvoiceIdsField(label="Invoices", required=False)
    all_matching = forms.BooleanField(label="Select all invoices matching the filters", required=False)
    format = forms.ChoiceField(label="Format", choices=FORMAT_CHOICES)
    include_exported = forms.BooleanField(label="Include invoices already exported", required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("all_matching") and not cleaned.get("invoice") and "invoice" not in self.errors:
            self.add_error("invoice", "Tick the invoices to export, or select all invoices matching the filters.")
        return cleaned

    def chosen_ids(self) -> list[int]:
        """The ticked ids as sent, so a refused form shows the same boxes ticked."""
        return [int(item) for item in self.data.getlist("invoice") if str(item).isdigit()] if self.is_bound else []


@role_required(Role.INVOICING)
@require_POST
def invoice_accounting_export(request: HttpRequest) -> HttpResponse:
    """Download the ticked invoices (or every one the filters match) as an accounting import file, marked Exported."""
    form, filters, period = _filters_from(request)
    sort = parse_sort(request.GET.get("sort"))
    export_form = AccountingExportForm(request.POST)
    if not export_form.is_valid():
        return _report_page(request, form, filters, period, sort, export_form=export_form, status=400)
    data = export_form.cleaned_data
    if data["all_matching"] and filters is None:
        export_form.add_error(None, "Correct the filters above before exporting every invoice they match.")
        return _report_page(request, form, filters, period, sort, export_form=export_form, status=400)
    try:
        export = invoices_export_to_accounting(
            export_format=data["format"],
            by=request.user,
            invoice_ids=None if data["all_matching"] else data["invoice"],
            filters=filters if data["all_matching"] else None,
            include_exported=data["include_exported"],
        )
    except NothingToExport as error:
        export_form.add_error(None, error.message(include_hint=INCLUDE_HINT))
        return _report_page(request, form, filters, period, sort, export_form=export_form, status=409)
    except DomainError as error:
        add_domain_error(export_form, error, {"invoices": "invoice"})
        status = 400 if isinstance(error, ValidationFailed) else 409
        return _report_page(request, form, filters, period, sort, export_form=export_form, status=status)
    summary = export.summary(include_hint=INCLUDE_HINT)
    if request.headers.get("X-Requested-With") != "fetch":
        # Without the page's script the file simply downloads; the summary waits for the next page shown.
        # The script (static/js/accounting_export.js) shows it at once, from the header below.
        messages.success(request, summary)
    response = csv_response([export.content], filename=export.filename, bom=bom_wanted(request))
    response["X-Exported-Count"] = str(len(export.exported))
    response["X-Exported-Invoices"] = ",".join(str(invoice.pk) for invoice in export.exported)
    response["X-Left-Out-Count"] = str(export.left_out_count)
    # A header carries Latin-1 only; the summary is plain ASCII (numbers, names of products and choices).
    response["X-Export-Summary"] = summary.encode("ascii", "replace").decode("ascii")
    return response

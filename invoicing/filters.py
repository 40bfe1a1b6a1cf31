"""The query filters of the API's invoice list and of the Invoices Report, and `updated_since` for pollers."""

from datetime import datetime, time

from django import forms
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from core.fields import EARLIEST_DAY, LATEST_DAY, QueryDateField, in_day_range
from invoicing.models import REPORTED_STATUSES, Invoice
from projects.models import Client, Project, SalesOrder

# --- updated_since: what an accounting integration polls with -------------------------------------

UPDATED_SINCE_HELP = (
    "Only rows changed at or after this moment: an ISO 8601 date and time with its UTC offset "
    "(2026-05-01T09:30:00+02:00, or Z for UTC), or a date (2026-05-01: from the start of that day in the "
    "company's time zone). Given, the rows come oldest change first, ordered by (updated_at, id), and are "
    "paged by `cursor`: follow `next` to the end, then poll again from the last row's `updated_at`; a row "
    "seen twice is the same row changed again. Allow for a few seconds of overlap: a change is stamped "
    "when it is made and becomes visible when its transaction commits."
)


class UpdatedSinceField(forms.Field):
    """An aware datetime from an ISO 8601 date-time with an offset, or the start of a date in the company's zone."""

    default_error_messages = {
        "invalid": (
            "Enter an ISO 8601 date (2026-05-01) or date and time with its UTC offset (2026-05-01T09:30:00+02:00)."
        ),
        "offset": (
            "Give the time's UTC offset (2026-05-01T09:30:00+02:00, or Z for UTC): without one the moment is ambiguous."
        ),
        "out_of_range": f"Give a moment from {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}.",
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        try:
            # The date first: parse_datetime also reads a bare date, as midnight with no offset.
            day = parse_date(text)
            moment = None if day else parse_datetime(text)
        except ValueError:  # well formed but impossible, such as month 13 or 25 o'clock
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if moment is not None:
            if timezone.is_naive(moment):
                raise forms.ValidationError(self.error_messages["offset"], code="offset")
        elif day is not None:
            moment = timezone.make_aware(datetime.combine(day, time.min)) if in_day_range(day) else None
        else:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        # Near the calendar's ends an offset carries a moment past them (PostgreSQL refuses it in the query).
        if moment is None or not in_day_range(moment):
            raise forms.ValidationError(self.error_messages["out_of_range"], code="out_of_range")
        return moment


@extend_schema_field({"oneOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]})
class UpdatedSinceFilter(filters.Filter):
    """?updated_since=: rows whose updated_at is at or after the moment, ordered by (updated_at, id).

    The order is what lets a poller page without missing a row: core.pagination pages such a list
    by a (updated_at, id) cursor rather than by page number, so a row changed while the poller walks
    the pages moves behind the cursor instead of shifting the rows after it.
    """

    field_class = UpdatedSinceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("field_name", "updated_at")
        kwargs.setdefault("label", "Updated since")
        kwargs.setdefault("help_text", UPDATED_SINCE_HELP)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(**{f"{self.field_name}__gte": value}).order_by(self.field_name, "id")


class QueryDateFilter(filters.DateFilter):
    """A day within the days the desk counts with (core.fields.QueryDateField)."""

    field_class = QueryDateField


class InvoiceFilter(filters.FilterSet):
    sales_order = filters.ModelChoiceFilter(queryset=SalesOrder.objects.all(), help_text="Sales order id.")
    project = filters.ModelChoiceFilter(
        queryset=Project.objects.all(), field_name="sales_order__project", help_text="Project id."
    )
    status = filters.ChoiceFilter(choices=Invoice.Status.choices)
    kind = filters.ChoiceFilter(choices=Invoice.Kind.choices)
    updated_since = UpdatedSinceFilter()

    class Meta:
        model = Invoice
        fields = ["sales_order", "project", "status", "kind", "updated_since"]


class InvoiceReportFilter(filters.FilterSet):
    """Validates the report's filters; `reports.invoice_report.invoice_report_rows` applies the cleaned values."""

    date_from = QueryDateFilter(label="From", name="date_from", help_text="Invoice date on or after (YYYY-MM-DD).")
    date_to = QueryDateFilter(label="To", name="date_to", help_text="Invoice date on or before (YYYY-MM-DD).")
    client = filters.ModelChoiceFilter(
        queryset=Client.objects.all(), field_name="client", label="Client", help_text="Client id."
    )
    status = filters.ChoiceFilter(choices=REPORTED_STATUSES, label="Status")
    kind = filters.ChoiceFilter(choices=Invoice.Kind.choices, label="Kind")
    rep = filters.ModelChoiceFilter(
        queryset=User.objects.all(),
        field_name="sales_order__project__order_rep",
        label="Order rep",
        help_text="User id of the project's order rep.",
    )
    has_remaining = filters.BooleanFilter(
        label="Has remaining", help_text="Only rows whose sales order still has (true) or has no (false) remaining."
    )

    class Meta:
        model = Invoice
        fields = ["date_from", "date_to", "client", "status", "kind", "rep", "has_remaining"]

    def filter_queryset(self, queryset):
        # The selector filters (it also serves the report page); this class only checks the input.
        return queryset

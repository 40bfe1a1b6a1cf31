"""The query filters of the API's invoice list and of the Invoices Report."""

from django.contrib.auth.models import User
from django_filters import rest_framework as filters

from invoicing.models import REPORTED_STATUSES, Invoice
from projects.models import Client, Project, SalesOrder


class InvoiceFilter(filters.FilterSet):
    sales_order = filters.ModelChoiceFilter(queryset=SalesOrder.objects.all(), help_text="Sales order id.")
    project = filters.ModelChoiceFilter(
        queryset=Project.objects.all(), field_name="sales_order__project", help_text="Project id."
    )
    status = filters.ChoiceFilter(choices=Invoice.Status.choices)
    kind = filters.ChoiceFilter(choices=Invoice.Kind.choices)

    class Meta:
        model = Invoice
        fields = ["sales_order", "project", "status", "kind"]


class InvoiceReportFilter(filters.FilterSet):
    """Validates the report's filters; `invoicing.reports.invoice_report_rows` applies the cleaned values."""

    date_from = filters.DateFilter(label="From", help_text="Invoice date on or after (YYYY-MM-DD).")
    date_to = filters.DateFilter(label="To", help_text="Invoice date on or before (YYYY-MM-DD).")
    client = filters.ModelChoiceFilter(
        queryset=Client.objects.all(), field_name="sales_order__project__client", label="Client", help_text="Client id."
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

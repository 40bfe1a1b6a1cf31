"""The query filters of the API's backorder list."""

from django.db.models import Q
from django.utils import timezone
from django_filters import rest_framework as filters

from backorders.models import Backorder
from projects.models import Project
from purchasing.models import PurchaseOrder, Supplier


def overdue_q() -> Q:
    """Open backorders whose expected date has passed."""
    return Q(status=Backorder.Status.OPEN, expected_date__lt=timezone.localdate())


class BackorderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Backorder.Status.choices)
    supplier = filters.ModelChoiceFilter(
        queryset=Supplier.objects.all(), field_name="purchase_order__supplier", help_text="Supplier id."
    )
    project = filters.ModelChoiceFilter(
        queryset=Project.objects.all(), field_name="purchase_order__project", help_text="Project id."
    )
    purchase_order = filters.ModelChoiceFilter(queryset=PurchaseOrder.objects.all(), help_text="Purchase order id.")
    overdue = filters.BooleanFilter(method="filter_overdue", help_text="Open and past the expected date.")

    class Meta:
        model = Backorder
        fields = ["status", "supplier", "project", "purchase_order", "overdue"]

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

"""The API's purchase order filters."""

from django_filters import rest_framework as filters

from projects.models import Project, SalesOrder
from purchasing.models import PurchaseOrder, Supplier


class PurchaseOrderFilter(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=Project.objects.all(), help_text="Project id.")
    sales_order = filters.ModelChoiceFilter(queryset=SalesOrder.objects.all(), help_text="Sales order id.")
    supplier = filters.ModelChoiceFilter(queryset=Supplier.objects.all(), help_text="Supplier id.")
    stage = filters.ChoiceFilter(choices=PurchaseOrder.Stage.choices)
    status = filters.ChoiceFilter(choices=PurchaseOrder.Status.choices)

    class Meta:
        model = PurchaseOrder
        fields = ["project", "sales_order", "supplier", "stage", "status"]

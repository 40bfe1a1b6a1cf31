"""The query filters of the API's project, sales-order, purchase-order and note lists."""

from django.contrib.auth.models import User
from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from projects.models import Client, Note, Project, SalesOrder


class ProjectFilter(filters.FilterSet):
    client = filters.ModelChoiceFilter(queryset=Client.objects.all(), help_text="Client id.")
    rep = filters.ModelChoiceFilter(
        queryset=User.objects.all(), method="filter_rep", help_text="User id: the order, production or invoicing rep."
    )
    q = filters.CharFilter(method="filter_q", max_length=200, help_text="Words in the number, name or client's name.")

    class Meta:
        model = Project
        fields = ["client", "rep", "q"]

    @extend_schema_field(OpenApiTypes.INT)
    def filter_rep(self, queryset, name, value):
        return queryset.filter(Q(order_rep=value) | Q(production_rep=value) | Q(invoicing_rep=value))

    def filter_q(self, queryset, name, value):
        for word in value.split():
            queryset = queryset.filter(
                Q(number__icontains=word) | Q(name__icontains=word) | Q(client__name__icontains=word)
            )
        return queryset


class SalesOrderFilter(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=Project.objects.all(), help_text="Project id.")
    status = filters.ChoiceFilter(choices=SalesOrder.Status.choices)
    billing_status = filters.ChoiceFilter(choices=SalesOrder.BillingStatus.choices)

    class Meta:
        model = SalesOrder
        fields = ["project", "status", "billing_status"]


class NoteFilter(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=Project.objects.all(), help_text="Project id.")
    pinned = filters.BooleanFilter()

    class Meta:
        model = Note
        fields = ["project", "pinned"]

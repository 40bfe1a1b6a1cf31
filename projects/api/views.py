"""Clients, suppliers, projects, sales orders, purchase orders and notes over HTTP; every write is a service."""

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework import status as http
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api import Access, ApiViewMixin
from core.roles import Role
from projects.api import serializers as s
from projects.filters import NoteFilter, ProjectFilter, SalesOrderFilter
from projects.models import Client, Note, SalesOrder
from projects.selectors import project_list, sales_order_detail, sales_order_list
from projects.services.clients import client_create, client_update
from projects.services.notes import note_create, note_pin
from projects.services.projects import project_create, project_update
from projects.services.sales_orders import (
    ItemRequest,
    sales_order_allowed_statuses,
    sales_order_create,
    sales_order_status_change,
    sales_order_update,
)

SALES = (Role.SALES,)
PRODUCTION = (Role.PRODUCTION,)
SALES_OR_PRODUCTION = (Role.SALES, Role.PRODUCTION)

# Someone who holds every role: what they may do is what the transition table allows anyone to do.
ANY_ROLE = User(username="any-role", is_superuser=True, is_active=True)


class ReadCreateUpdateViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List, read, create and change (PATCH) through a service; no PUT and no DELETE."""

    http_method_names = ["get", "post", "patch", "head", "options"]


class ServiceWrittenViewSet(ReadCreateUpdateViewSet):
    """Create and change plain records through two services named by the subclass."""

    # create_service(by=..., **fields); update_service(<instance_argument>=..., by=..., **fields)
    create_service = None
    update_service = None
    instance_argument = ""

    @transaction.atomic
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = type(self).create_service(by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(instance).data, status=http.HTTP_201_CREATED)

    @transaction.atomic
    def partial_update(self, request, pk=None):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        instance = type(self).update_service(
            **{self.instance_argument: instance}, by=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(instance).data)


# --- clients and suppliers ----------------------------------------------------------------------


class ClientViewSet(ServiceWrittenViewSet):
    """Clients: everyone signed in reads them; Sales create and change them."""

    queryset = Client.objects.all()
    serializer_class = s.ClientSerializer
    access = {
        "create": Access(SALES, "create clients"),
        "partial_update": Access(SALES, "change clients"),
    }

    create_service = staticmethod(client_create)
    update_service = staticmethod(client_update)
    instance_argument = "client"


# --- users --------------------------------------------------------------------------------------


class UserFilter(filters.FilterSet):
    role = filters.ChoiceFilter(
        choices=[(role, role) for role in Role.ALL], field_name="groups__name", help_text="Only users in this group."
    )
    q = filters.CharFilter(method="search", help_text="Part of the user name or full name.")

    class Meta:
        model = User
        fields = ["role", "q"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value) | Q(first_name__icontains=value) | Q(last_name__icontains=value)
        )


class UserViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Active colleagues with their roles: the ids a project's reps and mentions refer to. Read-only."""

    queryset = User.objects.filter(is_active=True).prefetch_related("groups").order_by("username")
    serializer_class = s.UserSerializer
    filterset_class = UserFilter


# --- projects -----------------------------------------------------------------------------------


class ProjectViewSet(ReadCreateUpdateViewSet):
    """Projects with their client and three reps (user ids); Sales create and change them."""

    serializer_class = s.ProjectSerializer
    filterset_class = ProjectFilter
    access = {
        "create": Access(SALES, "create projects"),
        "partial_update": Access(SALES, "change projects"),
    }

    def get_queryset(self):
        return project_list().order_by("-number")

    @transaction.atomic
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = project_create(by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(project).data, status=http.HTTP_201_CREATED)

    @transaction.atomic
    def partial_update(self, request, pk=None):
        project = self.get_object()
        serializer = self.get_serializer(project, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {key: value for key, value in serializer.validated_data.items() if key != "number"}
        project = project_update(project=project, by=request.user, **changes)
        return Response(self.get_serializer(project).data)


# --- sales orders -------------------------------------------------------------------------------


def _item_requests(items: list[dict]) -> list[ItemRequest]:
    return [ItemRequest(**item) for item in items]


class SalesOrderViewSet(ReadCreateUpdateViewSet):
    """Sales orders with their items and figures: ordered, invoiced, backordered, cancelled, remaining, ready."""

    serializer_class = s.SalesOrderSerializer
    filterset_class = SalesOrderFilter
    access = {
        "create": Access(SALES, "create sales orders"),
        "partial_update": Access(SALES, "change sales orders"),
        "status": Access(SALES_OR_PRODUCTION, "move sales-order statuses"),
    }
    conflicts = ("partial_update", "status")

    def get_queryset(self):
        return sales_order_list()

    def get_serializer_class(self):
        return {
            "create": s.SalesOrderCreateSerializer,
            "partial_update": s.SalesOrderUpdateSerializer,
            "status": s.SalesOrderStatusSerializer,
        }.get(self.action, s.SalesOrderSerializer)

    def _answer(self, order: SalesOrder, code: int = http.HTTP_200_OK) -> Response:
        return Response(s.SalesOrderSerializer(sales_order_detail(pk=order.pk)).data, status=code)

    @extend_schema(responses={201: s.SalesOrderSerializer})
    @transaction.atomic
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        order = sales_order_create(
            project=data["project"],
            items=_item_requests(data["items"]),
            in_hands_date=data.get("in_hands_date"),
            ship_to=data.get("ship_to", ""),
            client_po_number=data.get("client_po_number", ""),
            number=data.get("number", ""),
            by=request.user,
        )
        return self._answer(order, http.HTTP_201_CREATED)

    @extend_schema(responses={200: s.SalesOrderSerializer})
    def partial_update(self, request, pk=None):
        order = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        items = data.get("items")
        order = sales_order_update(
            sales_order=order,
            in_hands_date=data.get("in_hands_date"),
            items=_item_requests(items) if items is not None else None,
            client_po_number=data.get("client_po_number"),
            by=request.user,
        )
        return self._answer(order)

    @extend_schema(
        request=s.SalesOrderStatusSerializer,
        responses={200: s.SalesOrderSerializer},
        description=(
            "Move the order to another status by the workflow's transition table. A move no role may make "
            "from the current status answers 409; a move only another role may make answers 403."
        ),
    )
    @action(detail=True, methods=["post"])
    def status(self, request, pk=None):
        order = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        target = serializer.validated_data["status"]
        if target in sales_order_allowed_statuses(sales_order=order, user=ANY_ROLE) and (
            target not in sales_order_allowed_statuses(sales_order=order, user=request.user)
        ):
            raise PermissionDenied(
                f"Your role may not move sales order {order.number} from {order.get_status_display()} "
                f"to {SalesOrder.Status(target).label}."
            )
        order = sales_order_status_change(sales_order=order, status=target, by=request.user)
        return self._answer(order)


# --- purchase orders ----------------------------------------------------------------------------


# --- notes --------------------------------------------------------------------------------------


class NoteViewSet(ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Everyone signed in reads and writes notes, and pins and unpins them."""

    serializer_class = s.NoteSerializer
    filterset_class = NoteFilter
    conflicts = ("pin", "unpin")

    def get_queryset(self):
        return Note.objects.prefetch_related("mentions").order_by("-pinned", "-created_at", "-id")

    @transaction.atomic
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = note_create(by=request.user, **serializer.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=note.pk)).data, status=http.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.NoteSerializer})
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def pin(self, request, pk=None):
        note = note_pin(note=self.get_object(), pinned=True, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=note.pk)).data)

    @extend_schema(request=None, responses={200: s.NoteSerializer})
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def unpin(self, request, pk=None):
        note = note_pin(note=self.get_object(), pinned=False, by=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=note.pk)).data)

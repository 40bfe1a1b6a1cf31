"""The clients pages: the list with its search, a client with its projects and what remains to invoice, the forms."""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from accounts.recent import recent_record
from core.errors import DomainError
from core.roles import Role, has_role
from core.views import add_domain_error, role_required
from projects.forms import ClientForm, ClientSearchForm
from projects.models import Client, SalesOrder
from projects.selectors import project_list, sales_orders_with_figures
from projects.services.clients import client_create, client_update

PAGE_SIZE = 50
# Who may create and change clients; the services say the same (Managers always may).
WRITERS = (Role.SALES,)
FIELDS = (
    "name",
    "billing_email",
    "billing_address",
    "tax_id",
    "terms_days",
    "default_tax_rate",
    "status_updates_automatic",
)


def client_or_404(pk: int) -> Client:
    try:
        return Client.objects.get(pk=pk)
    except Client.DoesNotExist as error:
        raise Http404("No such client.") from error


@login_required
def client_list(request: HttpRequest) -> HttpResponse:
    form = ClientSearchForm(request.GET or None)
    clients = Client.objects.annotate(project_count=Count("projects"))
    if form.is_bound and form.is_valid() and (query := form.cleaned_data["q"]):
        clients = clients.filter(
            Q(name__icontains=query) | Q(billing_email__icontains=query) | Q(tax_id__icontains=query)
        )
    page = Paginator(clients.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "clients": page.object_list,
        "query": query_string.urlencode(),
        "can_write": has_role(request.user, *WRITERS),
        "nav_section": "clients",
    }
    return render(request, "projects/client_list.html", context)


@login_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_or_404(pk)
    recent_record(
        user=request.user, subject=client, number="", name=client.name, url=reverse("client-detail", args=[client.pk])
    )
    projects = list(project_list().filter(client=client).order_by("-number"))
    orders = list(sales_orders_with_figures(SalesOrder.objects.filter(project__client=client)).order_by("pk"))
    orders_by_project = defaultdict(list)
    for order in orders:
        order.billing_status_label = SalesOrder.BillingStatus(order.billing_status).label
        orders_by_project[order.project_id].append(order)
    for project in projects:
        project.orders = orders_by_project[project.pk]
    context = {
        "client": client,
        "projects": projects,
        "remaining_total": sum((order.remaining_amount for order in orders), Decimal("0.00")),
        "currency": settings.CURRENCY,
        "can_write": has_role(request.user, *WRITERS),
        "nav_section": "clients",
    }
    return render(request, "projects/client_detail.html", context)


def _form_page(request: HttpRequest, form: ClientForm, *, client: Client | None = None) -> HttpResponse:
    context = {"form": form, "client": client, "nav_section": "clients"}
    return render(request, "projects/client_form.html", context, status=400 if form.errors else 200)


@role_required(*WRITERS)
def client_new(request: HttpRequest) -> HttpResponse:
    form = ClientForm(request.POST if request.method == "POST" else None, currency=settings.CURRENCY)
    if request.method == "POST" and form.is_valid():
        try:
            client = client_create(by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Client {client.name} is saved.")
            return redirect("client-detail", pk=client.pk)
    return _form_page(request, form)


@role_required(*WRITERS)
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = client_or_404(pk)
    initial = {name: getattr(client, name) for name in FIELDS}
    form = ClientForm(request.POST if request.method == "POST" else None, initial=initial, currency=settings.CURRENCY)
    if request.method == "POST" and form.is_valid():
        try:
            client = client_update(client=client, by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
            # The service set the refused values on the object; the page heads with what is stored.
            client.refresh_from_db()
        else:
            messages.success(request, f"Client {client.name} is saved.")
            return redirect("client-detail", pk=client.pk)
    return _form_page(request, form, client=client)

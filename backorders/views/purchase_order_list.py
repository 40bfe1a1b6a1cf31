"""The purchase-order list: filters, pages, and moving the ticked POs to one stage at once."""

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backorders.models import Backorder
from core.errors import DomainError, RoleRequired, TransitionNotAllowed
from core.roles import Role, has_role
from core.views import add_domain_error, role_required
from purchasing.forms import PurchaseOrderBulkStageForm, PurchaseOrderFilterForm
from purchasing.models import PurchaseOrder
from purchasing.selectors import purchase_order_list as select_purchase_orders
from purchasing.selectors import purchase_order_total
from purchasing.services import purchase_orders_stage_change

PAGE_SIZE = 50


def _refusal_status(error: DomainError) -> int:
    return 409 if isinstance(error, TransitionNotAllowed) else 400


@login_required
def purchase_order_list(request: HttpRequest) -> HttpResponse:
    return purchase_order_list_page(request)


def purchase_order_list_page(
    request: HttpRequest, *, bulk_form: PurchaseOrderBulkStageForm | None = None, http_status: int = 200
) -> HttpResponse:
    """The list as its query filters it, with the bulk stage form the user just submitted if it was refused."""
    form = PurchaseOrderFilterForm(request.GET or None)
    orders = select_purchase_orders().annotate(
        open_backorders=Count("backorders", filter=Q(backorders__status=Backorder.Status.OPEN), distinct=True),
        total=purchase_order_total(),
    )
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            orders = orders.filter(
                Q(number__icontains=data["q"])
                | Q(project__number__icontains=data["q"])
                | Q(project__name__icontains=data["q"])
                | Q(project__client__name__icontains=data["q"])
            )
        if data["stage"]:
            orders = orders.filter(stage=data["stage"])
        if data["status"]:
            orders = orders.filter(status=data["status"])
        if data["supplier"]:
            orders = orders.filter(supplier=data["supplier"])
    page = Paginator(orders.order_by("-number"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    can_move = has_role(request.user, Role.PRODUCTION)
    if can_move and bulk_form is None:
        bulk_form = PurchaseOrderBulkStageForm()
    ticked: set[str] = set()
    if bulk_form is not None and bulk_form.is_bound:
        ticked = set(cast(QueryDict, bulk_form.data).getlist("po"))
    orders_shown: list[Any] = list(page.object_list)
    for po in orders_shown:
        po.ticked = str(po.pk) in ticked
    context = {
        "form": form,
        "page": page,
        "orders": orders_shown,
        "query": query.urlencode(),
        "bulk_form": bulk_form if can_move else None,
        "nav_section": "purchase_orders",
    }
    return render(request, "projects/purchase_order_list.html", context, status=http_status)


@role_required(Role.PRODUCTION)
@require_POST
def purchase_order_stage_bulk(request: HttpRequest) -> HttpResponse:
    """Move the ticked POs of the list to one stage: each PO moves or is refused on its own, with a message."""
    form = PurchaseOrderBulkStageForm(request.POST)
    if not form.is_valid():
        return purchase_order_list_page(request, bulk_form=form, http_status=400)
    stage = form.cleaned_data["stage"]
    try:
        results = purchase_orders_stage_change(
            purchase_orders=form.cleaned_data["po"], stage=stage, by=cast(User, request.user)
        )
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    except DomainError as error:
        add_domain_error(form, error)
        return purchase_order_list_page(request, bulk_form=form, http_status=_refusal_status(error))
    label = PurchaseOrder.Stage(stage).label
    moved = [result for result in results if result.moved]
    if moved:
        messages.success(
            request,
            f"Moved to {label}: "
            + ", ".join(
                f"{result.purchase_order.number} (from {PurchaseOrder.Stage(result.previous).label})"
                for result in moved
            )
            + ".",
        )
    for result in results:
        if not result.moved:
            number = result.purchase_order.number
            refusal = result.refusal if number in result.refusal else f"{number}: {result.refusal}"
            messages.error(request, f"Not moved: {refusal}")
    # Back to the list as it was filtered (the form posts to this URL with the list's query).
    return redirect(reverse("purchase-order-list") + (f"?{request.GET.urlencode()}" if request.GET else ""))

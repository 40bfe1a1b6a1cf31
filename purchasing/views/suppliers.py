"""The suppliers pages: the list with its search, a supplier with its purchase orders, the forms."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.errors import DomainError
from core.roles import Role, has_role, is_manager
from core.views import add_domain_error, role_required
from projects.models import SalesOrder
from projects.selectors import sales_orders_with_figures
from purchasing.forms import SupplierForm, SupplierSearchForm
from purchasing.models import PurchaseOrder, Supplier
from purchasing.pages import supplier_page
from purchasing.promostandards.failures import failure_shown
from purchasing.services import supplier_create, supplier_update

PAGE_SIZE = 50
# Who may create and change suppliers; the services say the same (Managers always may).
WRITERS = (Role.SALES, Role.PRODUCTION)
# The password is not among them: it is never read back into the form (blank keeps the stored one).
FIELDS = (
    "name",
    "email",
    "phone",
    "order_status_url",
    "order_status_username",
    "shipment_url",
    "shipment_enabled",
    "inventory_url",
    "inventory_enabled",
)


def supplier_or_404(pk: int) -> Supplier:
    try:
        return Supplier.objects.get(pk=pk)
    except Supplier.DoesNotExist as error:
        raise Http404("No such supplier.") from error


@login_required
def supplier_list(request: HttpRequest) -> HttpResponse:
    form = SupplierSearchForm(request.GET or None)
    suppliers = Supplier.objects.annotate(purchase_order_count=Count("purchase_orders"))
    if form.is_bound and form.is_valid() and (query := form.cleaned_data["q"]):
        suppliers = suppliers.filter(Q(name__icontains=query) | Q(email__icontains=query) | Q(phone__icontains=query))
    page = Paginator(suppliers.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "suppliers": page.object_list,
        "query": query_string.urlencode(),
        "can_write": has_role(request.user, *WRITERS),
        "nav_section": "suppliers",
    }
    return render(request, "projects/supplier_list.html", context)


@login_required
def supplier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = supplier_or_404(pk)
    purchase_orders = list(
        PurchaseOrder.objects.filter(supplier=supplier)
        .select_related("project__client", "sales_order")
        .order_by("-number")
    )
    # What remains to invoice on each PO's sales order, read once for all of them. A subquery
    # rather than a join on the POs: joining would count an order's items once per PO.
    remaining = dict(
        sales_orders_with_figures(
            SalesOrder.objects.filter(pk__in=PurchaseOrder.objects.filter(supplier=supplier).values("sales_order_id"))
        ).values_list("pk", "remaining_amount")
    )
    for po in purchase_orders:
        po.order_remaining_amount = remaining.get(po.sales_order_id)
    context = {
        "supplier": supplier,
        "purchase_orders": purchase_orders,
        # Its performance (reports/, which reads the backorders too).
        **supplier_page.context(request, supplier),
        "can_write": has_role(request.user, *WRITERS),
        "can_change_service": is_manager(request.user),
        # The kind of failure only: its detail (what answered at the address, and how) is in the log.
        "order_status_error": failure_shown(supplier.order_status_error),
        "shipment_error": failure_shown(supplier.shipment_error),
        "inventory_error": failure_shown(supplier.inventory_error),
        "nav_section": "suppliers",
    }
    return render(request, "projects/supplier_detail.html", context)


def _form_page(request: HttpRequest, form: SupplierForm, *, supplier: Supplier | None = None) -> HttpResponse:
    context = {"form": form, "supplier": supplier, "nav_section": "suppliers"}
    return render(request, "projects/supplier_form.html", context, status=400 if form.errors else 200)


@role_required(*WRITERS)
def supplier_new(request: HttpRequest) -> HttpResponse:
    form = SupplierForm(request.POST if request.method == "POST" else None, can_change_service=is_manager(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            supplier = supplier_create(by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Supplier {supplier.name} is saved.")
            return redirect("supplier-detail", pk=supplier.pk)
    return _form_page(request, form)


@role_required(*WRITERS)
def supplier_edit(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = supplier_or_404(pk)
    initial = {name: getattr(supplier, name) for name in FIELDS}
    form = SupplierForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        has_order_status_password=bool(supplier.order_status_password_encrypted),
        can_change_service=is_manager(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            supplier = supplier_update(supplier=supplier, by=request.user, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
            # The service set the refused values on the object; the page heads with what is stored.
            supplier.refresh_from_db()
        else:
            messages.success(request, f"Supplier {supplier.name} is saved.")
            return redirect("supplier-detail", pk=supplier.pk)
    return _form_page(request, form, supplier=supplier)

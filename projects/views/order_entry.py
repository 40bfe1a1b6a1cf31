"""The sales rep's pages: open a project, write a sales order with its items, create its purchase orders."""

import re
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError, RoleRequired, TransitionNotAllowed, ValidationFailed
from core.money import line_amount, line_tax
from core.roles import Role
from core.views import add_domain_error, role_required
from projects.forms import ProjectForm, SalesOrderForm, SalesOrderItemForm
from projects.models import Client, Project, SalesOrder, SalesOrderItem
from projects.selectors import recent_items, sales_order_detail
from projects.services.projects import project_create, project_update
from projects.services.sales_orders import (
    ItemRequest,
    Keep,
    order_total_refusal,
    sales_order_create,
    sales_order_item_locks,
    sales_order_items_save,
)

ROW_PREFIX = re.compile(r"^items-(\d{1,4})-")
HALF_TYPED = re.compile(r"[0-9]+\.")
MAX_ROWS = 500


# --- projects -----------------------------------------------------------------------------------


def _project_form_page(request, form: ProjectForm, *, project: Project | None = None, http_status: int = 200):
    context = {"form": form, "project": project, "nav_section": "projects"}
    return render(request, "projects/project_form.html", context, status=http_status)


@role_required(Role.SALES)
def project_create_view(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        client_id = request.GET.get("client")
        client = Client.objects.filter(pk=client_id).first() if _is_id(client_id) else None
        return _project_form_page(request, ProjectForm(initial={"client": client, "order_rep": request.user}))
    form = ProjectForm(request.POST)
    if form.is_valid():
        try:
            project = project_create(**form.cleaned_data, by=request.user)
        except RoleRequired as error:
            raise PermissionDenied(str(error)) from error
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Project {project.number} is open. Add its first sales order.")
            return redirect("project-detail", pk=project.pk)
    return _project_form_page(request, form, http_status=400)


@role_required(Role.SALES)
def project_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=pk)
    if request.method != "POST":
        initial = {name: getattr(project, name) for name in ProjectForm.base_fields}
        return _project_form_page(request, ProjectForm(initial=initial), project=project)
    form = ProjectForm(request.POST)
    if form.is_valid():
        try:
            project_update(project=project, by=request.user, **form.cleaned_data)
        except RoleRequired as error:
            raise PermissionDenied(str(error)) from error
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, f"Project {project.number} is saved.")
            return redirect("project-detail", pk=project.pk)
    return _project_form_page(request, form, project=project, http_status=400)


def _is_id(value: str | None) -> bool:
    return bool(value) and value.isdigit() and len(value) < 12


# --- the sales-order editor ---------------------------------------------------------------------


def _row_forms(data: QueryDict) -> list[SalesOrderItemForm]:
    """The item rows a post holds, in the order they stood on the page (a duplicated row follows its original)."""
    indexes = dict.fromkeys(int(match.group(1)) for key in data for match in [ROW_PREFIX.match(key)] if match)
    return [SalesOrderItemForm(data, prefix=f"items-{index}") for index in list(indexes)[:MAX_ROWS]]


def _initial_rows(order: SalesOrder | None, locks: dict[int, str], *, client: Client) -> list[SalesOrderItemForm]:
    items = [] if order is None else [item for item in order.items.all() if item.pk not in locks]
    rows = [
        SalesOrderItemForm(
            prefix=f"items-{index}",
            initial={
                "id": item.pk,
                "kind": item.kind,
                "description": item.description,
                "supplier": item.supplier_id,
                "quantity": item.quantity,
                "unit_price": item.unit_price,
                "unit_cost": item.unit_cost,
                "tax_rate": item.tax_rate,
                "supplier_product_id": item.supplier_product_id,
                "supplier_part_id": item.supplier_part_id,
                "supplier_units_per_pack": item.supplier_units_per_pack,
            },
        )
        for index, item in enumerate(items)
    ]
    if not rows:
        rows.append(_new_row("items-0", client=client))
    return rows


def _new_row(prefix: str, *, client: Client) -> SalesOrderItemForm:
    """A blank row, its tax rate the client's default (the rows the rep adds carry the row above's)."""
    return SalesOrderItemForm(prefix=prefix, initial={"tax_rate": client.default_tax_rate or None})


def _editor_page(
    request: HttpRequest,
    *,
    project: Project,
    order: SalesOrder | None,
    header: SalesOrderForm,
    rows: list[SalesOrderItemForm],
    locks: dict[int, str],
    error: str = "",
    http_status: int = 200,
) -> HttpResponse:
    locked_items = [] if order is None else [item for item in order.items.all() if item.pk in locks]
    totals = _totals(rows, locked_items)
    amounts = {prefix: (amount, margin) for prefix, amount, margin in totals["rows"]}
    for row in rows:
        row.amount, row.margin = amounts.get(row.prefix, (None, None))
    recent = recent_items(client_id=project.client_id, rep_id=request.user.pk)
    template_row = _new_row("items-__prefix__", client=project.client)
    template_row.amount = template_row.margin = None
    next_index = max((int(ROW_PREFIX.match(row.prefix + "-").group(1)) for row in rows), default=-1) + 1
    context = {
        "project": project,
        "order": order,
        "header": header,
        "rows": rows,
        "locked_items": [(item, locks[item.pk]) for item in locked_items],
        "template_row": template_row,
        "recent": recent,
        "recent_groups": [
            (recent["client"], f"{project.client.name} ordered lately"),
            (recent["rep"], "You sold lately"),
        ],
        "next_index": next_index,
        "totals": totals,
        "error": error,
        "nav_section": "projects",
    }
    return render(request, "projects/sales_order_form.html", context, status=http_status)


def _row_amount(row: SalesOrderItemForm) -> tuple:
    """A row's net amount, tax and margin as typed, or (None, None, None, refusal) while it cannot be computed.

    The margin is None while no cost is typed: a price with no cost says nothing of what the line earns.
    """
    values = {}
    for name in ("quantity", "unit_price", "tax_rate", "unit_cost"):
        typed = row.data.get(row.add_prefix(name))
        try:
            values[name] = row.fields[name].clean(typed)
        except forms.ValidationError as error:
            # Empty, or digits and a point with the decimals still to come, is still being typed (the amount
            # stays blank); anything else refused is what saving refuses, and is said.
            if typed in (None, "") or HALF_TYPED.fullmatch(typed):
                return None, None, None, ""
            description = (row.data.get(row.add_prefix("description")) or "").strip()[:60]
            return None, None, None, f"{description}: {error.messages[0]}" if description else error.messages[0]
    amount = line_amount(values["quantity"], values["unit_price"])
    margin = _margin(values["quantity"], amount, values["unit_cost"])
    return amount, line_tax(amount, values["tax_rate"] or 0), margin, ""


def _margin(quantity: int, amount: Decimal, unit_cost: Decimal | None) -> Decimal | None:
    """What a line earns: its net amount less what the supplier charges for it, or None with no cost known."""
    return None if unit_cost is None else amount - line_amount(quantity, unit_cost)


def margin_percent(margin: Decimal | None, amount: Decimal | None) -> Decimal | None:
    """The margin as a percent of the price, one decimal half-up; None where there is nothing to divide."""
    if margin is None or not amount:
        return None
    return (margin * 100 / amount).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _totals(rows: list[SalesOrderItemForm], locked_items: list[SalesOrderItem]) -> dict:
    """The running total the editor shows: the server's arithmetic, Decimal and half-up, as on an invoice."""
    lines = []
    for item in locked_items:
        amount = line_amount(item.quantity, item.unit_price)
        lines.append((None, amount, line_tax(amount, item.tax_rate), _margin(item.quantity, amount, item.unit_cost)))
    incomplete, refusals = 0, []
    for row in rows:
        if not row.is_bound:
            amount = tax = margin = None
            if row.initial.get("quantity") is not None:
                amount = line_amount(row.initial["quantity"], row.initial["unit_price"])
                tax = line_tax(amount, row.initial["tax_rate"])
                margin = _margin(row.initial["quantity"], amount, row.initial["unit_cost"])
        elif row.is_blank():
            amount = tax = margin = None
        else:
            amount, tax, margin, refusal = _row_amount(row)
            incomplete += amount is None and not refusal
            refusals += [refusal] if refusal else []
        lines.append((row.prefix, amount, tax, margin))
    zero = line_amount(0, 0)
    subtotal = sum((amount for _, amount, _, _ in lines if amount is not None), start=zero)
    tax = sum((tax for _, _, tax, _ in lines if tax is not None), start=zero)
    # The order's margin counts the lines whose cost is known, against those lines' price.
    costed = [(amount, margin) for _, amount, _, margin in lines if margin is not None]
    margin = sum((margin for _, margin in costed), start=zero) if costed else None
    return {
        "rows": [
            (prefix, amount, (margin, margin_percent(margin, amount))) for prefix, amount, _, margin in lines if prefix
        ],
        "subtotal": subtotal,
        "tax": tax,
        "total": subtotal + tax,
        "margin": margin,
        "margin_percent": margin_percent(margin, sum((amount for amount, _ in costed), start=zero)),
        "uncosted": sum(1 for _, amount, _, margin in lines if amount is not None and margin is None) if costed else 0,
        "incomplete": incomplete,
        # What saving would refuse (a value typed in a form it does not take, or a total that does not fit
        # the money columns) is said instead of a total no order can have. Rows still to fill in only add to it.
        "refusals": refusals or [refusal for refusal in [order_total_refusal(subtotal + tax)] if refusal],
    }


def _save_editor(request: HttpRequest, *, project: Project, order: SalesOrder | None) -> HttpResponse:
    locks = sales_order_item_locks(sales_order=order) if order else {}
    header = SalesOrderForm(request.POST)
    rows = _row_forms(request.POST)
    filled = [row for row in rows if not row.is_blank()]
    valid = header.is_valid()
    valid = all([row.is_valid() for row in filled]) and valid
    error, http_status = "", 400
    if not filled and not locks:
        error = "Add at least one item: a description, a supplier, a quantity and a unit price."
    if valid and not error:
        items = [
            ItemRequest(
                id=row.cleaned_data["id"] if order else None,
                kind=row.cleaned_data["kind"],
                description=row.cleaned_data["description"],
                supplier=row.cleaned_data["supplier"],
                quantity=row.cleaned_data["quantity"],
                unit_price=row.cleaned_data["unit_price"],
                unit_cost=row.cleaned_data["unit_cost"] or Decimal("0.00"),
                tax_rate=row.cleaned_data["tax_rate"] or Decimal("0.00"),
                # A post without the boxes (a script's) keeps what the item holds.
                supplier_product_id=_posted(row, "supplier_product_id"),
                supplier_part_id=_posted(row, "supplier_part_id"),
                supplier_units_per_pack=_posted(row, "supplier_units_per_pack", keep=Keep.KEEP),
            )
            for row in filled
        ]
        try:
            if order is None:
                saved = sales_order_create(
                    project=project,
                    items=items,
                    in_hands_date=header.cleaned_data["in_hands_date"],
                    ship_to=header.cleaned_data["ship_to"],
                    client_po_number=header.cleaned_data["client_po_number"],
                    require_supplier=True,
                    by=request.user,
                )
            else:
                saved = sales_order_items_save(
                    sales_order=order,
                    items=items,
                    in_hands_date=header.cleaned_data["in_hands_date"],
                    ship_to=header.cleaned_data["ship_to"],
                    client_po_number=header.cleaned_data["client_po_number"],
                    by=request.user,
                )
        except RoleRequired as refusal:
            raise PermissionDenied(str(refusal)) from refusal
        except ValidationFailed as refusal:
            error = _place_item_errors(refusal, header, filled)
        except DomainError as refusal:
            error = str(refusal)
            http_status = 409 if isinstance(refusal, TransitionNotAllowed) else 400
        else:
            verb = "is written" if order is None else "is saved"
            messages.success(request, f"Sales order {saved.number} {verb}.")
            return redirect("sales-order-detail", pk=saved.pk)
    return _editor_page(
        request,
        project=project,
        order=order,
        header=header,
        rows=rows or [_new_row("items-0", client=project.client)],
        locks=locks,
        error=error,
        http_status=http_status,
    )


def _posted(row: SalesOrderItemForm, name: str, keep=None):
    return row.cleaned_data[name] if row.add_prefix(name) in row.data else keep


ITEM_ERROR = re.compile(r"^items\[(\d+)\]\.(\w+)$")
VISIBLE_ITEM_FIELDS = set(SalesOrderItemForm.TYPED) | {"kind", *SalesOrderItemForm.SUPPLIER_FIELDS}


def _place_item_errors(refusal: ValidationFailed, header: SalesOrderForm, rows: list[SalesOrderItemForm]) -> str:
    """Put a service's item errors next to the row and field they name; return what belongs to no field."""
    rest = []
    for key, errors in refusal.errors.items():
        match = ITEM_ERROR.match(key)
        if match and int(match.group(1)) < len(rows) and match.group(2) in VISIBLE_ITEM_FIELDS:
            for message in errors:
                rows[int(match.group(1))].add_error(match.group(2), message)
        elif key in header.fields:
            for message in errors:
                header.add_error(key, message)
        else:
            rest.extend(errors)
    return " ".join(rest)


def _project_or_404(pk: int) -> Project:
    return get_object_or_404(Project.objects.select_related("client"), pk=pk)


def _order_or_404(pk: int) -> SalesOrder:
    try:
        return sales_order_detail(pk=pk)
    except SalesOrder.DoesNotExist as error:
        raise Http404("No such sales order.") from error


@role_required(Role.SALES)
def sales_order_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project_or_404(pk)
    if request.method == "POST":
        return _save_editor(request, project=project, order=None)
    return _editor_page(
        request,
        project=project,
        order=None,
        header=SalesOrderForm(),
        rows=_initial_rows(None, {}, client=project.client),
        locks={},
    )


@role_required(Role.SALES)
def sales_order_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order_or_404(pk)
    if request.method == "POST":
        return _save_editor(request, project=order.project, order=order)
    locks = sales_order_item_locks(sales_order=order)
    header = SalesOrderForm(
        initial={
            "in_hands_date": order.in_hands_date,
            "ship_to": order.ship_to,
            "client_po_number": order.client_po_number,
        }
    )
    return _editor_page(
        request,
        project=order.project,
        order=order,
        header=header,
        rows=_initial_rows(order, locks, client=order.project.client),
        locks=locks,
    )


@role_required(Role.SALES)
@require_POST
def sales_order_totals_view(request: HttpRequest) -> HttpResponse:
    """Answer the editor's running total as the rep types (htmx): the server recomputes, the page shows."""
    order = None
    if _is_id(request.POST.get("sales_order")):
        order = SalesOrder.objects.filter(pk=request.POST["sales_order"]).first()
    locks = sales_order_item_locks(sales_order=order) if order else {}
    locked_items = [] if order is None else [item for item in order.items.all() if item.pk in locks]
    totals = _totals(_row_forms(request.POST), locked_items)
    return render(request, "projects/_order_totals.html", {"totals": totals, "oob": True})

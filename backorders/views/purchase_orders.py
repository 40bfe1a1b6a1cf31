"""The purchase-order page: stage and status controls, the Flag backorder form (rule 1).

The page also shows what the supplier's order status proposes, for one-click confirmation.
"""

from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.recent import recent_record
from backorders.forms import (
    BackorderCancelForm,
    BackorderExpectedDateForm,
    BackorderFlagForm,
    BackorderResolveForm,
    SupplierProposalConfirmForm,
    flag_note_text,
)
from backorders.models import Backorder, SupplierProposal
from backorders.order_status_sync import supplier_status_latest
from backorders.selectors import flag_moves_order_by_default, unshipped_siblings_phrase
from backorders.services import (
    READY_FOR_BILLING_OR_LATER,
    backorder_flag,
    backorder_offers_ready_for_billing,
    supplier_proposal_description,
)
from backorders.views.stock import stock_on_page
from core.errors import DomainError, RoleRequired, TransitionNotAllowed
from core.money import line_amount
from core.roles import Role, has_role
from core.views import add_domain_error, report_domain_error, role_required
from projects.models import SalesOrder, SalesOrderItem
from projects.selectors import sales_order_items_with_figures
from projects.services.sales_orders import PRODUCTION_READIES_FROM
from purchasing.figures import SHIPPED_OR_LATER
from purchasing.forms import (
    PurchaseOrderStageForm,
    PurchaseOrderStatusForm,
)
from purchasing.models import PurchaseOrder
from purchasing.pdf import purchase_order_pdf_bytes
from purchasing.selectors import purchase_order_list as select_purchase_orders
from purchasing.selectors import purchase_order_ship_to, shipments_of
from purchasing.services import (
    purchase_order_allowed_stages,
    purchase_order_email_request,
    purchase_order_stage_change,
    purchase_order_status_change,
)


def purchase_order_or_404(pk: int) -> PurchaseOrder:
    try:
        return select_purchase_orders().select_related("project__order_rep", "project__invoicing_rep").get(pk=pk)
    except PurchaseOrder.DoesNotExist as error:
        raise Http404("No such purchase order.") from error


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _sales_order_items(po: PurchaseOrder) -> list[SalesOrderItem]:
    return list(
        sales_order_items_with_figures(SalesOrderItem.objects.filter(sales_order_id=po.sales_order_id)).order_by(
            "position", "id"
        )
    )


def flag_mentions(po: PurchaseOrder) -> list[str]:
    """The @names a flag note starts with: the order rep and the invoicing rep, once each."""
    names = []
    for rep in (po.project.order_rep, po.project.invoicing_rep):
        if rep.is_active and rep.username not in names:
            names.append(rep.username)
    return names


def ready_once_flagged(po: PurchaseOrder, so_items: list[SalesOrderItem]) -> dict[int, int]:
    """Each SO item's ready quantity once a backorder is flagged on this PO, before the backordered part.

    Flagging declares the rest of this PO shipping, so its goods count as there; a sibling PO's goods count
    only once it has shipped (SalesOrderItem.ready_quantity).
    """
    declared = po.stage in SHIPPED_OR_LATER or po.rest_ships_declared_at is not None
    on_this_po = {} if declared else {line.sales_order_item_id: line.quantity for line in po.items.all()}
    return {
        item.pk: max(
            item.remaining
            - item.backordered
            - (item.purchased_quantity - item.shipped_quantity - on_this_po.get(item.pk, 0)),
            0,
        )
        for item in so_items
    }


def flag_note(po: PurchaseOrder, so_items: list[SalesOrderItem], backordered: dict[int, tuple[int, str]]) -> str:
    """The pre-filled note: what can be invoiced once the given SO items' quantities are backordered."""
    ready, waiting = [], []
    once_flagged = ready_once_flagged(po, so_items)
    for item in so_items:
        quantity, expected = backordered.get(item.pk, (0, ""))
        now = max(once_flagged[item.pk] - quantity, 0)
        if now:
            ready.append((now, item.description))
        if quantity:
            waiting.append((quantity, item.description, expected))
    return flag_note_text(mentions=flag_mentions(po), ready=ready, backordered=waiting)


def _flag_form_unbound(po: PurchaseOrder, items, so_items) -> BackorderFlagForm:
    status = po.status if po.status != PurchaseOrder.Status.NONE else PurchaseOrder.Status.PROBLEM
    return BackorderFlagForm(
        purchase_order=po,
        items=items,
        initial={
            "status": status,
            "note": flag_note(po, so_items, {}) + " ",
            "pin": True,
            # Offered where the move is allowed (elsewhere the template leaves the box out); ticked only when
            # every other PO of the order has shipped, so an invoice never proposes goods still at a supplier.
            "ready_to_invoice": flag_moves_order_by_default(po),
        },
    )


def purchase_order_page(
    request: HttpRequest,
    po: PurchaseOrder,
    *,
    flag_form: BackorderFlagForm | None = None,
    stage_form: PurchaseOrderStageForm | None = None,
    status_form: PurchaseOrderStatusForm | None = None,
    cancel_forms: dict[int, BackorderCancelForm] | None = None,
    resolve_form: BackorderResolveForm | None = None,
    proposal_forms: dict[int, SupplierProposalConfirmForm] | None = None,
    expected_date_forms: dict[int, BackorderExpectedDateForm] | None = None,
    http_status: int = 200,
) -> HttpResponse:
    """Render the PO page, with any bound form the user just submitted in place of its blank one."""
    user = request.user
    can_act = has_role(user, Role.PRODUCTION)
    items = list(po.items.all())
    so_items = _sales_order_items(po)
    figures = {item.pk: item for item in so_items}
    backorders = list(
        Backorder.objects.filter(purchase_order=po)
        .select_related("purchase_order_item__sales_order_item", "raised_by", "closed_by")
        .order_by("expected_date", "id")
    )
    open_backorders = [backorder for backorder in backorders if backorder.is_open]
    open_by_item: dict[int, int] = {}
    for backorder in open_backorders:
        open_by_item[backorder.purchase_order_item_id] = (
            open_by_item.get(backorder.purchase_order_item_id, 0) + backorder.quantity
        )
    for item in items:
        item.figures = figures.get(item.sales_order_item_id)
        item.open_backordered = open_by_item.get(item.pk, 0)
        item.available = item.quantity - item.open_backordered
        item.cost = line_amount(item.quantity, item.sales_order_item.unit_cost)
    can_flag = can_act and po.stage not in READY_FOR_BILLING_OR_LATER
    allowed_stages = purchase_order_allowed_stages(purchase_order=po, user=user) if can_act else []
    if can_flag and flag_form is None:
        flag_form = _flag_form_unbound(po, items, so_items)
    if allowed_stages and stage_form is None:
        stage_form = PurchaseOrderStageForm(allowed=allowed_stages)
    if can_act and status_form is None:
        status_form = PurchaseOrderStatusForm(current=po.status)
    cancel_forms = cancel_forms or {}
    expected_date_forms = expected_date_forms or {}
    for backorder in open_backorders:
        backorder.cancel_form = cancel_forms.get(backorder.pk) or BackorderCancelForm(prefix=f"cancel-{backorder.pk}")
        backorder.expected_date_form = expected_date_forms.get(backorder.pk) or BackorderExpectedDateForm(
            backorder=backorder
        )
    proposals = _pending_proposals(po, so_items, proposal_forms or {})
    # Resolving asks first: in a dialog with JavaScript, else in a section this page shows for ?resolve=<id>.
    confirm_pk = resolve_form.backorder.pk if resolve_form is not None else _resolve_requested(request)
    confirm_resolve = None
    for backorder in open_backorders:
        backorder.purchase_order = po
        offers = backorder_offers_ready_for_billing(backorder=backorder, open_on_po=len(open_backorders))
        if resolve_form is not None and resolve_form.backorder.pk == backorder.pk:
            backorder.resolve_form = resolve_form
            resolve_form.backorder = backorder
            resolve_form.offers_ready_for_billing = offers
        else:
            backorder.resolve_form = BackorderResolveForm(backorder=backorder, offers_ready_for_billing=offers)
        if can_act and backorder.pk == confirm_pk:
            confirm_resolve = backorder
    once_flagged = ready_once_flagged(po, so_items)
    context = {
        "po": po,
        "project": po.project,
        "sales_order": po.sales_order,
        "order_already_ready": po.sales_order.status == SalesOrder.Status.READY_TO_BE_INVOICED,
        "move_offered": po.sales_order.status in PRODUCTION_READIES_FROM,
        "unshipped_siblings": unshipped_siblings_phrase(po),
        "items": items,
        "po_total": sum((item.cost for item in items), start=Decimal("0.00")),
        "open_backorders": open_backorders,
        "confirm_resolve": confirm_resolve,
        "closed_backorders": [backorder for backorder in backorders if not backorder.is_open],
        "proposals": proposals,
        "shipments": list(shipments_of(purchase_orders=[po])),
        **stock_on_page(po, items, user=user),
        "supplier_status": supplier_status_latest(purchase_order=po) if po.supplier.order_status_url else None,
        "can_act": can_act,
        "can_email": has_role(user, Role.SALES, Role.PRODUCTION),
        "ship_to": purchase_order_ship_to(purchase_order=po),
        "can_flag": can_flag,
        "flag_form": flag_form,
        "stage_form": stage_form,
        "status_form": status_form,
        "flag_data": {
            "mentions": flag_mentions(po),
            "items": [
                {"id": item.pk, "description": item.description, "ready": once_flagged[item.pk]} for item in so_items
            ],
            "poItems": {str(item.pk): item.sales_order_item_id for item in items},
        },
        "nav_section": "purchase_orders",
    }
    return render(request, "projects/purchase_order_detail.html", context, status=http_status)


def flag_defaults(
    po: PurchaseOrder, so_items: list[SalesOrderItem], item, quantity: int, expected: date | None
) -> tuple[str, bool]:
    """The note and SO move a one-click backorder gets: what the Flag backorder form would start with."""
    backordered = {item.sales_order_item_id: (quantity, expected.isoformat() if expected else "")}
    # Moved by default only when every other PO has shipped (flag_moves_order_by_default); then, once this PO's
    # rest is declared shipping, what is ready is what remains less what is backordered.
    ready_after = any(
        so_item.remaining - so_item.backordered - (quantity if so_item.pk == item.sales_order_item_id else 0) > 0
        for so_item in so_items
    )
    move = flag_moves_order_by_default(po) and ready_after
    return flag_note(po, so_items, backordered), move


def _pending_proposals(
    po: PurchaseOrder, so_items: list[SalesOrderItem], forms: dict[int, SupplierProposalConfirmForm]
) -> list[SupplierProposal]:
    """The supplier's proposals waiting on this PO, each with what confirming does and its form."""
    today = timezone.localdate()
    proposals = list(
        SupplierProposal.objects.filter(purchase_order=po, status=SupplierProposal.Status.PENDING)
        .select_related("purchase_order_item__sales_order_item", "backorder")
        .order_by("created_at", "id")
    )
    for proposal in proposals:
        proposal.purchase_order = po
        proposal.description = supplier_proposal_description(proposal)
        proposal.confirm_form = forms.get(proposal.pk) or SupplierProposalConfirmForm(proposal=proposal, today=today)
        proposal.moves_order = False
        if proposal.kind == SupplierProposal.Kind.BACKORDER and proposal.purchase_order_item is not None:
            _note, proposal.moves_order = flag_defaults(
                po, so_items, proposal.purchase_order_item, proposal.quantity or 0, proposal.expected_date
            )
    return proposals


def _resolve_requested(request: HttpRequest) -> int | None:
    """The backorder whose Resolve button was pressed without JavaScript, if the query names one."""
    value = request.GET.get("resolve", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None


@login_required
def purchase_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    po = purchase_order_or_404(pk)
    recent_record(
        user=request.user, subject=po, number=po.number, name=po.project.client.name, url=po.get_absolute_url()
    )
    return purchase_order_page(request, po)


def _refusal_status(error: DomainError) -> int:
    return 409 if isinstance(error, TransitionNotAllowed) else 400


@role_required(Role.PRODUCTION)
@require_POST
def purchase_order_stage(request: HttpRequest, pk: int) -> HttpResponse:
    po = purchase_order_or_404(pk)
    allowed = purchase_order_allowed_stages(purchase_order=po, user=request.user)
    form = PurchaseOrderStageForm(request.POST, allowed=allowed)
    if not form.is_valid():
        return purchase_order_page(request, po, stage_form=form, http_status=400)
    previous_label = po.get_stage_display()
    order_status_before = po.sales_order.status
    open_before = Backorder.objects.filter(purchase_order=po, status=Backorder.Status.OPEN).count()
    try:
        purchase_order_stage_change(purchase_order=po, stage=form.cleaned_data["stage"], by=request.user)
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    except DomainError as error:
        add_domain_error(form, error)
        return purchase_order_page(
            request, purchase_order_or_404(pk), stage_form=form, http_status=_refusal_status(error)
        )
    # Rules 2 and 3 may have moved the sales order and closed backorders: say what happened.
    order = SalesOrder.objects.get(pk=po.sales_order_id)
    resolved = open_before - Backorder.objects.filter(purchase_order=po, status=Backorder.Status.OPEN).count()
    sentences = [f"{po.number} moved from {previous_label} to {PurchaseOrder.Stage(po.stage).label}."]
    moved = order.status != order_status_before
    if moved and resolved:
        sentences.append(
            f"Sales order {order.number} moved to {order.get_status_display()} and "
            f"{_plural(resolved, 'backorder')} {'was' if resolved == 1 else 'were'} resolved."
        )
    elif moved:
        sentences.append(f"Sales order {order.number} moved to {order.get_status_display()}.")
    elif resolved:
        sentences.append(
            f"{_plural(resolved, 'backorder')} {'was' if resolved == 1 else 'were'} resolved; "
            f"sales order {order.number} stays {order.get_status_display()}."
        )
    messages.success(request, " ".join(sentences))
    return redirect("purchase-order-detail", pk=po.pk)


@role_required(Role.PRODUCTION)
@require_POST
def purchase_order_status(request: HttpRequest, pk: int) -> HttpResponse:
    po = purchase_order_or_404(pk)
    form = PurchaseOrderStatusForm(request.POST, current=po.status)
    if not form.is_valid():
        return purchase_order_page(request, po, status_form=form, http_status=400)
    try:
        purchase_order_status_change(purchase_order=po, status=form.cleaned_data["status"], by=request.user)
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    except DomainError as error:
        add_domain_error(form, error)
        return purchase_order_page(
            request, purchase_order_or_404(pk), status_form=form, http_status=_refusal_status(error)
        )
    messages.success(request, f"{po.number} status is now {PurchaseOrder.Status(po.status).label}.")
    return redirect("purchase-order-detail", pk=po.pk)


@role_required(Role.PRODUCTION)
@require_POST
def backorder_flag_view(request: HttpRequest, pk: int) -> HttpResponse:
    po = purchase_order_or_404(pk)
    items = list(po.items.all())
    if request.POST.get("action") == "compose":
        return _compose_note(request, po, items)
    form = BackorderFlagForm(request.POST, purchase_order=po, items=items)
    if not form.is_valid():
        return purchase_order_page(request, po, flag_form=form, http_status=400)
    data = form.cleaned_data
    try:
        result = backorder_flag(
            purchase_order=po,
            status=data["status"],
            items=form.backorder_requests(),
            note=data["note"],
            pin=data["pin"],
            ready_to_invoice=data["ready_to_invoice"],
            by=request.user,
        )
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    except DomainError as error:
        form.add_service_error(error)
        return purchase_order_page(
            request, purchase_order_or_404(pk), flag_form=form, http_status=_refusal_status(error)
        )
    sentences = [
        f"Flagged {_plural(len(result.backorders), 'backorder')} on {po.number}; "
        f"its status is {PurchaseOrder.Status(data['status']).label}."
    ]
    if result.note is not None:
        sentences.append("The note is pinned to the project overview." if result.note.pinned else "The note is saved.")
    if result.moved_to_ready:
        sentences.append(f"Sales order {po.sales_order.number} is now Ready to be Invoiced.")
    # The page opens on its backorders, with the new row and this message in view.
    messages.success(request, " ".join(sentences), extra_tags="in-backorders")
    return redirect(reverse("purchase-order-detail", args=[po.pk]) + "#backorders")


def _compose_note(request: HttpRequest, po: PurchaseOrder, items) -> HttpResponse:
    """Rewrite the note from the ticked rows, for browsers without JavaScript; nothing is saved."""
    probe = BackorderFlagForm(request.POST, purchase_order=po, items=items)
    probe.is_valid()
    backordered: dict[int, tuple[int, str]] = {}
    for item in items:
        prefix = f"item-{item.pk}-"
        quantity = probe.cleaned_data.get(prefix + "quantity")
        if probe.cleaned_data.get(prefix + "backordered") and quantity and quantity > 0:
            expected = probe.cleaned_data.get(prefix + "expected_date")
            backordered[item.sales_order_item_id] = (quantity, expected.isoformat() if expected else "")
    data = request.POST.copy()
    data["note"] = flag_note(po, _sales_order_items(po), backordered) + " "
    form = BackorderFlagForm(data, purchase_order=po, items=items)
    form.composed = True
    return purchase_order_page(request, po, flag_form=form)


@login_required
def purchase_order_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    po = purchase_order_or_404(pk)
    response = HttpResponse(purchase_order_pdf_bytes(po), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{po.number}.pdf"'
    return response


@role_required(Role.SALES, Role.PRODUCTION)
@require_POST
def purchase_order_email(request: HttpRequest, pk: int) -> HttpResponse:
    po = purchase_order_or_404(pk)
    try:
        purchase_order_email_request(purchase_order=po, by=request.user)
    except DomainError as error:
        report_domain_error(request, error)
        return redirect("purchase-order-detail", pk=po.pk)
    messages.success(request, f"{po.number} will be emailed to {po.email_to}.")
    return redirect("purchase-order-detail", pk=po.pk)

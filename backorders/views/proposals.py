"""Confirm or dismiss what a supplier's order status proposes, one click each, from the PO page."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from backorders.forms import SupplierProposalConfirmForm
from backorders.models import SupplierProposal
from backorders.services import supplier_proposal_confirm, supplier_proposal_description, supplier_proposal_dismiss
from backorders.views.purchase_orders import flag_defaults, purchase_order_or_404, purchase_order_page
from core.errors import DomainError, RoleRequired, TransitionNotAllowed
from core.roles import Role
from core.views import add_domain_error, report_domain_error, role_required
from projects.models import SalesOrderItem
from projects.selectors import sales_order_items_with_figures
from purchasing.models import PurchaseOrder

# The flag service names the one requested item's fields so; here they are the confirm form's.
FIELD_MAP = {"items[0].expected_date": "expected_date"}


def _proposal_or_404(pk: int) -> SupplierProposal:
    try:
        return SupplierProposal.objects.select_related(
            "purchase_order", "purchase_order_item__sales_order_item", "backorder"
        ).get(pk=pk)
    except SupplierProposal.DoesNotExist as error:
        raise Http404("No such proposal.") from error


def _back_to_proposals(proposal: SupplierProposal) -> str:
    return reverse("purchase-order-detail", args=[proposal.purchase_order_id]) + "#supplier-proposals"


@role_required(Role.PRODUCTION)
@require_POST
def supplier_proposal_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Do what the proposal says, as the matching control of the PO page would."""
    proposal = _proposal_or_404(pk)
    form = SupplierProposalConfirmForm(request.POST, proposal=proposal, today=timezone.localdate())
    if not form.is_valid():
        po = purchase_order_or_404(proposal.purchase_order_id)
        return purchase_order_page(request, po, proposal_forms={proposal.pk: form}, http_status=400)
    expected_date = form.cleaned_data.get("expected_date")
    note, ready_to_invoice = "", False
    if proposal.kind == SupplierProposal.Kind.BACKORDER and proposal.purchase_order_item is not None:
        po = purchase_order_or_404(proposal.purchase_order_id)
        so_items = list(sales_order_items_with_figures(SalesOrderItem.objects.filter(sales_order_id=po.sales_order_id)))
        note, ready_to_invoice = flag_defaults(
            po, so_items, proposal.purchase_order_item, proposal.quantity or 0, expected_date or proposal.expected_date
        )
    description = supplier_proposal_description(proposal)
    try:
        supplier_proposal_confirm(
            proposal=proposal,
            by=cast(User, request.user),  # role_required let only a signed-in user in
            expected_date=expected_date,
            note=note,
            ready_to_invoice=ready_to_invoice,
        )
    except RoleRequired as error:
        raise PermissionDenied(str(error)) from error
    except TransitionNotAllowed as error:
        # Decided already (another tab, another rep): its buttons are gone from the page; say so on top.
        report_domain_error(request, error)
        return redirect(_back_to_proposals(proposal))
    except DomainError as error:
        add_domain_error(form, error, FIELD_MAP)
        po = purchase_order_or_404(proposal.purchase_order_id)
        return purchase_order_page(request, po, proposal_forms={proposal.pk: form}, http_status=400)
    po = PurchaseOrder.objects.select_related("sales_order").get(pk=proposal.purchase_order_id)
    sentence = f"Confirmed on {po.number}: {description}."
    if proposal.kind == SupplierProposal.Kind.BACKORDER and ready_to_invoice:
        sentence += f" Sales order {po.sales_order.number} is now {po.sales_order.get_status_display()}."
    elif proposal.kind == SupplierProposal.Kind.GOODS_READY:
        sentence += f" Sales order {po.sales_order.number} is {po.sales_order.get_status_display()}."
    messages.success(request, sentence)
    return redirect(_back_to_proposals(proposal))


@role_required(Role.PRODUCTION)
@require_POST
def supplier_proposal_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Set the proposal aside; nothing on the PO changes."""
    proposal = _proposal_or_404(pk)
    try:
        supplier_proposal_dismiss(proposal=proposal, by=cast(User, request.user))  # signed in: role_required
    except DomainError as error:
        report_domain_error(request, error)
        return redirect(_back_to_proposals(proposal))
    description = supplier_proposal_description(proposal)
    messages.success(request, f"Dismissed on {proposal.purchase_order.number}: {description}. Nothing was changed.")
    return redirect(_back_to_proposals(proposal))

"""The supplier's stock on the PO page: each line's last reading with its age, and the Check stock button.

The reading is the one kept on the line (PurchaseOrderItem.stock_*), by Check stock or the daily re-check, so the
page shows it as it opens, without asking the supplier; Check stock asks again.
"""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.timesince import timesince
from django.views.decorators.http import require_POST

from backorders.inventory_sync import CHECKED_STAGES, likely_backorder, purchase_order_stock_check, still_to_ship
from core.errors import DomainError
from core.roles import Role, has_role
from core.views import report_domain_error, role_required
from purchasing.models import PurchaseOrder, PurchaseOrderItem
from purchasing.promostandards.units import EACH
from purchasing.selectors import purchase_order_list as select_purchase_orders


def stock_on_page(po: PurchaseOrder, items: list, *, user: User) -> dict:
    """Mark each line with its last reading's age, unit and "likely backorder"; return the page's stock flags."""
    checked = [item for item in items if item.stock_checked_at is not None]
    still = still_to_ship(purchase_order_items=checked) if checked else {}
    now = timezone.now()
    for item in items:
        item.likely_backorder = item.pk in still and likely_backorder(item, still[item.pk])
        item.stock_age = _age(item, now)
        item.stock_counted_in = item.stock_uom if item.stock_uom not in ("", EACH) else ""
    service = po.supplier.inventory_enabled and bool(po.supplier.inventory_url)
    return {
        "stock_shown": service or bool(checked),
        "can_check_stock": (
            service
            and po.stage in CHECKED_STAGES
            and has_role(user, Role.SALES, Role.PRODUCTION)
            and any(item.sales_order_item.supplier_product_id for item in items)
        ),
    }


def _age(item: PurchaseOrderItem, now: datetime) -> str:
    if item.stock_checked_at is None:
        return ""
    if (now - item.stock_checked_at).total_seconds() < 60:
        return "just now"
    return f"{timesince(item.stock_checked_at, now, depth=1)} ago"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


@role_required(Role.SALES, Role.PRODUCTION)
@require_POST
def purchase_order_stock_check_view(request: HttpRequest, pk: int) -> HttpResponse:
    po = get_object_or_404(select_purchase_orders(), pk=pk)
    try:
        result = purchase_order_stock_check(purchase_order=po)
    except DomainError as error:
        report_domain_error(request, error)
        return redirect("purchase-order-detail", pk=po.pk)
    if result.error:
        messages.error(
            request, f"{po.supplier}'s stock could not be checked: {result.error} Nothing on {po.number} changed."
        )
        return redirect("purchase-order-detail", pk=po.pk)
    sentences = [f"Stock checked with {po.supplier} for {_plural(result.checked, 'line')}."]
    if result.short:
        sentences.append(f"{_plural(len(result.short), 'line')} likely to be backordered.")
    if result.not_comparable:
        sentences.append(
            f"Counted by the supplier in units the desk cannot compare: {', '.join(result.not_comparable)}."
        )
    if result.not_listed:
        sentences.append(f"Not listed by the supplier: {', '.join(result.not_listed)}.")
    messages.success(request, " ".join(sentences))
    return redirect("purchase-order-detail", pk=po.pk)

"""Draft invoices: saved, changed, issued or deleted before they count."""

from datetime import date

from django.contrib.auth.models import User

from core import locks
from core.errors import RoleRequired, TransitionNotAllowed
from core.roles import Role, has_role
from core.transactions import money_write
from invoicing.models import Invoice
from invoicing.services.issue import (
    LineRequest,
    _check_ready,
    _checked_lines,
    _invoice_named,
    _issue,
    _lock_order,
    _write_draft,
)
from invoicing.services.marks import _sales_order_id
from projects.services.common import activity_record


def _lock_draft(invoice: Invoice, *, doing: str) -> Invoice:
    # Called with the order and its items locked already, or to lock them here: the invoice comes after them.
    locked = locks.lock_invoice(invoice).invoice
    if not locked.is_draft:
        raise TransitionNotAllowed(
            f"Invoice {locked.number} is {locked.get_status_display()}; only a draft can be {doing}."
        )
    return locked


@money_write(_invoice_named)
def invoice_draft_update(*, invoice: Invoice, lines: list[LineRequest], by: User, seen_state: str = "") -> Invoice:
    """Replace a draft invoice's lines; each quantity is checked against what remains now."""
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may edit draft invoices.")
    order, items = _lock_order(_sales_order_id(invoice), seen_state=seen_state)
    locked = _lock_draft(invoice, doing="edited")
    checked = _checked_lines(items=items, lines=lines, order=order)
    return _write_draft(order=order, items=items, checked=checked, by=by, draft=locked)


@money_write(_invoice_named)
def invoice_draft_issue(
    *,
    invoice: Invoice,
    by: User,
    lines: list[LineRequest] | None = None,
    invoice_date: date | None = None,
    seen_state: str = "",
) -> Invoice:
    """Issue a draft invoice (with new lines, if given) under every rule of issuing, at today's figures."""
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may issue invoices.")
    order, items = _lock_order(_sales_order_id(invoice), seen_state=seen_state)
    locked = _lock_draft(invoice, doing="issued")
    _check_ready(order)
    if lines is None:
        lines = [LineRequest(line.sales_order_item_id, line.quantity) for line in locked.lines.all()]
    checked = _checked_lines(items=items, lines=lines, order=order)
    issued = _issue(order=order, items=items, checked=checked, by=by, invoice_date=invoice_date, draft=locked)
    invoice.status, invoice.number = issued.status, issued.number
    return issued


@money_write(_invoice_named)
def invoice_draft_delete(*, invoice: Invoice, by: User) -> None:
    """Delete a draft invoice; it never had a number, so the sequence keeps no gap."""
    if not has_role(by, Role.INVOICING):
        raise RoleRequired("Only Invoicing or Managers may delete draft invoices.")
    locked = _lock_draft(invoice, doing="deleted")
    order = locked.sales_order
    activity_record(
        project=order.project,
        subject=order,
        verb="deleted a draft invoice on",
        by=by,
        from_value=f"{locked.total}",
        detail=f"{locked}: {locked.lines.count()} line(s)",
    )
    locked.delete()

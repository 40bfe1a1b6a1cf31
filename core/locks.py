"""The one order in which every write that touches money takes its row locks.

Two transactions deadlock when each holds a row the other waits for, which needs two rows taken in
opposite orders. Every service therefore locks through this module, top down, in this order:

 1. the supplier (the order-status sync only: one sync of a supplier applies at a time)
 2. sales orders, by id
 3. their purchase orders, by id
 4. supplier proposals, by id
 5. sales-order items, by id
 6. purchase-order items (no write locks them today; they would come here)
 7. backorders, by id
 8. invoices, by id
 9. invoice lines, by id
10. payments and credit notes (written under their invoice's lock; never locked ahead)
11. number sequences (INV, CN, SO-, PO-, P-): held to commit by every issue, so taken late
12. notes, for a pin: issuing an invoice takes its number and then unpins the flag notes of the
    purchase orders it settles, and nobody holding a note waits for anything else

Why this order:

- Every money write is about one sales order, so the order's row comes first: a second writer on the
  same order queues there before it holds anything deeper. A write that starts from a purchase
  order, backorder, proposal or invoice reads its sales order's id (which never changes), locks the
  order, then comes down.
- A write may skip levels but never goes back up. The accounting export locks only invoices (by
  id), since it writes nothing above them; locking the order of every one of thousands of exported
  invoices would queue the whole desk behind one download.
- Within a level, rows are taken by id, so two writes of several rows of a level meet on the first.
- Only the table's own rows are locked (`OF self`): rows joined in for reading (the project, the
  client) stay free. A sales order locked with its project made every activity row of that project
  wait, since inserting one checks its foreign key with FOR KEY SHARE on the project: a payment
  holding its invoice waited for the project while a credit note holding the project waited for
  the invoice.
- The lock is FOR NO KEY UPDATE, the strength a plain UPDATE takes anyway: a second writer still
  waits, but inserting a row that refers to the locked one (a payment to its invoice, an activity
  row to its project) does not.

A service called inside another takes the same locks again; a row the transaction holds is granted
at once. The kernel imports no app: models are looked up by label.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Model, Q, QuerySet


def _model(label: str) -> Any:
    return apps.get_model(label)


def for_update(queryset: QuerySet) -> QuerySet:
    """Lock what the queryset selects: the table's own rows, FOR NO KEY UPDATE, in id order."""
    return queryset.select_for_update(of=("self",), no_key=True).order_by("pk")


def _pk(instance_or_pk: Model | int) -> int:
    return instance_or_pk.pk if isinstance(instance_or_pk, Model) else instance_or_pk


# --- 1. supplier --------------------------------------------------------------------------------


def lock_supplier(supplier: Model | int) -> Any:
    """Lock a supplier's row (the order-status sync), or None if it is gone."""
    return for_update(_model("purchasing.Supplier").objects.filter(pk=_pk(supplier))).first()


# --- 2. sales orders ----------------------------------------------------------------------------


@dataclass
class LockedOrder:
    """A locked sales order and what was locked below it, each by id."""

    order: Any
    purchase_orders: dict[int, Any] = field(default_factory=dict)
    items: dict[int, Any] = field(default_factory=dict)


def lock_sales_order(sales_order: Model | int, *, purchase_orders: bool = False, items: bool = False) -> LockedOrder:
    """Lock a sales order (its project and client read along), then its purchase orders and items if asked."""
    SalesOrder = _model("projects.SalesOrder")
    order = for_update(SalesOrder.objects.select_related("project__client")).get(pk=_pk(sales_order))
    locked = LockedOrder(order=order)
    if purchase_orders:
        locked.purchase_orders = {po.pk: po for po in _purchase_orders_of(order)}
    if items:
        locked.items = lock_sales_order_items(order)
    return locked


def lock_sales_orders(ids: Iterable[int]) -> dict[int, Any]:
    """Lock several sales orders by id (a write over many orders), before anything below them."""
    SalesOrder = _model("projects.SalesOrder")
    return {order.pk: order for order in for_update(SalesOrder.objects.filter(pk__in=set(ids)))}


def lock_sales_order_items(sales_order: Model | int) -> dict[int, Any]:
    """Lock every item of a locked sales order, by id; returned in the order's own order (position, id)."""
    SalesOrderItem = _model("projects.SalesOrderItem")
    items = for_update(SalesOrderItem.objects.filter(sales_order_id=_pk(sales_order)))
    return {item.pk: item for item in sorted(items, key=lambda item: (item.position, item.pk))}


# --- 3. purchase orders -------------------------------------------------------------------------


def _purchase_orders_of(order: Model) -> list:
    PurchaseOrder = _model("purchasing.PurchaseOrder")
    rows = list(for_update(PurchaseOrder.objects.filter(sales_order_id=order.pk).select_related("project")))
    for po in rows:
        po.sales_order = order
    return rows


@dataclass
class LockedPurchaseOrder:
    """A locked purchase order under its locked sales order (`purchase_order.sales_order` is that row)."""

    order: Any
    purchase_order: Any
    items: dict[int, Any] = field(default_factory=dict)


def lock_purchase_order(purchase_order: Model | int, *, items: bool = False) -> LockedPurchaseOrder:
    """Lock a purchase order's sales order, then the PO (project and supplier read along), then the order's items."""
    PurchaseOrder = _model("purchasing.PurchaseOrder")
    pk = _pk(purchase_order)
    sales_order_id = getattr(purchase_order, "sales_order_id", None) or (
        PurchaseOrder.objects.filter(pk=pk).values_list("sales_order_id", flat=True).get()
    )
    order = lock_sales_order(sales_order_id).order
    po = for_update(PurchaseOrder.objects.select_related("project", "supplier")).get(pk=pk)
    po.sales_order = order
    locked = LockedPurchaseOrder(order=order, purchase_order=po)
    if items:
        locked.items = lock_sales_order_items(order)
    return locked


def lock_purchase_orders_of_orders(*, sales_order_ids: Iterable[int], queryset: QuerySet) -> list:
    """Lock several orders by id, then those of `queryset`'s purchase orders that belong to them, by id."""
    orders = lock_sales_orders(sales_order_ids)
    rows = list(for_update(queryset.filter(sales_order_id__in=orders.keys())))
    for po in rows:
        po.sales_order = orders[po.sales_order_id]
    return rows


# --- 4. supplier proposals ----------------------------------------------------------------------


def lock_supplier_proposal(proposal: Model | int) -> tuple[Any, Any]:
    """Lock a proposal's sales order and purchase order, then the proposal; return (purchase order, proposal)."""
    SupplierProposal = _model("backorders.SupplierProposal")
    pk = _pk(proposal)
    purchase_order_id = getattr(proposal, "purchase_order_id", None) or (
        SupplierProposal.objects.filter(pk=pk).values_list("purchase_order_id", flat=True).get()
    )
    po = lock_purchase_order(purchase_order_id).purchase_order
    locked = for_update(
        SupplierProposal.objects.select_related("purchase_order_item__sales_order_item", "backorder")
    ).get(pk=pk)
    locked.purchase_order = po
    return po, locked


# --- 7. backorders ------------------------------------------------------------------------------


@dataclass
class LockedBackorder:
    """A locked backorder under its locked sales order, purchase order and (if asked) the order's items."""

    order: Any
    purchase_order: Any
    backorder: Any
    items: dict[int, Any] = field(default_factory=dict)


def lock_backorder(backorder: Model | int, *, items: bool = False) -> LockedBackorder:
    """Lock a backorder's sales order, purchase order, the order's items if asked, then the PO's open backorders
    and this one, by id (resolving the last one may resolve the others through the PO's stage)."""
    Backorder = _model("backorders.Backorder")
    pk = _pk(backorder)
    purchase_order_id = Backorder.objects.filter(pk=pk).values_list("purchase_order_id", flat=True).get()
    above = lock_purchase_order(purchase_order_id, items=items)
    po = above.purchase_order
    rows = lock_open_backorders(po, also=pk)
    locked = next(row for row in rows if row.pk == pk)
    return LockedBackorder(order=above.order, purchase_order=po, backorder=locked, items=above.items)


def lock_open_backorders(purchase_order: Model, *, also: int | None = None) -> list:
    """Lock the open backorders of a locked purchase order (and `also` one more of it), by id."""
    Backorder = _model("backorders.Backorder")
    wanted = Q(status=Backorder.Status.OPEN) | Q(pk=also) if also is not None else Q(status=Backorder.Status.OPEN)
    rows = list(
        for_update(
            Backorder.objects.filter(wanted, purchase_order_id=purchase_order.pk).select_related("purchase_order_item")
        )
    )
    for row in rows:
        row.purchase_order = purchase_order
    # Locked by id; handed back in the backorders' own order (expected date, undated last, then id).
    return sorted(rows, key=lambda row: (row.expected_date is None, row.expected_date, row.pk))


# --- 8. invoices --------------------------------------------------------------------------------


@dataclass
class LockedInvoice:
    """A locked invoice under its locked sales order (`invoice.sales_order` is that row)."""

    order: Any
    invoice: Any
    purchase_orders: dict[int, Any] = field(default_factory=dict)
    items: dict[int, Any] = field(default_factory=dict)
    lines: dict[int, Any] = field(default_factory=dict)


def lock_invoice(
    invoice: Model | int, *, purchase_orders: bool = False, items: bool = False, lines: bool = False
) -> LockedInvoice:
    """Lock an invoice's sales order (with its POs and items if asked), then the invoice, then its lines if asked."""
    Invoice = _model("invoicing.Invoice")
    pk = _pk(invoice)
    sales_order_id = getattr(invoice, "sales_order_id", None) or (
        Invoice.objects.filter(pk=pk).values_list("sales_order_id", flat=True).get()
    )
    above = lock_sales_order(sales_order_id, purchase_orders=purchase_orders, items=items)
    locked = for_update(Invoice.objects.all()).get(pk=pk)
    locked.sales_order = above.order
    result = LockedInvoice(order=above.order, invoice=locked, purchase_orders=above.purchase_orders, items=above.items)
    if lines:
        InvoiceLine = _model("invoicing.InvoiceLine")
        result.lines = {line.pk: line for line in for_update(InvoiceLine.objects.filter(invoice_id=pk))}
    return result


def lock_invoices(queryset: QuerySet) -> list:
    """Lock the invoices a queryset selects, by id, and nothing above them (the accounting export)."""
    return list(for_update(queryset))


# --- 11. number sequences -----------------------------------------------------------------------


def lock_number_sequence(model_label: str, name: str, *, defaults: dict | None = None) -> Any:
    """Lock (creating it if need be) the row of a number sequence; held until commit, so no number is lost."""
    Sequence = _model(model_label)
    row, _ = Sequence.objects.select_for_update(of=("self",), no_key=True).get_or_create(name=name, defaults=defaults)
    return row


# --- 12. notes ----------------------------------------------------------------------------------


def lock_note(note: Model | int) -> Any:
    """Lock a note to pin or unpin it (its project read along)."""
    return for_update(_model("projects.Note").objects.select_related("project")).get(pk=_pk(note))

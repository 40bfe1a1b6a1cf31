"""Importing open purchase orders: one row per PO line, each line an item of an imported sales order.

A PO is matched by its number (PO-, kept as the file writes it), a line by its PO and the sales order item
it buys, and that item by its order's number and line (1 for the order's first item), as the orders import
and Export everything name it. The supplier is matched by its external reference, else its exact name.
Importing the same file again changes nothing; a corrected file changes a PO's expected date, ship-to or
production rep and its lines' quantities, and adds lines. A PO's supplier, sales order and stage are never
changed by an import (its page moves the stage, with what follows), nor a PO with backorders or whose
order has invoices. The desk's PO- sequence continues after the highest number imported.

The lines are written in bulk, as `purchase_order_create` writes them, with its checks (a line's quantity
from 1 to the item's), under the same locks in the documented order (the file's sales orders, their POs,
their items, then the PO- sequence), and each order's purchased and shipped quantities are recomputed by
`purchasing.figures` in the same transaction.
"""

import re
from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum

from backorders.models import Backorder
from core import locks
from imports.cells import DateCell, TextCell
from imports.columns import Column, item_columns, quantity_column
from imports.orders.columns import ChoiceCell, NumberCell
from imports.rows import (
    Row,
    RowsImport,
    active_users_named,
    advance,
    change_text,
    importer,
    lock_orders_named,
    number_value,
    numbers_kept,
    suppliers_named,
    update_rows,
)
from invoicing.models import Invoice
from projects.models import Activity, SalesOrder, SalesOrderItem
from purchasing.figures import GOODS_THERE
from purchasing.models import PurchaseOrder, PurchaseOrderItem

PO_NUMBER = re.compile(r"^(?:PO-?)?(\d{1,15})$", re.IGNORECASE)
# Every row of a PO must agree on these (its first row gives them).
PO_FIELDS = ("so_number", "supplier", "stage", "expected_date", "production_rep", "ship_to")
# What a corrected file may change on a PO the desk has.
CHANGEABLE = ("expected_date", "ship_to", "production_rep")

PO_COLUMNS = (
    Column(
        "po_number",
        "PO Number",
        ("po number", "po no", "po", "purchase order number", "purchase order", "purchase order no", "num"),
        NumberCell("PO-", PO_NUMBER),
        "PO-5120",
        required=True,
        note="PO- and digits, kept as written (5120 is PO-5120)",
    ),
    Column(
        "supplier",
        "Supplier Name",
        ("supplier name", "supplier", "vendor", "vendor name", "supplier id", "vendor id"),
        TextCell(max_length=200),
        "Mugs & Co",
        required=True,
        note="the supplier's external reference or exact name, as in the desk",
    ),
    *item_columns(purpose="buys for"),
    quantity_column("quantity ordered", "qty ordered", note="a whole number from 1 to the item's quantity"),
    Column(
        "stage",
        "Stage",
        ("stage", "po stage", "status", "po status"),
        ChoiceCell(PurchaseOrder.Stage, PurchaseOrder.Stage.CREATED, "purchase order stage"),
        "Submitted",
        note="as the pages name it (Submitted, Confirmed, Shipped); blank is Created. Billed POs are refused",
    ),
    Column(
        "expected_date",
        "Expected Date",
        ("expected date", "exp date", "expected ship date", "ship date", "promised date", "due date"),
        DateCell(),
        "2026-03-01",
        note="when the supplier should ship: 2026-03-01, 03/01/2026 or an Excel date",
    ),
    Column(
        "production_rep",
        "Production Rep",
        ("production rep", "production", "csr", "buyer"),
        TextCell(max_length=150),
        "pat",
        note="a user name; blank is the project's production rep",
    ),
    Column(
        "ship_to",
        "Ship To",
        ("ship to", "ship to address", "shipping address", "deliver to"),
        TextCell(max_length=1000, single_line=False),
        "Harbor Fair Events\n9 Pier Road, Portland, OR 97201",
    ),
)


class PurchaseOrdersImport(RowsImport):
    noun = "purchase order line"
    needed = ("po_number", "supplier", "so_number", "line", "quantity")

    def run(self, *, file_name: str, by: User | None, commit: bool) -> None:
        """Read, check and compare the rows; with commit, write them (inside the caller's transaction)."""
        read = self.read()
        if commit:
            # The lock order: the file's sales orders, their purchase orders, their items, then the PO- sequence.
            lock_orders_named({row.values["so_number"] for row in read})
            locks.lock_number_sequence("projects.NumberSequence", "PO-", defaults={"last_value": 1000})
        kept, orders, items = self.resolve(read)
        firsts, grouped = self.group_lines(kept, "po_number", PO_FIELDS)
        decided = self.decide(firsts, grouped, items)
        if commit:
            with numbers_kept():
                self.write(decided, orders, by=by, file_name=file_name)
            highest = max((number_value(number) for number in decided["touched"]), default=0)
            advance("projects.NumberSequence", "PO-", highest)

    def read(self) -> list[Row]:
        rows = []
        for row in self.read_cells():
            if row.values["stage"] == PurchaseOrder.Stage.BILLED:
                self.refuse(row.line, "stage", "Billed purchase orders are closed: import open ones only")
                continue
            rows.append(row)
        return rows

    def resolve(self, rows: list[Row]) -> tuple[list[Row], dict[str, SalesOrder], dict]:
        """Suppliers, reps, orders and items named by the rows, each read once; unknown ones refuse the row."""
        suppliers = suppliers_named({row.values["supplier"] for row in rows})
        users = active_users_named({row.values["production_rep"] for row in rows if row.values["production_rep"]})
        orders, items = self.orders_and_items(rows)
        kept = []
        for row in rows:
            v = row.values
            supplier = suppliers.get(v["supplier"])
            if supplier is None:
                self.refuse(
                    row.line,
                    "supplier",
                    f"{v['supplier']} is no supplier of the desk (by reference or exact name): import it with "
                    "Import suppliers first, or correct the name",
                )
            v["supplier"] = supplier
            if v["production_rep"]:
                user = users.get(v["production_rep"])
                if user is None or not user.is_active:
                    what = "no user" if user is None else "no longer active"
                    self.refuse(row.line, "production_rep", f"{v['production_rep']} is {what} of the desk")
                v["production_rep"] = user
            elif v["so_number"] in orders:
                v["production_rep"] = orders[v["so_number"]].project.production_rep
            else:
                v["production_rep"] = None
            item = items.get(row.key)
            if item is not None and v["quantity"] > item.quantity:
                self.refuse(
                    row.line,
                    "quantity",
                    f"{v['quantity']} is more than the {item.quantity} of {row.key[0]} line {row.key[1]} ordered",
                )
            if not self.refused(row):
                kept.append(row)
        return kept, orders, items

    def decide(self, firsts: dict[str, Row], rows: list[Row], items: dict) -> dict[str, Any]:
        """Each row's fate against the desk's POs; the POs and lines to create or change."""
        existing = {
            po.number: po
            for po in PurchaseOrder.objects.filter(number__in=firsts).select_related(
                "sales_order", "supplier", "production_rep"
            )
        }
        ids = [po.pk for po in existing.values()]
        lines = {
            (line.purchase_order_id, line.sales_order_item_id): line
            for line in PurchaseOrderItem.objects.filter(purchase_order_id__in=ids)
        }
        with_backorders = set(
            Backorder.objects.filter(purchase_order_id__in=ids).values_list("purchase_order_id", flat=True)
        )
        invoiced = set(
            Invoice.objects.filter(sales_order_id__in=[po.sales_order_id for po in existing.values()])
            .exclude(status=Invoice.Status.DRAFT)
            .values_list("sales_order_id", flat=True)
        )
        new_pos: dict[str, PurchaseOrder] = {}
        changed_pos: dict[str, list[str]] = {}
        refused_pos: dict[str, str] = {}
        for number, first in firsts.items():
            v = first.values
            po = existing.get(number)
            if po is None:
                new_pos[number] = PurchaseOrder(
                    number=number,
                    supplier=v["supplier"],
                    stage=v["stage"],
                    expected_date=v["expected_date"],
                    ship_to=v["ship_to"],
                    production_rep=v["production_rep"],
                )
                continue
            if po.sales_order.number != v["so_number"]:
                refused_pos[number] = (
                    f"{number} is the desk's purchase order for {po.sales_order.number}, not {v['so_number']}: a "
                    "number in use is never given to another purchase order"
                )
                continue
            fixed = []
            if po.supplier_id != v["supplier"].pk:
                fixed.append(change_text(self.columns["supplier"].header, po.supplier.name, v["supplier"].name))
            if po.stage != v["stage"]:
                stage = PurchaseOrder.Stage(v["stage"]).label
                fixed.append(change_text(self.columns["stage"].header, po.get_stage_display(), stage))
            if fixed:
                refused_pos[number] = (
                    f"an import never changes the supplier or stage of a purchase order the desk has (the file "
                    f"changes {'; '.join(fixed)}): move its stage on {number}'s page"
                )
                continue
            changes = []
            for name in CHANGEABLE:
                old: Any = getattr(po, name)
                new: Any = v[name]
                if name == "production_rep":
                    if po.production_rep_id == (new.pk if new else None):
                        continue
                    old = po.production_rep.username if po.production_rep else ""
                    new = new.username if new else ""
                elif old == new:
                    continue
                changes.append(change_text(self.columns[name].header, old, new))
                setattr(po, name, v[name])
            changed_pos[number] = changes

        seen: set[str] = set()
        new_lines: list[tuple[str, PurchaseOrderItem]] = []
        changed_lines: list[PurchaseOrderItem] = []
        touched: set[str] = set()
        for row in rows:
            number = row.values["po_number"]
            if number in refused_pos:
                self.refuse(row.line, "po_number", refused_pos[number])
                continue
            item = items[row.key]
            po = existing.get(number) or new_pos[number]
            line = lines.get((po.pk, item.pk)) if po.pk else None
            po_changes = changed_pos.get(number, []) if number not in seen else []
            line_changes = []
            if line is None:
                line = PurchaseOrderItem(sales_order_item=item, quantity=row.values["quantity"])
            elif line.quantity != row.values["quantity"]:
                line_changes.append(change_text(self.columns["quantity"].header, line.quantity, row.values["quantity"]))
                line.quantity = row.values["quantity"]
            if po.pk and (po_changes or line_changes or line.pk is None):
                reason = ""
                if po.pk in with_backorders:
                    reason = "has backorders"
                elif po.sales_order_id in invoiced:
                    reason = f"is on {po.sales_order.number}, which has invoices"
                if reason:
                    what = "; ".join(po_changes + line_changes) or f"a new line for {row.key[0]} line {row.key[1]}"
                    self.refuse(
                        row.line,
                        "po_number",
                        f"{number} {reason}: an import never changes such a purchase order (the file changes {what})",
                    )
                    continue
            seen.add(number)
            label = f"{number}: {row.key[0]} line {row.key[1]}, {item.description}"
            changes = po_changes + line_changes
            if line.pk is None:
                if po.pk is None and number not in touched:  # a new PO is told on its first row
                    changes = [
                        f"{self.columns['supplier'].header}: {po.supplier}",
                        f"{self.columns['stage'].header}: {po.get_stage_display()}",
                    ]
                changes.append(f"{self.columns['quantity'].header}: {line.quantity}")
                self.plan.created.append((row.line, label, changes, line))
                new_lines.append((number, line))
            elif changes:
                self.plan.updated.append((row.line, label, changes, line))
                if line_changes:
                    changed_lines.append(line)
            else:
                self.plan.unchanged.append((row.line, label))
            if po.pk is None or changes or line.pk is None:
                touched.add(number)
        orders_of = {number: row.values["so_number"] for number, row in firsts.items()}
        return {
            "new_pos": {n: po for n, po in new_pos.items() if n in touched},
            "changed_pos": {n: (existing[n], c) for n, c in changed_pos.items() if c and n in touched and n in seen},
            "new_lines": new_lines,
            "changed_lines": changed_lines,
            "orders_of": orders_of,
            "touched": touched,
        }

    def write(self, decided: dict[str, Any], orders: dict[str, SalesOrder], *, by: User | None, file_name: str) -> None:
        new_pos, changed_pos = decided["new_pos"], decided["changed_pos"]
        for number, po in new_pos.items():
            order = orders[decided["orders_of"][number]]
            po.sales_order, po.project = order, order.project
        PurchaseOrder.objects.bulk_create(new_pos.values(), batch_size=2000)
        if changed_pos:
            PurchaseOrder.objects.bulk_update([po for po, _ in changed_pos.values()], [*CHANGEABLE, "updated_at"])
        existing = {po.number: po for po in PurchaseOrder.objects.filter(number__in=decided["touched"])}
        for number, line in decided["new_lines"]:
            line.purchase_order = existing[number]
        PurchaseOrderItem.objects.bulk_create([line for _, line in decided["new_lines"]], batch_size=5000)
        if decided["changed_lines"]:
            PurchaseOrderItem.objects.bulk_update(decided["changed_lines"], ["quantity"], batch_size=2000)
        figures_refresh({existing[number].sales_order_id for number in decided["touched"]})
        # The activity log: each PO created or changed, marked as imported, with the file's name.
        po_type = ContentType.objects.get_for_model(PurchaseOrder)
        detail = f"from {file_name}"
        activities = []
        for number in sorted(decided["touched"]):
            po = existing[number]
            created = number in new_pos
            changes = changed_pos.get(number, (None, []))[1]
            activities.append(
                Activity(
                    project_id=po.project_id,
                    actor=by,
                    subject_type=po_type,
                    subject_id=po.pk,
                    subject_label=number,
                    verb="imported" if created else "changed by import",
                    to_value=po.get_stage_display() if created else "",
                    detail=(f"{detail}: {', '.join(changes)}" if changes else detail)[:2000],
                )
            )
        Activity.objects.bulk_create(activities, batch_size=5000)


def figures_refresh(order_ids: set[int]) -> None:
    """The items' purchased and shipped quantities, as `purchasing.figures` defines them, for many orders at once.

    One sum over their PO lines and a bulk update (the items are locked), where `sales_order_purchase_figures_refresh`
    takes an order at a time: a file of thousands of orders would cost a statement per order.
    """
    sums = (
        PurchaseOrderItem.objects.filter(sales_order_item__sales_order_id__in=order_ids)
        .values("sales_order_item_id")
        .annotate(purchased=Sum("quantity"), shipped=Sum("quantity", filter=GOODS_THERE))
    )
    figures = {row["sales_order_item_id"]: (row["purchased"], row["shipped"] or 0) for row in sums}
    changed = []
    for item in SalesOrderItem.objects.filter(sales_order_id__in=order_ids).only(
        "pk", "purchased_quantity", "shipped_quantity"
    ):
        purchased, shipped = figures.get(item.pk, (0, 0))
        if (item.purchased_quantity, item.shipped_quantity) != (purchased, shipped):
            item.purchased_quantity, item.shipped_quantity = purchased, shipped
            changed.append(item)
    update_rows(SalesOrderItem, changed, ["purchased_quantity", "shipped_quantity"])


import_purchase_orders = importer(PurchaseOrdersImport)

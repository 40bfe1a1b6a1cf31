"""Importing issued invoices that are still owed: one row per invoice line, each line an item of an imported order.

An invoice is matched by its number (INV-, kept as the file writes it; its digits are its place in the
desk's invoice sequence), a line by its invoice and the sales order item it bills, found by its order's
number and line as the orders import names it. Each line is priced from its item, as issuing prices it
(`invoice_line_for` and the totals and kind of `_priced_lines`); the invoiced quantities are counted on the
items as issuing counts them, within what remains (the items' CHECK is the last guard), then the order
moves on (`sales_order_after_invoice`) and its PO flags clear (`purchase_orders_clear_when_invoiced`).

An invoice is imported whole or not at all: a refused row leaves its invoice out. An issued invoice is
history, so an import never changes one: a row that would is refused with the reason (a credit note
corrects it on its page), and rows that match it show as unchanged.
"""

import re
from collections import defaultdict
from datetime import timedelta

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from core import locks
from core.errors import TransitionNotAllowed
from core.money import line_amount
from imports.cells import DateCell, MoneyCell
from imports.columns import Column, item_columns, quantity_column
from imports.orders.columns import ChoiceCell, NumberCell
from imports.rows import Row, RowsImport, advance, change_text, importer, lock_orders_named, numbers_kept, update_rows
from invoicing.models import Invoice, InvoiceLine
from invoicing.services.issue import SEQUENCE_NAME, _priced_lines
from projects.models import Activity, SalesOrder, SalesOrderItem
from projects.services.sales_orders import sales_order_after_invoice
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_orders_clear_when_invoiced

INVOICE_NUMBER = re.compile(r"^(?:INV-?)?(\d{1,15})$", re.IGNORECASE)
IMPORTED_STATUSES = (Invoice.Status.OPEN, Invoice.Status.SENT_TO_CLIENT, Invoice.Status.EXPORTED)
# Every row of an invoice must agree on these (its first row gives them).
INVOICE_FIELDS = ("so_number", "invoice_date", "due_date", "status")


INVOICE_NUMBER_ALIASES = ("invoice number", "invoice no", "invoice", "inv number", "inv no", "invoice id")


def invoice_number_column(*more_aliases: str, note: str) -> Column:
    """The invoice's number, read by the invoices' and the payments' files alike."""
    widget = NumberCell("INV-", INVOICE_NUMBER)
    aliases = (*INVOICE_NUMBER_ALIASES, *more_aliases)
    return Column("invoice_number", "Invoice Number", aliases, widget, "INV-000310", required=True, note=note)


def invoice_columns() -> tuple[Column, ...]:
    return (
        invoice_number_column(
            "num", "ref number", note="INV- and digits, kept as written; the desk's own invoices continue after it"
        ),
        *item_columns(purpose="bills"),
        quantity_column(
            "quantity invoiced", "qty invoiced", note="a whole number, at most what remains of the item to invoice"
        ),
        Column(
            "amount",
            "Amount",
            ("amount", "line amount", "line total", "extended amount"),
            MoneyCell(),
            "3125.00",
            note="optional, before tax: when given, it must be the quantity × the item's unit price",
        ),
        Column(
            "invoice_date",
            "Invoice Date",
            ("invoice date", "date", "txn date", "transaction date", "issue date", "issued"),
            DateCell(),
            "2026-02-01",
            required=True,
            note="today or earlier: 2026-02-01, 02/01/2026 or an Excel date",
        ),
        Column(
            "due_date",
            "Due Date",
            ("due date", "due", "date due", "payment due"),
            DateCell(),
            "2026-03-03",
            note="on or after the invoice date; blank is the invoice date plus the client's terms",
        ),
        Column(
            "status",
            "Status",
            ("status", "invoice status"),
            ChoiceCell(Invoice.Status, Invoice.Status.OPEN, "status of an issued invoice"),
            "Sent to Client",
            note="Open, Sent to Client or Exported; blank is Open. Payments come with Import payments",
        ),
    )


def whole(number: str) -> str:
    return f"another row of {number} is refused, and an invoice is imported whole: correct that row"


class InvoicesImport(RowsImport):
    noun = "invoice line"
    needed = ("invoice_number", "so_number", "line", "quantity", "invoice_date")

    def run(self, *, file_name: str, by: User | None, commit: bool) -> None:
        """Read, check and compare the rows; with commit, write them (inside the caller's transaction)."""
        read = self.read()
        if commit:
            # The lock order: the file's sales orders, their POs (their flags may clear), their items, the file's
            # invoices the desk has, then the invoice sequence.
            lock_orders_named({row.values["so_number"] for row in read})
            locks.lock_invoices(Invoice.objects.filter(number__in={row.values["invoice_number"] for row in read}))
            locks.lock_number_sequence("invoicing.InvoiceNumberSequence", SEQUENCE_NAME)
        orders, items, firsts, kept = self.check(read)
        decided = self.decide(orders, items, firsts, kept)
        if commit:
            with numbers_kept():
                self.write(decided, orders, by=by, file_name=file_name)
            highest = max((invoice.sequence_number or 0 for invoice, _ in decided), default=0)
            advance("invoicing.InvoiceNumberSequence", SEQUENCE_NAME, highest, start=0)

    def read(self) -> list[Row]:
        today = timezone.localdate()
        rows = []
        for row in self.read_cells():
            v = row.values
            if v["status"] not in IMPORTED_STATUSES:
                self.refuse(
                    row.line,
                    "status",
                    f"{Invoice.Status(v['status']).label} invoices are not imported: import issued invoices as Open, "
                    "Sent to Client or Exported, and their payments with Import payments",
                )
            if v["invoice_date"] > today:
                self.refuse(
                    row.line,
                    "invoice_date",
                    f"{v['invoice_date']} is after today ({today}): an issued invoice is dated today or earlier",
                )
            if v["due_date"] is not None and v["due_date"] < v["invoice_date"]:
                self.refuse(row.line, "due_date", f"{v['due_date']} is before the invoice date, {v['invoice_date']}")
            if not self.refused(row):
                rows.append(row)
        return rows

    def numbers_of_refused(self) -> set[str]:
        """The invoice numbers of the rows refused so far, as far as each can be read."""
        numbers = set()
        widget = self.columns["invoice_number"].widget
        for line, raw in self.raw:
            if line in self.plan.refusals:
                try:
                    numbers.add(widget.clean(raw.get("invoice_number")))
                except ValueError:
                    continue
        return numbers

    def check(self, rows: list[Row]) -> tuple[dict[str, SalesOrder], dict, dict[str, Row], list[Row]]:
        """Orders, items and amounts; each invoice's rows agree with its first and name each item once."""
        orders, items = self.orders_and_items(rows)
        firsts, grouped = self.group_lines(rows, "invoice_number", INVOICE_FIELDS)
        kept = []
        for row in grouped:
            v = row.values
            item = items[row.key]
            if v["amount"] is not None and v["amount"] != line_amount(v["quantity"], item.unit_price):
                self.refuse(
                    row.line,
                    "amount",
                    f"{v['amount']} is not {v['quantity']} × {item.unit_price}, the price of {row.key[0]} line "
                    f"{row.key[1]} ({line_amount(v['quantity'], item.unit_price)}): correct the amount, or the "
                    "item's price with Import order items first",
                )
                continue
            kept.append(row)
        return orders, items, firsts, kept

    def decide(
        self, orders: dict[str, SalesOrder], items: dict, firsts: dict[str, Row], rows: list[Row]
    ) -> list[tuple[Invoice, list[InvoiceLine]]]:
        """Each invoice's fate: unchanged, refused, or new with its priced lines, oldest first."""
        by_invoice: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            by_invoice[row.values["invoice_number"]].append(row)
        numbers = set(by_invoice)
        existing = {
            invoice.number: invoice
            for invoice in Invoice.objects.filter(number__in=numbers).select_related("sales_order")
        }
        sequence_of = {number: int(number.split("-", 1)[1]) for number in numbers}
        clashes = dict(
            Invoice.objects.filter(sequence_number__in=set(sequence_of.values()))
            .exclude(number__in=numbers)
            .values_list("sequence_number", "number")
        )
        existing_lines: dict[int, dict[int, int]] = defaultdict(dict)
        for line in InvoiceLine.objects.filter(invoice__in=existing.values()):
            existing_lines[line.invoice_id][line.sales_order_item_id] = line.quantity
        order_items: dict[int, dict[int, SalesOrderItem]] = defaultdict(dict)
        for item in items.values():
            order_items[item.sales_order_id][item.pk] = item
        left_out = self.numbers_of_refused()
        result = []
        for number in sorted(by_invoice, key=lambda n: (firsts[n].values["invoice_date"], sequence_of[n])):
            group = by_invoice[number]
            v = firsts[number].values
            invoice = existing.get(number)
            reason = ""
            if number in left_out:
                reason = whole(number)
            elif invoice is None and sequence_of[number] in clashes:
                reason = (
                    f"{number} is the desk's {clashes[sequence_of[number]]} by its digits: a number in use is never "
                    "given to another invoice"
                )
            elif invoice is not None:
                reason = self.compare(invoice, group, existing_lines[invoice.pk], items)
                if not reason:
                    for row in group:
                        self.plan.unchanged.append((row.line, self.label(row, items)))
                    continue
            if reason:
                for row in group:
                    self.refuse(row.line, "invoice_number", reason)
                continue
            order = orders[v["so_number"]]
            checked = [(items[row.key], row.values["quantity"]) for row in group]
            over = [
                (row, item, quantity)
                for row, (item, quantity) in zip(group, checked, strict=True)
                if quantity > item.remaining_quantity
            ]
            if over:
                for row, item, quantity in over:
                    self.refuse(
                        row.line,
                        "quantity",
                        f"{quantity} is more than the {item.remaining_quantity} of {row.key[0]} line {row.key[1]} "
                        f"left to invoice ({item.quantity} ordered, {item.invoiced_quantity} invoiced, "
                        f"{item.cancelled_quantity} cancelled)",
                    )
                for row in group:
                    if not self.refused(row):
                        self.refuse(row.line, "invoice_number", whole(number))
                continue
            client = order.project.client
            new = Invoice(
                number=number,
                sequence_number=sequence_of[number],
                sales_order=order,
                client_id=order.project.client_id,
                date=v["invoice_date"],
                due_date=v["due_date"] or v["invoice_date"] + timedelta(days=client.terms_days),
                status=v["status"],
                bill_to_name=client.name,
                bill_to_address=client.billing_address,
                bill_to_email=client.billing_email,
            )
            lines = _priced_lines(invoice=new, items=order_items[order.pk], checked=checked)
            for item, quantity in checked:
                item.invoiced_quantity += quantity  # what remains for the file's later invoices
            for row in group:
                self.plan.created.append((row.line, self.label(row, items), self.described(new, row), new))
            result.append((new, lines))
        return result

    def label(self, row: Row, items: dict) -> str:
        return f"{row.values['invoice_number']}: {row.key[0]} line {row.key[1]}, {items[row.key].description}"

    def described(self, invoice: Invoice, row: Row) -> list[str]:
        return [
            f"Quantity: {row.values['quantity']}",
            f"{invoice.number}: dated {invoice.date}, due {invoice.due_date}, total {invoice.total}",
        ]

    def compare(self, invoice: Invoice, group: list[Row], lines: dict[int, int], items: dict) -> str:
        """Why the file would change an issued invoice, or "" if it says what the desk has."""
        v = group[0].values
        number = invoice.number
        if invoice.sales_order.number != v["so_number"]:
            return (
                f"{number} is the desk's invoice on {invoice.sales_order.number}, not {v['so_number']}: a number in "
                "use is never given to another invoice"
            )
        changes = []
        if invoice.date != v["invoice_date"]:
            changes.append(change_text(self.columns["invoice_date"].header, invoice.date, v["invoice_date"]))
        if v["due_date"] is not None and invoice.due_date != v["due_date"]:
            changes.append(change_text(self.columns["due_date"].header, invoice.due_date, v["due_date"]))
        in_file = {items[row.key].pk: row for row in group}
        for row in group:
            old = lines.get(items[row.key].pk)
            if old != row.values["quantity"]:
                what = f"{self.columns['quantity'].header} of {row.key[0]} line {row.key[1]}"
                changes.append(change_text(what, old or "(no line)", row.values["quantity"]))
        if set(lines) - set(in_file):
            changes.append(f"{len(set(lines) - set(in_file))} of its lines are not in the file")
        if not changes:
            return ""
        return (
            f"{number} is issued: an import never changes an issued invoice (the file changes {'; '.join(changes)}); "
            f"correct it with a credit note on its page"
        )

    def write(self, decided: list, orders: dict[str, SalesOrder], *, by: User | None, file_name: str) -> None:
        if not decided:
            return
        for invoice, _ in decided:
            invoice.issued_by = by or invoice.sales_order.project.invoicing_rep
        Invoice.objects.bulk_create([invoice for invoice, _ in decided], batch_size=2000)
        lines = []
        counted: dict[int, SalesOrderItem] = {}
        for invoice, invoice_lines in decided:
            for line in invoice_lines:
                line.invoice = invoice
                lines.append(line)
                counted[line.sales_order_item.pk] = line.sales_order_item
        InvoiceLine.objects.bulk_create(lines, batch_size=5000)
        try:
            with transaction.atomic():
                # The items were read under their lock and counted on as each invoice was decided: their
                # invoiced quantities are written as they now stand, in a few statements.
                items = [counted[pk] for pk in sorted(counted)]
                update_rows(SalesOrderItem, items, ["invoiced_quantity"])
        except IntegrityError as error:  # the items' CHECK is the last guard against over-invoicing
            raise TransitionNotAllowed(
                "Nothing was imported: the file's quantities exceed what remains to invoice. Preview the file again."
            ) from error
        invoice_type = ContentType.objects.get_for_model(Invoice)
        Activity.objects.bulk_create(
            [
                Activity(
                    project_id=invoice.sales_order.project_id,
                    actor=by,
                    subject_type=invoice_type,
                    subject_id=invoice.pk,
                    subject_label=invoice.number,
                    verb=f"imported {invoice.get_kind_display().lower()} invoice",
                    to_value=f"{invoice.total}",
                    detail=f"from {file_name}: {invoice.sales_order.number}, {len(invoice_lines)} line(s), dated "
                    f"{invoice.date}, due {invoice.due_date}",
                )
                for invoice, invoice_lines in decided
            ]
        )
        orders_invoiced = sorted({invoice.sales_order for invoice, _ in decided}, key=lambda order: order.pk)
        ids = [order.pk for order in orders_invoiced]
        # What follows an issue, where it can change something: the order moves on once nothing remains to
        # invoice or something is backordered (sales_order_after_invoice's two cases), and only a PO with a
        # flag or backorders has a flag or pinned notes to clear.
        moving = set(
            SalesOrderItem.objects.filter(sales_order_id__in=ids, backordered_quantity__gt=0).values_list(
                "sales_order_id", flat=True
            )
        )
        moving |= set(ids) - set(
            SalesOrderItem.objects.filter(
                sales_order_id__in=ids, invoiced_quantity__lt=F("quantity") - F("cancelled_quantity")
            ).values_list("sales_order_id", flat=True)
        )
        flagged = set(
            PurchaseOrder.objects.filter(sales_order_id__in=ids)
            .filter(~Q(status=PurchaseOrder.Status.NONE) | Q(backorders__isnull=False))
            .values_list("sales_order_id", flat=True)
        )
        for order in orders_invoiced:
            if order.pk in moving:
                sales_order_after_invoice(sales_order=order, by=by)
            if order.pk in flagged:
                purchase_orders_clear_when_invoiced(sales_order=order)


import_invoices = importer(InvoicesImport)

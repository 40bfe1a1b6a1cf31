"""Export everything: every record of the desk as CSV files in one ZIP, written as it is sent.

One file per kind of import (clients, suppliers, orders, purchase orders, invoices, payments: see
imports/exported_kinds.py) has exactly the columns that import reads, so that an export imports into an empty
desk. The other files (projects, orders and items apart, notes, backorders, credit notes, activity ...) name
what they point at by number or name (P-, SO-, PO-, INV-, CN-, a client's or a supplier's name, a user name),
never by database id; money is a plain decimal (1234.50), dates are ISO (2026-01-15), times ISO with their
offset in the company's time zone.

The ZIP is streamed: zipfile writes into an unseekable pipe (each entry then carries its sizes after its
data), and the response sends what the pipe holds after each chunk of rows. Rows are read through a
server-side cursor, 2,000 at a time, all the files inside one REPEATABLE READ snapshot, so they agree with
one another however long the download takes.
"""

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from backorders.models import Backorder
from core.downloads import BOM, spreadsheet_safe
from imports.export_columns import ITEM_LINE_ABOUT, Column, ExportFile, item_line, labels_of
from imports.exported_kinds import IMPORT_FILES
from invoicing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, Payment, PaymentMethod
from projects.models import Activity, ItemKind, Note, Project, SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem

CHUNK_ROWS = 2000  # rows read per fetch from the server-side cursor, and written per CSV chunk


FILES: tuple[ExportFile, ...] = (
    *IMPORT_FILES.values(),
    ExportFile(
        "projects.csv",
        "Every project.",
        (
            Column("Project Number", "number", "P-"),
            Column("Project Name", "name", ""),
            Column("Client Name", "client__name", "as in clients.csv"),
            Column("Order Rep", "order_rep__username", "a user name"),
            Column("Production Rep", "production_rep__username", "a user name"),
            Column("Invoicing Rep", "invoicing_rep__username", "a user name"),
            Column("Created At", "created_at", "ISO date and time"),
        ),
        lambda: Project.objects.all(),
        ("number",),
    ),
    ExportFile(
        "sales_orders.csv",
        "Every sales order.",
        (
            Column("Sales Order Number", "number", "SO-"),
            Column("Project Number", "project__number", "as in projects.csv"),
            Column("Status", "status", "", labels_of(SalesOrder.Status)),
            Column("In-Hands Date", "in_hands_date", "ISO date"),
            Column("Ship To", "ship_to", "blank: the client's billing address"),
            Column("Client's PO Number", "client_po_number", ""),
            Column("Created At", "created_at", "ISO date and time"),
            Column("Updated At", "updated_at", "ISO date and time"),
        ),
        lambda: SalesOrder.objects.all(),
        ("number",),
    ),
    ExportFile(
        "sales_order_items.csv",
        "Every item of every sales order, with the counters the desk keeps of it.",
        (
            Column("Sales Order Number", "sales_order__number", "as in sales_orders.csv"),
            Column("Line", "line", ITEM_LINE_ABOUT),
            Column("Kind", "kind", "", labels_of(ItemKind)),
            Column("Description", "description", ""),
            Column("Supplier Name", "supplier__name", "as in suppliers.csv; blank for none"),
            Column("Supplier Product ID", "supplier_product_id", "the supplier's catalogue code; blank for none"),
            Column("Supplier Part ID", "supplier_part_id", "the supplier's part code; blank for none"),
            Column("Units Per Pack", "supplier_units_per_pack", "items in one of the supplier's packs; blank for none"),
            Column("Quantity", "quantity", "whole number"),
            Column("Unit Price", "unit_price", "money"),
            Column("Unit Cost", "unit_cost", "money"),
            Column("Tax Rate", "tax_rate", "percent, such as 8.25"),
            Column("Invoiced Quantity", "invoiced_quantity", "net of credit notes"),
            Column("Cancelled Quantity", "cancelled_quantity", ""),
            Column("Backordered Quantity", "backordered_quantity", "on open backorders"),
            Column("Purchased Quantity", "purchased_quantity", "on purchase orders"),
            Column("Shipped Quantity", "shipped_quantity", "of the purchased quantity"),
        ),
        lambda: SalesOrderItem.objects.annotate(line=item_line()),
        ("sales_order__number", "position", "id"),
    ),
    ExportFile(
        "purchase_orders.csv",
        "Every purchase order.",
        (
            Column("PO Number", "number", "PO-"),
            Column("Project Number", "project__number", "as in projects.csv"),
            Column("Sales Order Number", "sales_order__number", "as in sales_orders.csv"),
            Column("Supplier Name", "supplier__name", "as in suppliers.csv"),
            Column("Production Rep", "production_rep__username", "a user name; blank for none"),
            Column("Stage", "stage", "", labels_of(PurchaseOrder.Stage)),
            Column("Status", "status", "", labels_of(PurchaseOrder.Status)),
            Column("Expected Date", "expected_date", "ISO date: when the supplier should ship"),
            Column("Ship To", "ship_to", ""),
            Column("Emailed To", "email_to", "where the PO was last emailed"),
            Column("Emailed At", "email_sent_at", "ISO date and time"),
            Column("Created At", "created_at", "ISO date and time"),
            Column("Updated At", "updated_at", "ISO date and time"),
        ),
        lambda: PurchaseOrder.objects.all(),
        ("number",),
    ),
    ExportFile(
        "purchase_order_lines.csv",
        "Every line of every purchase order, with the sales order item it buys.",
        (
            Column("PO Number", "purchase_order__number", "as in purchase_orders.csv"),
            Column("Sales Order Number", "sales_order_item__sales_order__number", "the item's order"),
            Column("Item Line", "item_line", ITEM_LINE_ABOUT),
            Column("Item Description", "sales_order_item__description", ""),
            Column("Quantity", "quantity", "whole number"),
        ),
        lambda: PurchaseOrderItem.objects.annotate(item_line=item_line("sales_order_item")),
        ("purchase_order__number", "id"),
    ),
    ExportFile(
        "backorders.csv",
        "Every backorder, open, resolved or cancelled.",
        (
            Column("PO Number", "purchase_order__number", "as in purchase_orders.csv"),
            Column("Sales Order Number", "purchase_order_item__sales_order_item__sales_order__number", ""),
            Column("Item Line", "item_line", ITEM_LINE_ABOUT),
            Column("Item Description", "purchase_order_item__sales_order_item__description", ""),
            Column("Quantity", "quantity", "whole number"),
            Column("Status", "status", "", labels_of(Backorder.Status)),
            Column("Expected Date", "expected_date", "ISO date"),
            Column("First Expected Date", "first_expected_date", "ISO date: the supplier's first promise"),
            Column("Expected Date Changes", "expected_date_changes", "how often the date moved"),
            Column("Reason", "reason", ""),
            Column("Raised By", "raised_by__username", "a user name"),
            Column("Created At", "created_at", "ISO date and time"),
            Column("Closed At", "closed_at", "ISO date and time"),
            Column("Closed By", "closed_by__username", "a user name"),
            Column("Cancel Reason", "cancel_reason", ""),
        ),
        lambda: Backorder.objects.annotate(item_line=item_line("purchase_order_item__sales_order_item")),
        ("purchase_order__number", "id"),
    ),
    ExportFile(
        "notes.csv",
        "Every note on every project (the people a note tags are the @names in its text).",
        (
            Column("Project Number", "project__number", "as in projects.csv"),
            Column("Author", "author__username", "a user name"),
            Column("Body", "body", ""),
            Column("Pinned", "pinned", "yes or no"),
            Column("Created At", "created_at", "ISO date and time"),
        ),
        lambda: Note.objects.all(),
        ("project__number", "created_at", "id"),
    ),
    ExportFile(
        "invoices.csv",
        "Every issued invoice (drafts, which have no number yet, are not exported).",
        (
            Column("Invoice Number", "number", "INV-"),
            Column("Sales Order Number", "sales_order__number", "as in sales_orders.csv"),
            Column("Project Number", "sales_order__project__number", "as in projects.csv"),
            Column("Client Name", "sales_order__project__client__name", "as in clients.csv"),
            Column("Date", "date", "ISO date"),
            Column("Due Date", "due_date", "ISO date"),
            Column("Kind", "kind", "", labels_of(Invoice.Kind)),
            Column("Status", "status", "", labels_of(Invoice.Status)),
            Column("Subtotal", "subtotal", "money"),
            Column("Tax", "tax", "money"),
            Column("Total", "total", "money"),
            Column("Paid", "paid_amount", "money: the payments' sum"),
            Column("Credited", "credited_amount", "money: the credit notes' sum"),
            Column("Balance Due", "owed_amount", "money: total less credited and paid"),
            Column("Bill To Name", "bill_to_name", "as at issue"),
            Column("Bill To Address", "bill_to_address", "as at issue"),
            Column("Bill To Email", "bill_to_email", "as at issue"),
            Column("Issued By", "issued_by__username", "a user name"),
            Column("Void Reason", "void_reason", ""),
            Column("Sent At", "sent_at", "ISO date and time"),
            Column("Exported At", "exported_at", "ISO date and time: marked exported to accounting"),
            Column("Paid At", "paid_at", "ISO date and time: marked paid"),
            Column("Created At", "created_at", "ISO date and time"),
        ),
        lambda: Invoice.objects.exclude(status=Invoice.Status.DRAFT),
        ("sequence_number",),
    ),
    ExportFile(
        "invoice_lines.csv",
        "Every line of every issued invoice.",
        (
            Column("Invoice Number", "invoice__number", "as in invoices.csv"),
            Column("Sales Order Number", "sales_order_item__sales_order__number", "the item's order"),
            Column("Item Line", "item_line", ITEM_LINE_ABOUT),
            Column("Description", "description", ""),
            Column("Quantity", "quantity", "whole number"),
            Column("Unit Price", "unit_price", "money"),
            Column("Tax Rate", "tax_rate", "percent"),
            Column("Amount", "amount", "money: quantity × unit price"),
            Column("Tax", "tax", "money"),
            Column("Credited Quantity", "credited_quantity", "whole number"),
        ),
        lambda: InvoiceLine.objects.exclude(invoice__status=Invoice.Status.DRAFT).annotate(
            item_line=item_line("sales_order_item")
        ),
        ("invoice__sequence_number", "id"),
    ),
    ExportFile(
        "payments.csv",
        "Every payment received.",
        (
            Column("Invoice Number", "invoice__number", "as in invoices.csv"),
            Column("Date", "date", "ISO date"),
            Column("Amount", "amount", "money"),
            Column("Method", "method", "", labels_of(PaymentMethod)),
            Column("Reference", "reference", "check number, transfer id"),
            Column("Recorded By", "recorded_by__username", "a user name"),
            Column("Created At", "created_at", "ISO date and time"),
        ),
        lambda: Payment.objects.all(),
        ("date", "id"),
    ),
    ExportFile(
        "credit_notes.csv",
        "Every credit note.",
        (
            Column("Credit Note Number", "number", "CN-"),
            Column("Invoice Number", "invoice__number", "as in invoices.csv"),
            Column("Date", "date", "ISO date"),
            Column("Reason", "reason", ""),
            Column("Subtotal", "subtotal", "money"),
            Column("Tax", "tax", "money"),
            Column("Total", "total", "money"),
            Column("Issued By", "issued_by__username", "a user name"),
            Column("Created At", "created_at", "ISO date and time"),
        ),
        lambda: CreditNote.objects.all(),
        ("sequence_number",),
    ),
    ExportFile(
        "credit_note_lines.csv",
        "Every line of every credit note, with the invoice line it credits.",
        (
            Column("Credit Note Number", "credit_note__number", "as in credit_notes.csv"),
            Column("Invoice Number", "invoice_line__invoice__number", "the credited invoice"),
            Column("Sales Order Number", "invoice_line__sales_order_item__sales_order__number", ""),
            Column("Item Line", "item_line", ITEM_LINE_ABOUT + "; with the invoice, it names the invoice line"),
            Column("Description", "description", ""),
            Column("Quantity", "quantity", "whole number"),
            Column("Unit Price", "unit_price", "money"),
            Column("Tax Rate", "tax_rate", "percent"),
            Column("Amount", "amount", "money"),
            Column("Tax", "tax", "money"),
        ),
        lambda: CreditNoteLine.objects.annotate(item_line=item_line("invoice_line__sales_order_item")),
        ("credit_note__sequence_number", "id"),
    ),
    ExportFile(
        "activity.csv",
        "Every row of every project's activity log, oldest first.",
        (
            Column("Project Number", "project__number", "as in projects.csv"),
            Column("When", "created_at", "ISO date and time"),
            Column("Who", "actor__username", "a user name; blank when the desk did it on its own"),
            Column("Subject Kind", "subject_type__model", "what the row is about: salesorder, purchaseorder, ..."),
            Column("Subject", "subject_label", "its number or name"),
            Column("Verb", "verb", ""),
            Column("From", "from_value", ""),
            Column("To", "to_value", ""),
            Column("Detail", "detail", ""),
        ),
        lambda: Activity.objects.all(),
        ("created_at", "id"),
    ),
)


def cell(value: Any) -> str:
    """One value as the CSV writes it: ISO dates, plain decimals, yes/no, text a spreadsheet will not run."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, Decimal)):
        return str(value)
    # Text starting with = + - @ is quoted with an apostrophe; the import takes the apostrophe off again.
    return spreadsheet_safe(str(value))


def csv_chunks(export_file: ExportFile) -> Iterator[str]:
    """The file's CSV text: a byte order mark (Excel then reads UTF-8), the header, then CHUNK_ROWS rows a chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    labels = [column.labels for column in export_file.columns]
    buffer.write(BOM)
    writer.writerow([column.header for column in export_file.columns])
    rows: list[Sequence[str]] = []
    for row in export_file.rows().iterator(chunk_size=CHUNK_ROWS):
        rows.append([cell(names[value] if names else value) for names, value in zip(labels, row, strict=True)])
        if len(rows) == CHUNK_ROWS:
            writer.writerows(rows)
            rows.clear()
            yield _drain(buffer)
    writer.writerows(rows)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def readme() -> str:
    """README.txt of the ZIP: what each file holds, column by column."""
    lines = [
        "Backorder Desk: everything, exported",
        f"Written {timezone.localtime().isoformat(timespec='seconds')}, all files from one moment of the desk.",
        "",
        "CSV files in UTF-8 (with a byte order mark, so that Excel reads them as UTF-8), comma-separated.",
        "Records point at one another by number or name, never by database id. Money is a plain decimal",
        "(1234.50), tax rates a percent (8.25), dates ISO (2026-01-15), times ISO with their offset.",
        "Text starting with = + - or @ is written with an apostrophe first, so that a spreadsheet shows it",
        "rather than running it as a formula; the desk's import takes the apostrophe off.",
        "",
        "These files have the columns Settings → Import data (or manage.py import_data KIND FILE --commit)",
        "reads, and import into an empty desk as they are, in this order:",
        *(f"  {i}. {kind}: {f.name}" for i, (kind, f) in enumerate(IMPORT_FILES.items(), start=1)),
        "An Invoiced or Closed order is written Ready to be Invoiced (its final invoice makes it Invoiced again),",
        "a Billed PO Ready for Billing, a Paid invoice Open (its payments make it Paid again). Draft and void",
        "invoices, and the payments of void ones, cannot be imported and are left out of import_invoices.csv",
        "and import_payments.csv (invoices.csv lists the void ones).",
        "The other files (projects, sales orders and items apart, POs and lines apart, invoices and lines apart,",
        "backorders, notes, credit notes, activity) cannot be imported yet: they keep what the import files do",
        "not (counters, backorders, notes, credit notes, the activity log, who issued what and when).",
        "",
    ]
    for export_file in FILES:
        lines += [export_file.name, f"  {export_file.about}"]
        for column in export_file.columns:
            about = column.about
            if column.labels:
                about = "; ".join(
                    part for part in (about, "one of: " + ", ".join(dict.fromkeys(column.labels.values()))) if part
                )
            lines.append(f"  - {column.header}" + (f": {about}" if about else ""))
        lines.append("")
    return "\r\n".join(lines)


class _Pipe:
    """An unseekable file that keeps what zipfile writes until the response takes it."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self._parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass  # the response's end closes nothing here: what is left is drained after the archive closes

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        self.size = 0
        return data


@contextmanager
def _snapshot():
    """One transaction for every file, so that they agree (a PO line's PO is in purchase_orders.csv)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                    cursor.execute("SET TRANSACTION READ ONLY")
                # Every row is read: plan for all of them, not for the first tenth.
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
        yield


SEND_BYTES = 64 * 1024  # what the pipe gathers before it is sent


def export_zip() -> Iterator[bytes]:
    """Yield the ZIP of every file, then README.txt, in pieces of about SEND_BYTES as they are written."""
    pipe = _Pipe()
    with _snapshot(), zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for export_file in FILES:
            # force_zip64: an entry's size is known only at its end, and a long history may pass 2 GB.
            with archive.open(_entry(export_file.name), mode="w", force_zip64=True) as entry:
                for text in csv_chunks(export_file):
                    entry.write(text.encode("utf-8"))
                    if pipe.size >= SEND_BYTES:
                        yield pipe.drain()
        archive.writestr(_entry("README.txt"), readme())
    yield pipe.drain()


def _entry(name: str) -> zipfile.ZipInfo:
    """A file of the ZIP dated now (zipfile's default is 1980), readable by everyone once unzipped."""
    info = zipfile.ZipInfo(name, date_time=timezone.localtime().timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def export_filename() -> str:
    return f"backorder-desk-export-{timezone.localdate().isoformat()}.zip"

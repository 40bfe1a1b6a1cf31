"""Export everything's files that import back: one per kind of import, in exactly the columns it reads.

Each file's headers are its kind's own column list (imports/kinds.py KINDS), so that an import's columns and
the export's cannot drift apart: a kind's column without a source below stops the desk at start-up. The files
are listed in the order an empty desk imports them (clients, suppliers, orders, purchase orders, invoices,
payments), each row naming what it points at as that import matches it: a client or supplier by its external
reference, else its exact name; an item by its order's number and its line.

What the imports do not take is written as the nearest thing they do, and named in the README (Export
everything): an Invoiced or Closed order is written Ready to be Invoiced (its final invoice, imported after
it, makes it Invoiced again), a Billed PO Ready for Billing, a Paid invoice Open (its payments make it Paid
again); draft and void invoices are left out of the invoices' file, and so are their payments.
"""

from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf

from imports.export_columns import Column, ExportFile, item_line, labels_of
from imports.kinds import KINDS
from invoicing.models import Invoice, InvoiceLine, Payment, PaymentMethod
from projects.models import Client, ItemKind, SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier

# A field's source: the value's path from the file's model, and the name each stored value is written as.
Source = tuple[str, dict[str, str] | None]

ORDER_STATUSES = labels_of(SalesOrder.Status) | {
    SalesOrder.Status.INVOICED: SalesOrder.Status.READY_TO_BE_INVOICED.label,
    SalesOrder.Status.CLOSED: SalesOrder.Status.READY_TO_BE_INVOICED.label,
}
PO_STAGES = labels_of(PurchaseOrder.Stage) | {PurchaseOrder.Stage.BILLED: PurchaseOrder.Stage.READY_FOR_BILLING.label}
NOT_IMPORTED_INVOICES = (Invoice.Status.DRAFT, Invoice.Status.VOID)  # left out of the invoices' file
INVOICE_STATUSES = {
    value: label for value, label in labels_of(Invoice.Status).items() if value not in NOT_IMPORTED_INVOICES
} | {Invoice.Status.PAID: Invoice.Status.OPEN.label}


def reference_or_name(path: str) -> Coalesce:
    """A client's or supplier's external reference, else its name: what the imports match it by, first."""
    prefix = f"{path}__" if path else ""
    return Coalesce(NullIf(F(f"{prefix}external_ref"), Value("")), F(f"{prefix}name"))


def _about(column) -> str:
    return "; ".join(part for part in ("needed" if column.required else "", column.note) if part)


def _columns(kind: str, sources: dict[str, Source]) -> tuple[Column, ...]:
    """The kind's columns, header for header, each read from its source."""
    fields = [column.field for column in KINDS[kind].columns]
    if missing := set(fields) ^ set(sources):
        raise LookupError(f"Export everything's {kind} file and its import disagree on {sorted(missing)}")
    return tuple(
        Column(column.header, sources[column.field][0], _about(column), sources[column.field][1])
        for column in KINDS[kind].columns
    )


def _same(kind: str) -> tuple[Column, ...]:
    """A kind whose fields are its model's own (clients, suppliers)."""
    return _columns(kind, {column.field: (column.field, None) for column in KINDS[kind].columns})


ORDERS: dict[str, Source] = {
    "project_number": ("sales_order__project__number", None),
    "project_name": ("sales_order__project__name", None),
    "client": ("client_key", None),
    "order_rep": ("sales_order__project__order_rep__username", None),
    "production_rep": ("sales_order__project__production_rep__username", None),
    "invoicing_rep": ("sales_order__project__invoicing_rep__username", None),
    "so_number": ("sales_order__number", None),
    "client_po_number": ("sales_order__client_po_number", None),
    "in_hands_date": ("sales_order__in_hands_date", None),
    "status": ("sales_order__status", ORDER_STATUSES),
    "line": ("line", None),
    "kind": ("kind", labels_of(ItemKind)),
    "description": ("description", None),
    "supplier": ("supplier_key", None),
    "supplier_product_id": ("supplier_product_id", None),
    "supplier_part_id": ("supplier_part_id", None),
    "supplier_units_per_pack": ("supplier_units_per_pack", None),
    "quantity": ("quantity", None),
    "unit_price": ("unit_price", None),
    "unit_cost": ("unit_cost", None),
    "tax_rate": ("tax_rate", None),
}

PURCHASE_ORDERS: dict[str, Source] = {
    "po_number": ("purchase_order__number", None),
    "supplier": ("supplier_key", None),
    "so_number": ("sales_order_item__sales_order__number", None),
    "line": ("line", None),
    "description": ("sales_order_item__description", None),
    "quantity": ("quantity", None),
    "stage": ("purchase_order__stage", PO_STAGES),
    "expected_date": ("purchase_order__expected_date", None),
    "production_rep": ("purchase_order__production_rep__username", None),
    "ship_to": ("purchase_order__ship_to", None),
}

INVOICES: dict[str, Source] = {
    "invoice_number": ("invoice__number", None),
    "so_number": ("sales_order_item__sales_order__number", None),
    "line": ("line", None),
    # The item's description, which the import checks the line against (the line's own is as at issue).
    "description": ("sales_order_item__description", None),
    "quantity": ("quantity", None),
    "amount": ("amount", None),
    "invoice_date": ("invoice__date", None),
    "due_date": ("invoice__due_date", None),
    "status": ("invoice__status", INVOICE_STATUSES),
}

PAYMENTS: dict[str, Source] = {
    "invoice_number": ("invoice__number", None),
    "date": ("date", None),
    "amount": ("amount", None),
    "method": ("method", labels_of(PaymentMethod)),
    "reference": ("reference", None),
}


def _file(kind: str, name: str, columns: tuple[Column, ...], queryset, ordering: tuple[str, ...]) -> ExportFile:
    about = f"In the columns Settings → Import data → Import {KINDS[kind].plural} reads (import_data {kind})."
    return ExportFile(name, about, columns, queryset, ordering)


# The kinds in the order an empty desk imports them, each with its file.
IMPORT_FILES: dict[str, ExportFile] = {
    "clients": _file("clients", "clients.csv", _same("clients"), lambda: Client.objects.all(), ("name",)),
    "suppliers": _file("suppliers", "suppliers.csv", _same("suppliers"), lambda: Supplier.objects.all(), ("name",)),
    "orders": _file(
        "orders",
        "import_orders.csv",
        _columns("orders", ORDERS),
        lambda: SalesOrderItem.objects.annotate(
            line=item_line(),
            client_key=reference_or_name("sales_order__project__client"),
            supplier_key=reference_or_name("supplier"),
        ),
        ("sales_order__project__number", "sales_order__number", "position", "id"),
    ),
    "purchase-orders": _file(
        "purchase-orders",
        "import_purchase_orders.csv",
        _columns("purchase-orders", PURCHASE_ORDERS),
        lambda: PurchaseOrderItem.objects.annotate(
            line=item_line("sales_order_item"), supplier_key=reference_or_name("purchase_order__supplier")
        ),
        ("purchase_order__number", "sales_order_item__sales_order__number", "line", "id"),
    ),
    "invoices": _file(
        "invoices",
        "import_invoices.csv",
        _columns("invoices", INVOICES),
        lambda: InvoiceLine.objects.exclude(invoice__status__in=NOT_IMPORTED_INVOICES).annotate(
            line=item_line("sales_order_item")
        ),
        ("invoice__sequence_number", "line", "id"),
    ),
    "payments": _file(
        "payments",
        "import_payments.csv",
        _columns("payments", PAYMENTS),
        lambda: Payment.objects.exclude(invoice__status__in=NOT_IMPORTED_INVOICES),
        ("invoice__sequence_number", "date", "id"),
    ),
}

"""The orders file's columns: what each cell may hold, the headers read for it, and the numbers' shapes."""

import re
from decimal import Decimal
from typing import Any

from import_export import widgets

from imports.cells import DateCell, MoneyCell, PercentCell, TextCell, WholeNumberCell, is_blank, shown
from projects.models import (
    MAX_QUANTITY,
    MAX_UNITS_PER_PACK,
    SUPPLIER_REF_MAX_LENGTH,
    ItemKind,
    SalesOrder,
    supplier_ref_refusal,
)

PROJECT_NUMBER = re.compile(r"^(?:P-)?(\d{1,15})$", re.IGNORECASE)
ORDER_NUMBER = re.compile(r"^(?:SO-)?(\d{1,15})$", re.IGNORECASE)
# An order further on is imported open; its invoices (Import invoice lines) then move it on.
NOT_IMPORTED_STATUSES = (SalesOrder.Status.INVOICED, SalesOrder.Status.CLOSED)

PROJECT_FIELDS = ("project_name", "client", "order_rep", "production_rep", "invoicing_rep")
ORDER_FIELDS = ("project_number", "status", "in_hands_date", "client_po_number")
ITEM_FIELDS = (
    "kind",
    "description",
    "supplier",
    "supplier_product_id",
    "supplier_part_id",
    "supplier_units_per_pack",
    "quantity",
    "unit_price",
    "unit_cost",
    "tax_rate",
)


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.casefold()).split())


class NumberCell(TextCell):
    """A project's or an order's number, P-1042 or SO-2210 (a bare 1042 takes the prefix)."""

    def __init__(self, prefix: str, pattern: re.Pattern):
        super().__init__(max_length=20)
        self.prefix, self.pattern = prefix, pattern

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = super().clean(value, row, **kwargs)
        if not text:
            return ""
        match = self.pattern.match(text)
        if match is None:
            raise ValueError(f"{shown(text)} is not a number such as {self.prefix}1042")
        return f"{self.prefix}{match.group(1)}"


class ChoiceCell(TextCell):
    """One of a set of choices, as the pages name them or by value; blank is the default."""

    def __init__(self, choices: Any, default: str, what: str, also: dict[str, str] | None = None):
        super().__init__(max_length=60)
        self.by_name = {_normal(label): value for value, label in choices.choices}
        self.by_name.update({_normal(value): value for value in choices.values})
        self.by_name.update({_normal(name): value for name, value in (also or {}).items()})
        self.labels = [label for _, label in choices.choices]
        self.default, self.what = default, what

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = super().clean(value, row, **kwargs)
        if not text:
            return self.default
        found = self.by_name.get(_normal(text))
        if found is None:
            raise ValueError(f"{shown(text)} is not a {self.what}: write one of {', '.join(self.labels)}")
        return found


class SupplierRefCell(TextCell):
    """The supplier's product or part id: one line of plain text, as the order entry page takes it."""

    def __init__(self, label: str):
        super().__init__(max_length=SUPPLIER_REF_MAX_LENGTH)
        self.label = label

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        text = super().clean(value, row, **kwargs)
        if refusal := supplier_ref_refusal(self.label, text):
            raise ValueError(refusal.rstrip("."))
        return text


class UnitsPerPackCell(widgets.Widget):
    """How many items the supplier's pack holds; a blank cell is none (the supplier counts eaches)."""

    def __init__(self) -> None:
        super().__init__()
        self.number = WholeNumberCell(minimum=1, maximum=MAX_UNITS_PER_PACK, default=0)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int | None:
        return None if is_blank(value) else self.number.clean(value, row, **kwargs)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


def order_columns(column_type: Any) -> tuple[Any, ...]:
    """The orders kind's columns (imports.kinds.Column, passed in: kinds imports this module)."""
    C = column_type
    return (
        C(
            "project_number",
            "Project Number",
            ("project number", "project no", "job number", "job no", "job", "project id"),
            NumberCell("P-", PROJECT_NUMBER),
            "P-1042",
            required=True,
            note="P- and digits, kept as written (1042 is P-1042)",
        ),
        C(
            "project_name",
            "Project Name",
            ("project name", "job name", "project title", "job title", "project"),
            TextCell(max_length=200),
            "Spring Fair 2026",
            required=True,
        ),
        C(
            "client",
            "Client Name",
            ("client name", "client", "customer", "customer name", "company", "client id", "client reference"),
            TextCell(max_length=200),
            "Harbor Fair Events",
            required=True,
            note="the client's external reference or exact name, as in the desk",
        ),
        C(
            "order_rep",
            "Order Rep",
            ("order rep", "sales rep", "client rep", "account rep", "rep"),
            TextCell(max_length=150),
            "maya",
            required=True,
            note="a user name of the desk",
        ),
        C(
            "production_rep",
            "Production Rep",
            ("production rep", "production", "csr"),
            TextCell(max_length=150),
            "pat",
            note="a user name; blank is the order rep",
        ),
        C(
            "invoicing_rep",
            "Invoicing Rep",
            ("invoicing rep", "billing rep", "accounting rep"),
            TextCell(max_length=150),
            "ivy",
            note="a user name; blank is the order rep",
        ),
        C(
            "so_number",
            "Sales Order Number",
            ("sales order number", "sales order", "order number", "order no", "so number", "so"),
            NumberCell("SO-", ORDER_NUMBER),
            "SO-2210",
            required=True,
            note="SO- and digits, kept as written (2210 is SO-2210)",
        ),
        C(
            "client_po_number",
            "Client's PO Number",
            ("client s po number", "client po number", "client po", "customer po", "customer po number", "po number"),
            TextCell(max_length=50),
            "HF-77",
        ),
        C(
            "in_hands_date",
            "In-Hands Date",
            ("in hands date", "in hands", "in hand date", "due date", "event date"),
            DateCell(),
            "2026-03-15",
            note="2026-03-15, 03/15/2026 or an Excel date",
        ),
        C(
            "status",
            "Status",
            ("status", "order status", "stage"),
            ChoiceCell(SalesOrder.Status, SalesOrder.Status.NEW, "sales order status"),
            "New",
            note="as the pages name it (In Production); blank is New",
        ),
        C(
            "line",
            "Line",
            ("line", "line number", "line no", "item number", "position"),
            WholeNumberCell(minimum=1, maximum=32767, default=0),
            "1",
            note="the item's line on its order (1 for the first); blank: the order's rows in the file's order",
        ),
        C(
            "kind",
            "Kind",
            ("kind", "item kind", "item type", "type"),
            ChoiceCell(ItemKind, ItemKind.PRODUCT, "kind of item"),
            "Product",
            note="Product or Service; blank is Product",
        ),
        C(
            "description",
            "Description",
            ("description", "item description", "item", "item name", "product", "product name"),
            TextCell(max_length=300),
            "Stainless mug, 1-color logo",
            required=True,
        ),
        C(
            "supplier",
            "Supplier Name",
            ("supplier name", "supplier", "vendor", "vendor name", "supplier id"),
            TextCell(max_length=200),
            "Mugs & Co",
            note="the supplier's external reference or exact name; blank for none",
        ),
        C(
            "supplier_product_id",
            "Supplier Product ID",
            ("supplier product id", "supplier s product id", "vendor product id", "product id", "sku"),
            SupplierRefCell("The supplier's product id"),
            "MUG11",
            note="the supplier's catalogue code (PromoStandards productId); blank for none",
        ),
        C(
            "supplier_part_id",
            "Supplier Part ID",
            ("supplier part id", "supplier s part id", "vendor part id", "part id", "part number"),
            SupplierRefCell("The supplier's part id"),
            "MUG11-WHT",
            note="the colour or size's code (PromoStandards partId); blank for none",
        ),
        C(
            "supplier_units_per_pack",
            "Units Per Pack",
            ("units per pack", "units per supplier s pack", "pack size", "case pack", "units per case"),
            UnitsPerPackCell(),
            "",
            note="how many of the item one of the supplier's cases or boxes holds, when it counts stock in them; "
            "blank for none",
        ),
        C(
            "quantity",
            "Quantity",
            ("quantity", "qty", "units", "quantity ordered"),
            WholeNumberCell(minimum=1, maximum=MAX_QUANTITY, default=0),
            "250",
            required=True,
            note="a whole number of at least 1",
        ),
        C(
            "unit_price",
            "Unit Price",
            ("unit price", "price", "sell price", "unit sell", "rate"),
            MoneyCell(),
            "12.50",
            required=True,
        ),
        C(
            "unit_cost",
            "Unit Cost",
            ("unit cost", "cost", "net cost", "unit net"),
            MoneyCell(default=Decimal("0.00")),
            "6.20",
            note="blank is 0",
        ),
        C(
            "tax_rate",
            "Tax Rate",
            ("tax rate", "tax percent", "tax", "sales tax rate"),
            PercentCell(),
            "8.25",
            note="percent, 0 to 100: 8.25 or 8.25%; blank is 0",
        ),
    )

"""A column of an import's file: the desk's field it fills, its template header, the headers read for it."""

import re
from dataclasses import dataclass
from typing import Any

from imports.cells import TextCell, WholeNumberCell
from imports.orders.columns import ORDER_NUMBER, NumberCell
from projects.models import MAX_QUANTITY


@dataclass(frozen=True)
class Column:
    field: str
    header: str  # the template's header, and how pages name the column
    aliases: tuple[str, ...]
    widget: Any
    example: str
    required: bool = False
    note: str = ""


def normalized(header: str) -> str:
    """A header as compared with the aliases: case, punctuation and spacing ignored ("E-mail:" is "e mail")."""
    text = header.replace("%", " percent ").replace("#", " number ").casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


# --- the columns by which the order, PO and invoice files name an order's item -------------------------

ITEM_DESCRIPTION_ALIASES = ("description", "item description", "item", "item name", "product", "product name")


def item_columns(*, purpose: str) -> tuple[Column, ...]:
    """The sales order's number, the item's line on it, and its description as a check (POs' and invoices' files)."""
    return (
        Column(
            "so_number",
            "Sales Order Number",
            ("sales order number", "sales order", "order number", "order no", "so number", "so"),
            NumberCell("SO-", ORDER_NUMBER),
            "SO-2210",
            required=True,
            note=f"the order it {purpose}, imported with Import order items",
        ),
        Column(
            "line",
            "Line",
            ("line", "line number", "line no", "item number", "so line", "sales order line", "position"),
            WholeNumberCell(minimum=1, maximum=32767, default=0),
            "1",
            required=True,
            note="the item's line on its sales order (1 for the first), as Import order items and Export everything "
            "number them",
        ),
        Column(
            "description",
            "Description",
            (*ITEM_DESCRIPTION_ALIASES, "product service"),
            TextCell(max_length=300),
            "Stainless mug, 1-color logo",
            note="optional: when given, it must be that line's description (a check that the line is the right one)",
        ),
    )


def quantity_column(*more_aliases: str, note: str) -> Column:
    """A line's quantity: a whole number of at least 1 (the POs' and invoices' files)."""
    widget = WholeNumberCell(minimum=1, maximum=MAX_QUANTITY, default=0)
    aliases = ("quantity", "qty", "units", *more_aliases)
    return Column("quantity", "Quantity", aliases, widget, "250", required=True, note=note)

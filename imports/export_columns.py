"""The pieces Export everything's files are made of: a column (a header, the value's path from the file's model,
what it holds), a file (its rows read in one query), and an item's line on its sales order, by which every file
names an item.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery

from projects.models import SalesOrderItem


@dataclass(frozen=True)
class Column:
    header: str
    lookup: str  # the value's path from the file's model (or an annotation's name)
    about: str
    labels: dict[str, str] | None = None  # a choice's stored value → the name pages show


@dataclass(frozen=True)
class ExportFile:
    name: str
    about: str
    columns: tuple[Column, ...]
    queryset: Callable[[], QuerySet]
    ordering: tuple[str, ...] = field(default_factory=tuple)

    def rows(self) -> QuerySet:
        lookups = [column.lookup for column in self.columns]
        return self.queryset().order_by(*self.ordering).values_list(*lookups)


def labels_of(choices) -> dict[str, str]:
    return dict(choices.choices)


def item_line(path: str = "") -> Subquery:
    """The item's line on its sales order (1 for its first), counted in the order its pages list the items."""

    def outer(name: str) -> OuterRef:
        return OuterRef(f"{path}__{name}" if path else name)

    earlier = (
        SalesOrderItem.objects.filter(sales_order=outer("sales_order"))
        .filter(Q(position__lt=outer("position")) | Q(position=outer("position"), id__lte=outer("id")))
        .order_by()
        .values("sales_order")
        .annotate(lines=Count("id"))
        .values("lines")
    )
    return Subquery(earlier)


ITEM_LINE_ABOUT = "the item's line on its sales order (1 for the first, as the order's page lists them)"

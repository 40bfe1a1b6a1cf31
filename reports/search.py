"""The header search: projects, orders, invoices, clients and suppliers, each by its own columns.

Every kind is matched on its own table, never through a join, so each condition is one index on
PostgreSQL (see reports/migrations/0002_search_indexes.py):

- a number that *starts with* the query: a btree on UPPER(number) COLLATE "C", read newest first,
  which stops after SEARCH_LIMIT + 1 rows however many numbers share the prefix ("INV-0");
- anything else, a number or name that *contains* the query: trigram GIN indexes on UPPER(column),
  which PostgreSQL uses for the UPPER(column) LIKE UPPER('%query%') that icontains writes.

On SQLite (the embedded default) the same conditions run as plain LIKE, without those indexes.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Collate, Upper

from invoicing.models import Invoice
from projects.models import Client, Project, SalesOrder, SalesOrderItem
from projects.selectors import MONEY_FIELD, ZERO_MONEY, _amount, _remaining, sales_orders_with_figures
from purchasing.models import PurchaseOrder, Supplier

SEARCH_LIMIT = 10  # rows per kind on the results page
MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
# A trigram index finds "contains" only for three characters or more: a shorter query matches the start
# of a name, or the digits after a number's prefix ("77" finds P-7700), which the same indexes serve.
CONTAINS_FROM = 3
# Matches among this many newest rows are looked for first, walking the number's btree (see _contains_ids).
RECENT_ROWS = 5000


@dataclass(frozen=True)
class SearchGroup:
    """Up to SEARCH_LIMIT matching rows of one kind, and whether more matched."""

    rows: list
    more: bool = False


@dataclass(frozen=True)
class SearchResults:
    projects: SearchGroup
    sales_orders: SearchGroup
    purchase_orders: SearchGroup
    invoices: SearchGroup
    clients: SearchGroup
    suppliers: SearchGroup

    @property
    def groups(self) -> list[SearchGroup]:
        return [
            self.projects,
            self.sales_orders,
            self.purchase_orders,
            self.invoices,
            self.clients,
            self.suppliers,
        ]

    @property
    def count(self) -> int:
        """How many rows the page shows."""
        return sum(len(group.rows) for group in self.groups)


def _number_key(field: str = "number"):
    """The upper-cased number; on PostgreSQL in byte order, the expression its prefix index holds."""
    upper = Upper(field)
    return Collate(upper, "C") if connection.vendor == "postgresql" else upper


def _text_matches(field: str, query: str) -> Q:
    """The column contains the query (or, for a short query, starts with it); case is ignored."""
    lookup = "icontains" if len(query) >= CONTAINS_FROM else "istartswith"
    return Q(**{f"{field}__{lookup}": query})


def _number_matches(query: str, field: str = "number") -> Q:
    """The number contains the query; a short query only right after the prefix's dash ("77": P-7700)."""
    if len(query) >= CONTAINS_FROM:
        return Q(**{f"{field}__icontains": query})
    return Q(**{f"{field}__icontains": f"-{query}"})


def _contains_ids(model: type[Model], *, anywhere: Q, exclude: list[int], wanted: int) -> list[int]:
    """The ids of the newest rows that match `anywhere`, but for those already found."""
    matches = model._default_manager.filter(anywhere).exclude(pk__in=exclude)
    if connection.vendor != "postgresql":
        return list(matches.order_by("-number").values_list("pk", flat=True)[:wanted])
    # Walked newest first through the number's btree, a rare match would read the whole history before
    # LIMIT is met; read through the trigram index, a common one ("holiday gifts") would read every
    # match before the newest are sorted out. So: first the RECENT_ROWS newest rows, a bounded range of
    # the btree; then, only if they held too few matches, the older rows through the trigram index
    # (ordered by an expression no btree holds, so PostgreSQL cannot walk one). LIMIT stops the union
    # after its first part when that part fills the page.
    boundary = Coalesce(
        Subquery(
            model._default_manager.filter(number__isnull=False)
            .order_by("-number")
            .values("number")[RECENT_ROWS - 1 : RECENT_ROWS]
        ),
        Value(""),
    )
    recent = matches.filter(number__gte=boundary).order_by("-number").values_list("pk", "number")[:wanted]
    # Compared and ordered in byte order, which no btree holds: only the trigram indexes can serve this part.
    older = (
        matches.alias(number_bytes=Collate("number", "C"))
        .filter(number_bytes__lt=boundary)
        .order_by("-number_bytes")
        .values_list("pk", "number")[:wanted]
    )
    rows = sorted(recent.union(older, all=True)[:wanted], key=lambda row: row[1], reverse=True)
    return [pk for pk, _number in rows]


def _matching_ids(model: type[Model], *, query: str, anywhere: Q) -> tuple[list[int], bool]:
    """The ids of the first matches, numbers that start with the query first, newest first in each tier."""
    wanted = SEARCH_LIMIT + 1  # one more than shown says whether more match
    ids = list(
        model._default_manager.alias(number_key=_number_key())
        .filter(number_key__startswith=query.upper())
        .order_by("-number_key")
        .values_list("pk", flat=True)[:wanted]
    )
    if len(ids) < wanted:
        # Only when the prefix did not fill the page: "INV-0" never reads the invoices that merely contain it.
        ids += _contains_ids(model, anywhere=anywhere, exclude=ids, wanted=wanted - len(ids))
    return ids[:SEARCH_LIMIT], len(ids) > SEARCH_LIMIT


def _group(shaped: QuerySet, ids: list[int], more: bool) -> SearchGroup:
    """Read the matching rows with everything the page shows of them, in the order they were found."""
    if not ids:
        return SearchGroup(rows=[])
    by_pk = {row.pk: row for row in shaped.filter(pk__in=ids)}
    return SearchGroup(rows=[by_pk[pk] for pk in ids if pk in by_pk], more=more)


def _by_name(queryset: QuerySet, query: str) -> SearchGroup:
    """Clients or suppliers whose name matches, those whose name starts with the query first."""
    starts = Case(When(name__istartswith=query, then=Value(0)), default=Value(1), output_field=IntegerField())
    rows = list(queryset.filter(_text_matches("name", query)).order_by(starts, "name")[: SEARCH_LIMIT + 1])
    return SearchGroup(rows=rows[:SEARCH_LIMIT], more=len(rows) > SEARCH_LIMIT)


def _remaining_amount_of_order(order_field: str):
    """The net amount still to invoice on the row's sales order (named by order_field), as a subquery."""
    per_order = (
        SalesOrderItem.objects.filter(sales_order_id=OuterRef(order_field))
        .order_by()
        .values("sales_order_id")
        .annotate(amount=Sum(_amount(_remaining())))
        .values("amount")
    )
    return Coalesce(Subquery(per_order, output_field=MONEY_FIELD), ZERO_MONEY)


def search_exact_number(*, query: str) -> Project | SalesOrder | PurchaseOrder | Invoice | None:
    """Return the project, sales order, PO or invoice whose number is the query, ignoring case.

    The object comes back bare (its primary key only): enough for its get_absolute_url.
    """
    kinds = (("project", Project), ("sales_order", SalesOrder), ("purchase_order", PurchaseOrder), ("invoice", Invoice))
    # One query for the four kinds, each an equality on its number's prefix index; numbers are unique
    # within a kind, so at most one row each.
    queries = [
        model._default_manager.alias(number_key=_number_key())
        .filter(number_key=query.upper())
        .order_by()
        .values_list(Value(kind), "pk")
        for kind, model in kinds
    ]
    found: dict[str, int] = dict(queries[0].union(*queries[1:], all=True))
    for kind, model in kinds:
        if kind in found:
            return model(pk=found[kind])
    return None


def search(*, query: str) -> SearchResults:
    """Find projects by number or name, sales orders by number or the client's PO number, purchase
    orders and invoices by number, clients and suppliers by name."""
    project_ids, more_projects = _matching_ids(
        Project, query=query, anywhere=_number_matches(query) | _text_matches("name", query)
    )
    order_ids, more_orders = _matching_ids(
        SalesOrder, query=query, anywhere=_number_matches(query) | _text_matches("client_po_number", query)
    )
    po_ids, more_pos = _matching_ids(PurchaseOrder, query=query, anywhere=_number_matches(query))
    invoice_ids, more_invoices = _matching_ids(Invoice, query=query, anywhere=_number_matches(query))
    # Every order shown carries what is still to invoice on it (a PO or an invoice: on its sales order).
    return SearchResults(
        projects=_group(Project.objects.select_related("client"), project_ids, more_projects),
        sales_orders=_group(
            sales_orders_with_figures(SalesOrder.objects.select_related("project__client")), order_ids, more_orders
        ),
        purchase_orders=_group(
            PurchaseOrder.objects.select_related("project__client", "sales_order", "supplier").annotate(
                order_remaining_amount=_remaining_amount_of_order("sales_order_id")
            ),
            po_ids,
            more_pos,
        ),
        invoices=_group(
            Invoice.objects.select_related("sales_order__project__client").annotate(
                order_remaining_amount=_remaining_amount_of_order("sales_order_id")
            ),
            invoice_ids,
            more_invoices,
        ),
        clients=_by_name(Client.objects.all(), query),
        suppliers=_by_name(Supplier.objects.all(), query),
    )

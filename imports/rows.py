"""What the kinds that read their rows themselves share (open orders, purchase orders, invoices, payments).

Each reads its cells with the column's widget, refuses a row by its line and column, finds the sales
order items a row names by their order's number and line (1 for the order's first item, as its page lists
them and Export everything writes them), and advances a number sequence past the numbers it imported.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Model

from core import locks
from core.errors import TransitionNotAllowed
from imports.cells import is_blank, shown
from projects.models import SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, Supplier


@dataclass
class Row:
    line: int
    values: dict[str, Any]
    key: tuple[str, int] = ("", 0)  # (order number, item line)


@dataclass
class Planned:
    """What the file does: each row's fate and, to write, the records new or changed."""

    created: list[tuple[int, str, list[str], Any]] = field(default_factory=list)  # line, label, changes, record
    updated: list[tuple[int, str, list[str], Any]] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    refusals: dict[int, list[tuple[str, str]]] = field(default_factory=dict)  # line: [(column, message)]


def change_text(header: str, old: Any, new: Any) -> str:
    before = shown(old) if old is not None else ""
    after = shown(new) if new is not None else ""
    return f"{header}: {before or '(blank)'} → {after or '(blank)'}"


def number_value(number: str) -> int:
    return int(number.split("-", 1)[1])


class RowsImport:
    """A file read row by row into the desk's values, each refusal kept by row and column."""

    noun = "row"
    needed: tuple[str, ...] = ()  # columns a row may not leave blank

    def __init__(self, *, rows: list[tuple[int, dict[str, Any]]], header_of: dict[str, str], columns: tuple):
        self.header_of = header_of
        self.columns = {column.field: column for column in columns}
        self.raw = rows
        self.plan = Planned()

    def header(self, name: str) -> str:
        return self.header_of.get(name) or self.columns[name].header

    def refuse(self, line: int, name: str, message: str) -> None:
        self.plan.refusals.setdefault(line, []).append((self.header(name) if name else "", message))

    def refused(self, row: Row) -> bool:
        return row.line in self.plan.refusals

    def run(self, *, file_name: str, by: User | None, commit: bool) -> None:
        """Read, check and compare the rows into `plan`; with commit, write them (in the caller's transaction)."""
        raise NotImplementedError

    def read_cells(self) -> list[Row]:
        """Each row's cells read by their column's widget; a blank needed cell or an unreadable one refuses it."""
        rows = []
        for line, raw in self.raw:
            values: dict[str, Any] = {}
            for name, column in self.columns.items():
                value = raw.get(name)
                if name in self.needed and is_blank(value):
                    self.refuse(line, name, f"is blank, and every {self.noun} needs a {column.header}")
                    continue
                try:
                    values[name] = column.widget.clean(value)
                except ValueError as error:
                    self.refuse(line, name, str(error))
            if line not in self.plan.refusals:
                rows.append(Row(line, values))
        return rows

    def disagrees(self, row: Row, first: Row, number: str, fields: Iterable[str]) -> bool:
        """Refuse a later row of a record (an order, a PO, an invoice) that says otherwise than its first row."""
        if first is row:
            return False
        for name in fields:
            mine, theirs = row.values.get(name), first.values.get(name)
            if mine != theirs:
                self.refuse(
                    row.line,
                    name,
                    f"{shown(mine or '') or '(blank)'}, where row {first.line} gives {row.values[number]} the "
                    f"{self.columns[name].header} {shown(theirs or '') or '(blank)'}: every row of it must agree",
                )
                return True
        return False

    def group_lines(self, rows: list[Row], number: str, agree: Iterable[str]) -> tuple[dict[str, Row], list[Row]]:
        """The first row of each record (a PO, an invoice) by its number; later rows must agree with it on
        `agree`, and name each item of an order once."""
        firsts: dict[str, Row] = {}
        taken: dict[tuple[str, tuple[str, int]], int] = {}
        kept = []
        for row in rows:
            if self.refused(row):
                continue
            record = row.values[number]
            first = firsts.setdefault(record, row)
            if self.disagrees(row, first, number, agree):
                continue
            if (record, row.key) in taken:
                self.refuse(
                    row.line,
                    "line",
                    f"{row.key[0]} line {row.key[1]} is on row {taken[(record, row.key)]} of this file for {record} "
                    "too: keep one of the two rows",
                )
                continue
            taken[(record, row.key)] = row.line
            kept.append(row)
        return firsts, kept

    def orders_and_items(self, rows: list[Row]) -> tuple[dict[str, SalesOrder], dict[tuple[str, int], SalesOrderItem]]:
        """The sales orders the rows name and their items by (number, line); a row naming neither is refused."""
        orders = {
            order.number: order
            for order in SalesOrder.objects.filter(number__in={row.values["so_number"] for row in rows}).select_related(
                "project__client", "project__production_rep", "project__invoicing_rep"
            )
        }
        items = items_by_line(orders)
        lines_of: dict[str, int] = defaultdict(int)
        for number, line in items:
            lines_of[number] = max(lines_of[number], line)
        for row in rows:
            number, line = row.values["so_number"], row.values["line"]
            row.key = (number, line)
            if number not in orders:
                self.refuse(
                    row.line,
                    "so_number",
                    f"{number} is no sales order of the desk: import it with Import order items first",
                )
            elif row.key not in items:
                count = lines_of[number]
                self.refuse(
                    row.line, "line", f"{number} has no line {line} (it has {count} line{'' if count == 1 else 's'})"
                )
            elif row.values.get("description") and row.values["description"] != items[row.key].description:
                self.refuse(
                    row.line,
                    "description",
                    f"{number} line {line} is {shown(items[row.key].description)} in the desk, not "
                    f"{shown(row.values['description'])}: check the line",
                )
        return orders, items


def items_by_line(orders: dict[str, SalesOrder]) -> dict[tuple[str, int], SalesOrderItem]:
    """The items of these orders by (order number, line): the nth in the order's own order is line n."""
    number_of = {order.pk: number for number, order in orders.items()}
    counted: dict[int, int] = defaultdict(int)
    found: dict[tuple[str, int], SalesOrderItem] = {}
    items = SalesOrderItem.objects.filter(sales_order_id__in=number_of).order_by("sales_order_id", "position", "id")
    for item in items:
        counted[item.sales_order_id] += 1
        found[(number_of[item.sales_order_id], counted[item.sales_order_id])] = item
    return found


def suppliers_named(names: set[str]) -> dict[str, Supplier]:
    """Each supplier a file names, by its external reference, else by its exact name."""
    found = {supplier.external_ref: supplier for supplier in Supplier.objects.filter(external_ref__in=names)}
    for supplier in Supplier.objects.filter(name__in=names - set(found)):
        found[supplier.name] = supplier
    return found


def active_users_named(names: set[str]) -> dict[str, User]:
    return {user.username: user for user in User.objects.filter(username__in=names)}


def advance(model_label: str, name: str, highest: int, *, start: int = 1000) -> None:
    """Continue the desk's sequence after the highest number imported (its row locked until commit)."""
    sequence = locks.lock_number_sequence(model_label, name, defaults={"last_value": start})
    if highest > sequence.last_value:
        sequence.last_value = highest
        sequence.save(update_fields=["last_value"])


def importer(job_class: type[RowsImport]) -> Callable[..., Planned]:
    """A kind's importer (`imports.kinds.Kind.importer`): the job run on the file's rows, its plan returned."""

    def run(
        *,
        rows: list[tuple[int, dict[str, Any]]],
        header_of: dict[str, str],
        columns: tuple,
        file_name: str,
        by: User | None,
        commit: bool,
    ) -> Planned:
        job = job_class(rows=rows, header_of=header_of, columns=columns)
        job.run(file_name=file_name, by=by, commit=commit)
        return job.plan

    run.__doc__ = job_class.run.__doc__
    return run


def lock_orders_named(numbers: set[str]) -> None:
    """Lock the file's sales orders, then their purchase orders, then their items (core.locks' order)."""
    order_ids = list(SalesOrder.objects.filter(number__in=numbers).values_list("pk", flat=True))
    locks.lock_purchase_orders_of_orders(sales_order_ids=order_ids, queryset=PurchaseOrder.objects.all())
    # Their items in one statement, by id (locking order by order would cost a statement per order).
    list(locks.for_update(SalesOrderItem.objects.filter(sales_order_id__in=order_ids)).values_list("pk", flat=True))


@contextmanager
def numbers_kept():
    """Write inside a savepoint; a number of the file taken meanwhile (a unique constraint) refuses the import."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        raise TransitionNotAllowed(
            f"Nothing was imported: a number of the file was taken meanwhile ({error}). Preview the file again."
        ) from error


def update_rows(model: type[Model], rows: list, fields: list[str]) -> None:
    """Write these fields of these rows as they stand: on PostgreSQL one UPDATE ... FROM unnest(...) a 5,000 rows.

    Django's bulk_update writes a CASE WHEN per field that PostgreSQL reads row by row, so that 10,000 items took
    8 to 10 s where this takes well under one; the values, and every CHECK on the table, are the same.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(rows, fields, batch_size=500)
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    concrete = [column for column in columns if isinstance(column, Field)]
    assert meta.pk is not None and len(concrete) == len(columns)

    def quote(name: str | None) -> str:
        return connection.ops.quote_name(name or "")

    sets = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}" for f in concrete)
    unnests = ", ".join(
        [f"unnest(%s::{meta.pk.rel_db_type(connection)}[]) AS id"]
        + [f"unnest(%s::{f.db_type(connection)}[]) AS {quote(f.column)}" for f in concrete]
    )
    # Names and types come from the model's own fields, never from the file; the values are parameters.
    sql = (
        f"UPDATE {quote(meta.db_table)} AS t SET {sets} FROM (SELECT {unnests}) AS v "  # noqa: S608
        f"WHERE t.{quote(meta.pk.column)} = v.id"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            batch = rows[start : start + 5000]
            params = [[row.pk for row in batch]] + [
                [f.get_db_prep_value(getattr(row, f.attname), connection) for row in batch] for f in concrete
            ]
            cursor.execute(sql, params)

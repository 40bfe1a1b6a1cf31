"""Reading an orders file into projects, orders and items, deciding what changes, and writing it in bulk."""

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType

from core import locks
from core.money import line_amount, line_tax
from imports.cells import is_blank
from imports.orders.columns import ITEM_FIELDS, NOT_IMPORTED_STATUSES, ORDER_FIELDS, PROJECT_FIELDS
from imports.rows import Row, RowsImport, advance, change_text, importer, items_by_line, number_value, numbers_kept
from invoicing.models import Invoice
from projects.models import Activity, Client, Project, SalesOrder, SalesOrderItem
from projects.services.sales_orders import order_total_refusal
from purchasing.models import PurchaseOrder, Supplier


class OrdersImport(RowsImport):
    def run(self, *, file_name: str, by: User | None, commit: bool) -> None:
        """Read, check and compare the rows; with commit, write them (inside the caller's transaction)."""
        read = self.read()
        if commit:
            # The lock order: the file's sales orders already in the desk, their items, then the sequences.
            numbers = sorted({row.values["so_number"] for row in read})
            order_ids = list(
                locks.for_update(SalesOrder.objects.filter(number__in=numbers)).values_list("pk", flat=True)
            )
            list(
                locks.for_update(SalesOrderItem.objects.filter(sales_order_id__in=order_ids)).values_list(
                    "pk", flat=True
                )
            )
            sequences = {
                prefix: locks.lock_number_sequence("projects.NumberSequence", prefix, defaults={"last_value": 1000})
                for prefix in ("P-", "SO-")
            }
            del sequences  # held until commit: nobody takes a number while the file's are checked and written
        resolved = self.resolve(read)
        projects, orders, grouped = self.group(resolved)
        desk = self.compare(projects, orders, grouped)
        decided = self.decide(projects, orders, grouped, desk)
        if commit:
            with numbers_kept():
                self.write(decided, by=by, file_name=file_name)
            _advance("P-", [row.values["project_number"] for row, *_ in decided[4]])
            _advance("SO-", [row.values["so_number"] for row, *_ in decided[4]])

    # --- reading the cells ---------------------------------------------------------------------------

    def read(self) -> list[Row]:
        rows = []
        for line, raw in self.raw:
            values: dict[str, Any] = {}
            for name, column in self.columns.items():
                value = raw.get(name)
                if name in ("quantity", "unit_price") and name in raw and is_blank(value):
                    self.refuse(line, name, f"is blank, and every item needs a {column.header}")
                    continue
                try:
                    values[name] = column.widget.clean(value)
                except ValueError as error:
                    self.refuse(line, name, str(error))
            for name in ("project_number", "project_name", "client", "order_rep", "so_number", "description"):
                if name in values and not values[name]:
                    self.refuse(line, name, f"is blank, and every row needs a {self.columns[name].header}")
            if values.get("status") in NOT_IMPORTED_STATUSES:
                self.refuse(
                    line,
                    "status",
                    f"{SalesOrder.Status(values['status']).label} orders are not imported as such: import the order "
                    "open, then its invoices with Import invoice lines (it becomes Invoiced when they cover it)",
                )
            if line not in self.plan.refusals:
                for rep in ("production_rep", "invoicing_rep"):
                    values[rep] = values[rep] or values["order_rep"]
                rows.append(Row(line, values))
        return rows

    def resolve(self, rows: list[Row]) -> list[Row]:
        """Clients, users and suppliers named by the rows, each looked up once; unknown ones refuse the row."""
        named = {row.values["client"] for row in rows}
        clients = {c.external_ref: c for c in Client.objects.filter(external_ref__in=named)}
        by_name = {c.name: c for c in Client.objects.filter(name__in=named - set(clients))}
        usernames = {row.values[rep] for row in rows for rep in ("order_rep", "production_rep", "invoicing_rep")}
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        supplier_names = {row.values["supplier"] for row in rows if row.values["supplier"]}
        suppliers = {s.external_ref: s for s in Supplier.objects.filter(external_ref__in=supplier_names)}
        supplier_by_name = {s.name: s for s in Supplier.objects.filter(name__in=supplier_names - set(suppliers))}
        kept = []
        for row in rows:
            v = row.values
            client = clients.get(v["client"]) or by_name.get(v["client"])
            if client is None:
                self.refuse(
                    row.line,
                    "client",
                    f"{v['client']} is no client of the desk (by reference or exact name): import it with Import "
                    "clients first, or correct the name",
                )
            v["client"] = client
            named_already: set[str] = set()  # a blank rep is the order rep: its refusal is said once
            for rep in ("order_rep", "production_rep", "invoicing_rep"):
                user = users.get(v[rep])
                if v[rep] in named_already:
                    pass
                elif user is None:
                    self.refuse(row.line, rep, f"{v[rep]} is no user of the desk: write a user name")
                elif not user.is_active:
                    self.refuse(row.line, rep, f"User {v[rep]} is not active")
                if user is None or not user.is_active:
                    named_already.add(v[rep])
                v[rep] = user
            if v["supplier"]:
                supplier = suppliers.get(v["supplier"]) or supplier_by_name.get(v["supplier"])
                if supplier is None:
                    self.refuse(
                        row.line,
                        "supplier",
                        f"{v['supplier']} is no supplier of the desk: import it with Import suppliers first",
                    )
                v["supplier"] = supplier
            else:
                v["supplier"] = None
            if row.line not in self.plan.refusals:
                kept.append(row)
        return kept

    def group(self, rows: list[Row]) -> tuple[dict[str, Row], dict[str, Row], list[Row]]:
        """The first row of each project and order; later rows must agree with it; each item once."""
        projects: dict[str, Row] = {}
        orders: dict[str, Row] = {}
        next_line: dict[str, int] = defaultdict(int)
        taken: dict[tuple[str, int], int] = {}
        kept = []
        for row in rows:
            v = row.values
            first = projects.setdefault(v["project_number"], row)
            if self.disagrees(row, first, "project_number", PROJECT_FIELDS):
                continue
            first = orders.setdefault(v["so_number"], row)
            if self.disagrees(row, first, "so_number", ORDER_FIELDS):
                continue
            item_line = v["line"] or next_line[v["so_number"]] + 1
            next_line[v["so_number"]] = max(next_line[v["so_number"]], item_line)
            row.key = (v["so_number"], item_line)
            if row.key in taken:
                self.refuse(
                    row.line,
                    "line" if v["line"] else "so_number",
                    f"{v['so_number']} line {item_line} is on row {taken[row.key]} of this file too: keep one of "
                    "the two rows",
                )
                continue
            taken[row.key] = row.line
            kept.append(row)
        return projects, orders, kept

    # --- comparing with the desk ----------------------------------------------------------------------

    def compare(self, projects: dict[str, Row], orders: dict[str, Row], rows: list[Row]) -> dict[str, Any]:
        existing_projects = {p.number: p for p in Project.objects.filter(number__in=projects).select_related("client")}
        existing_orders = {o.number: o for o in SalesOrder.objects.filter(number__in=orders).select_related("project")}
        ids = [order.pk for order in existing_orders.values()]
        invoiced = set(Invoice.objects.filter(sales_order_id__in=ids).values_list("sales_order_id", flat=True))
        purchased = set(PurchaseOrder.objects.filter(sales_order_id__in=ids).values_list("sales_order_id", flat=True))
        existing_items = items_by_line(existing_orders)
        return {
            "projects": existing_projects,
            "orders": existing_orders,
            "items": existing_items,
            "fixed": {
                order.pk: "an invoice" if order.pk in invoiced else "a purchase order"
                for order in existing_orders.values()
                if order.pk in invoiced or order.pk in purchased
            },
        }

    def decide(self, projects: dict[str, Row], orders: dict[str, Row], rows: list[Row], desk: dict[str, Any]):
        """Each row's fate; the records to create and the changes to make."""
        new_projects: dict[str, Project] = {}
        changed_projects: dict[str, tuple[Project, list[str]]] = {}
        for number, first in projects.items():
            v = first.values
            project = desk["projects"].get(number)
            if project is None:
                new_projects[number] = Project(
                    number=number,
                    name=v["project_name"],
                    client=v["client"],
                    order_rep=v["order_rep"],
                    production_rep=v["production_rep"],
                    invoicing_rep=v["invoicing_rep"],
                )
                continue
            if project.client_id != v["client"].pk:
                for row in rows:
                    if row.values["project_number"] == number:
                        self.refuse(
                            row.line,
                            "project_number",
                            f"{number} is the desk's project {project.name} for {project.client.name}, not "
                            f"{v['client'].name}: a number in use is never given to another project",
                        )
                continue
            changes = []
            if project.name != v["project_name"]:
                changes.append(f"{self.columns['project_name'].header}: {project.name} → {v['project_name']}")
                project.name = v["project_name"]
            for name in ("order_rep", "production_rep", "invoicing_rep"):
                # Compared by id: reading each rep of each project would cost a query apiece.
                if getattr(project, f"{name}_id") != v[name].pk:
                    old = User.objects.get(pk=getattr(project, f"{name}_id")).username
                    changes.append(f"{self.columns[name].header}: {old} → {v[name].username}")
                    setattr(project, name, v[name])
            if changes:
                changed_projects[number] = (project, changes)

        new_orders: dict[str, SalesOrder] = {}
        changed_orders: dict[str, tuple[SalesOrder, list[str]]] = {}
        for number, first in orders.items():
            v = first.values
            order = desk["orders"].get(number)
            if order is None:
                new_orders[number] = SalesOrder(
                    number=number,
                    status=v["status"],
                    in_hands_date=v["in_hands_date"],
                    client_po_number=v["client_po_number"],
                )
                continue
            if order.project.number != v["project_number"]:
                for row in rows:
                    if row.values["so_number"] == number:
                        self.refuse(
                            row.line,
                            "so_number",
                            f"{number} is the desk's order of {order.project.number}, not of "
                            f"{v['project_number']}: a number in use is never given to another order",
                        )
                continue
            changes = []
            for name in ("status", "in_hands_date", "client_po_number"):
                old, new = getattr(order, name), v[name]
                if old != new:
                    if name == "status":
                        old, new = order.get_status_display(), SalesOrder.Status(new).label
                    changes.append(change_text(self.columns[name].header, old, new))
                    setattr(order, name, v[name])
            if changes:
                changed_orders[number] = (order, changes)

        kept = [row for row in rows if row.line not in self.plan.refusals]
        # Items, and what each row changes.
        seen_project: set[str] = set()
        seen_order: set[str] = set()
        fates = []
        for row in kept:
            v = row.values
            item = desk["items"].get(row.key)
            # A project's or an order's changes are told on (and stand or fall with) its first row kept.
            project_changes: list[str] = []
            if v["project_number"] not in seen_project:
                project_changes = changed_projects.get(v["project_number"], (None, []))[1]
            order_changes: list[str] = []
            if v["so_number"] not in seen_order:
                order_changes = changed_orders.get(v["so_number"], (None, []))[1]
            item_changes = []
            if item is None:
                item = SalesOrderItem(position=row.key[1] - 1)
                for name in ITEM_FIELDS:
                    setattr(item, name, v[name])
            else:
                for name in ITEM_FIELDS:
                    if name == "supplier":
                        # Compared by id: reading each item's supplier would cost a query apiece.
                        new_id = v[name].pk if v[name] else None
                        if item.supplier_id == new_id:
                            continue
                        old = item.supplier.name if item.supplier_id else ""
                        item_changes.append(change_text(self.columns[name].header, old, v[name] or ""))
                        item.supplier = v[name]
                        continue
                    old, new = getattr(item, name), v[name]
                    if old != new:
                        item_changes.append(change_text(self.columns[name].header, old, new))
                        setattr(item, name, new)
            order = desk["orders"].get(v["so_number"])
            if order is not None and order.pk in desk["fixed"] and (order_changes or item_changes or item.pk is None):
                what = "; ".join(order_changes + item_changes) or f"a new line {row.key[1]}"
                self.refuse(
                    row.line,
                    "so_number",
                    f"{v['so_number']} has {desk['fixed'][order.pk]}: an import never changes such an order "
                    f"(the file changes {what})",
                )
                continue
            seen_project.add(v["project_number"])
            seen_order.add(v["so_number"])
            carries = (bool(project_changes), bool(order_changes))
            changes = project_changes + order_changes + item_changes
            fates.append((row, item, changes, bool(item_changes) or item.pk is None, carries))

        # Each order's total with tax must fit the money columns, as sales_order_create checks.
        totals: dict[str, Decimal] = defaultdict(Decimal)
        in_file = {row.key for row, *_ in fates}
        for key, item in desk["items"].items():
            if key not in in_file:
                totals[key[0]] += line_amount(item.quantity, item.unit_price) * (1 + item.tax_rate / 100)
        for row, item, *_ in fates:
            amount = line_amount(item.quantity, item.unit_price)
            totals[row.key[0]] += amount + line_tax(amount, item.tax_rate)
        too_big = {number for number, total in totals.items() if order_total_refusal(total)}
        result = []
        applied_projects, applied_orders = set(), set()
        for row, item, changes, item_changed, (carries_project, carries_order) in fates:
            if row.key[0] in too_big:
                self.refuse(row.line, "so_number", f"{row.key[0]}: {order_total_refusal(totals[row.key[0]])}")
                continue
            label = f"{row.key[0]} line {row.key[1]}: {item.description}"
            if item.pk is None:
                self.plan.created.append((row.line, label, changes or [f"{row.values['project_number']}"], item))
            elif changes:
                self.plan.updated.append((row.line, label, changes, item))
            else:
                self.plan.unchanged.append((row.line, label))
            result.append((row, item, item_changed))
            if carries_project:
                applied_projects.add(row.values["project_number"])
            if carries_order:
                applied_orders.add(row.values["so_number"])
        # Only what a row kept carries is written: a refused row's project or order stays as it is.
        changed_projects = {n: change for n, change in changed_projects.items() if n in applied_projects}
        changed_orders = {n: change for n, change in changed_orders.items() if n in applied_orders}
        return new_projects, changed_projects, new_orders, changed_orders, result

    # --- writing --------------------------------------------------------------------------------------

    def write(self, decided, *, by: User | None, file_name: str) -> None:
        new_projects, changed_projects, new_orders, changed_orders, result = decided
        used_projects = {row.values["project_number"] for row, *_ in result}
        used_orders = {row.values["so_number"] for row, *_ in result}
        new_projects = {n: p for n, p in new_projects.items() if n in used_projects}
        new_orders = {n: o for n, o in new_orders.items() if n in used_orders}
        Project.objects.bulk_create(new_projects.values(), batch_size=2000)
        if changed_projects:
            Project.objects.bulk_update(
                [p for p, _ in changed_projects.values()], ["name", "order_rep", "production_rep", "invoicing_rep"]
            )
        project_of = {row.values["so_number"]: row.values["project_number"] for row, *_ in result}
        projects = {**new_projects, **{n: p for n, (p, _) in changed_projects.items()}}
        missing = set(project_of.values()) - set(projects)
        projects.update({p.number: p for p in Project.objects.filter(number__in=missing)})
        for number, order in new_orders.items():
            order.project = projects[project_of[number]]
        SalesOrder.objects.bulk_create(new_orders.values(), batch_size=2000)
        if changed_orders:
            SalesOrder.objects.bulk_update(
                [o for o, _ in changed_orders.values()], ["status", "in_hands_date", "client_po_number", "updated_at"]
            )
        orders = {**new_orders, **{n: o for n, (o, _) in changed_orders.items()}}
        missing = used_orders - set(orders)
        orders.update({o.number: o for o in SalesOrder.objects.filter(number__in=missing).select_related("project")})
        new_items, changed_items = [], []
        changed_order_numbers = set(changed_orders)
        for row, item, changed in result:
            if item.pk is None:
                item.sales_order = orders[row.key[0]]
                new_items.append(item)
                if row.key[0] not in new_orders:
                    changed_order_numbers.add(row.key[0])
            elif changed:
                changed_items.append(item)
                changed_order_numbers.add(row.key[0])
        SalesOrderItem.objects.bulk_create(new_items, batch_size=5000)
        if changed_items:
            SalesOrderItem.objects.bulk_update(changed_items, [*ITEM_FIELDS], batch_size=2000)
        # The activity log: each project and order marked as imported, with the file's name.
        project_type = ContentType.objects.get_for_model(Project)
        order_type = ContentType.objects.get_for_model(SalesOrder)
        detail = f"from {file_name}"
        activities = [
            Activity(
                project=p,
                actor=by,
                subject_type=project_type,
                subject_id=p.pk,
                subject_label=str(p)[:100],
                verb="imported",
                detail=detail,
            )
            for p in new_projects.values()
        ]
        activities += [
            Activity(
                project=o.project,
                actor=by,
                subject_type=order_type,
                subject_id=o.pk,
                subject_label=o.number,
                verb="imported",
                to_value=o.get_status_display(),
                detail=detail,
            )
            for o in new_orders.values()
        ]
        activities += [
            Activity(
                project=orders[n].project,
                actor=by,
                subject_type=order_type,
                subject_id=orders[n].pk,
                subject_label=n,
                verb="changed by import",
                detail=detail,
            )
            for n in sorted(changed_order_numbers)
        ]
        activities += [
            Activity(
                project=p,
                actor=by,
                subject_type=project_type,
                subject_id=p.pk,
                subject_label=str(p)[:100],
                verb="changed by import",
                detail=f"{detail}: {', '.join(changes)}"[:2000],
            )
            for p, changes in changed_projects.values()
        ]
        Activity.objects.bulk_create(activities, batch_size=5000)


def _advance(prefix: str, numbers: list[str]) -> None:
    """Continue the desk's sequence after the highest number imported (its row locked until commit)."""
    advance("projects.NumberSequence", prefix, max((number_value(number) for number in numbers), default=0))


import_orders = importer(OrdersImport)

"""Bulk history for the demo and the benchmarks: invoices over past years, written in chunks with the counters kept."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models.functions import Length
from django.utils import timezone

from core import locks
from core.money import line_amount, line_tax
from invoicing.models import Invoice, InvoiceLine, Payment, PaymentMethod
from invoicing.services.issue import SEQUENCE_NAME, invoice_line_for, invoice_number
from projects.models import Client, Project, SalesOrder, SalesOrderItem
from reports.demo.data import (
    CATALOG,
    CHUNK_INVOICES,
    HISTORY_DAYS,
    OTHER_ORDER_REPS,
    PROJECT_NAMES,
    SERVICES,
    TAX_RATES,
)


@dataclass
class _Order:
    """One sales order of the history and the invoices it gets, before anything is written."""

    project: int  # index into the chunk's projects
    client: Client
    items: list[SalesOrderItem]
    invoices: list[tuple[Invoice, list[tuple[int, int]]]] = field(default_factory=list)  # (invoice, [(item, qty)])
    status: str = SalesOrder.Status.INVOICED


class History:
    """Write issued invoices with their projects, orders and items, consistent with the services' rules."""

    def __init__(self, *, users: dict[str, User], rng: random.Random, today: date, stdout):
        self.rng = rng
        self.today = today
        self.stdout = stdout
        self.order_reps = [users["sam.sales"], *(users[name] for name, _f, _l in OTHER_ORDER_REPS)]
        self.production_rep = users["pat.production"]
        self.invoicing_reps = [users["ivy.invoicing"], users["ivy.invoicing"], users["max.manager"]]
        self.clients = list(Client.objects.order_by("name"))
        if not self.clients:
            raise CommandError("The history needs clients; load the demo first.")
        self.project_number = _last_number(Project, "P-")
        self.order_number = _last_number(SalesOrder, "SO-")

    def add(self, count: int) -> None:
        done = 0
        self._progress(done, count)
        while done < count:
            size = min(CHUNK_INVOICES, count - done)
            self._chunk(first=done, size=size, total=count)
            done += size
            self._progress(done, count)
        self.stdout.write("")

    def _progress(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        self.stdout.write(f"\r  {percent:3d}% {done}/{total}", ending="")
        self.stdout.flush()

    def _date_for(self, position: int, total: int) -> date:
        # Spread the history evenly over the period, oldest first, with a little jitter.
        day = HISTORY_DAYS - (HISTORY_DAYS * position) // max(total, 1) + self.rng.randint(-3, 3)
        return self.today - timedelta(days=min(max(day, 0), HISTORY_DAYS))

    @transaction.atomic
    def _chunk(self, *, first: int, size: int, total: int) -> None:
        rng = self.rng
        orders: list[_Order] = []
        projects: list[Project] = []
        planned = 0
        while planned < size:
            if not projects or rng.random() < 0.6:
                client = rng.choice(self.clients)
                self.project_number += 1
                projects.append(
                    Project(
                        number=f"P-{self.project_number}",
                        name=f"{client.name.split()[0]} {rng.choice(PROJECT_NAMES)}",
                        client=client,
                        order_rep=rng.choice(self.order_reps),
                        production_rep=self.production_rep,
                        invoicing_rep=self.invoicing_reps[0],
                    )
                )
            order = self._plan_order(
                project=len(projects) - 1,
                client=projects[-1].client,
                position=first + planned,
                total=total,
                room=size - planned,
            )
            orders.append(order)
            planned += len(order.invoices)

        Project.objects.bulk_create(projects, batch_size=1000)
        sales_orders = []
        for order in orders:
            self.order_number += 1
            sales_orders.append(
                SalesOrder(number=f"SO-{self.order_number}", project=projects[order.project], status=order.status)
            )
        SalesOrder.objects.bulk_create(sales_orders, batch_size=1000)
        items = []
        for order, sales_order in zip(orders, sales_orders, strict=True):
            for item in order.items:
                item.sales_order = sales_order
                items.append(item)
        SalesOrderItem.objects.bulk_create(items, batch_size=1000)

        # Numbers are taken under the sequence's row lock, in this transaction, so they stay gapless.
        sequence = locks.lock_number_sequence("invoicing.InvoiceNumberSequence", SEQUENCE_NAME)
        invoices, lines = [], []
        for order, sales_order in zip(orders, sales_orders, strict=True):
            for invoice, invoice_lines in order.invoices:
                sequence.last_value += 1
                invoice.sequence_number = sequence.last_value
                invoice.number = invoice_number(sequence.last_value)
                invoice.sales_order = sales_order
                invoices.append(invoice)
                for position, quantity in invoice_lines:
                    lines.append(invoice_line_for(invoice=invoice, item=order.items[position], quantity=quantity))
        sequence.save(update_fields=["last_value"])
        Invoice.objects.bulk_create(invoices, batch_size=1000)
        InvoiceLine.objects.bulk_create(lines, batch_size=2000)
        # A paid invoice of the history was paid in full, by one payment: its counter, its payments and
        # the AR aging agree, as they do for an invoice paid through the services.
        Payment.objects.bulk_create(
            (
                Payment(
                    invoice=invoice,
                    date=timezone.localdate(invoice.paid_at),
                    amount=invoice.total,
                    method=PaymentMethod.ACH,
                    reference=f"Remittance {invoice.number}",
                    recorded_by=invoice.issued_by,
                )
                for invoice in invoices
                if invoice.status == Invoice.Status.PAID
            ),
            batch_size=2000,
        )

    def _plan_order(self, *, project: int, client: Client, position: int, total: int, room: int) -> _Order:
        """Choose an order's items and invoices; the items' counters follow from the invoices."""
        rng = self.rng
        items = self._items()
        order = _Order(project=project, client=client, items=items)
        first_date = self._date_for(position, total)
        age = (self.today - first_date).days
        splittable = any(item.quantity > 1 for item in items)
        roll = rng.random()
        if room >= 2 and splittable and roll < 0.30 and age >= 10:
            # Partial now, the backordered rest later.
            partial = self._split(items)
            later = min(first_date + timedelta(days=rng.randint(7, 45)), self.today)
            self._issue(order, partial, first_date, final=False)
            rest = [(i, item.quantity - dict(partial).get(i, 0)) for i, item in enumerate(items)]
            self._issue(order, [(i, q) for i, q in rest if q > 0], later, final=True)
        elif room >= 2 and roll < 0.38:
            # Issued, voided (say, billed to the wrong office), and issued again.
            everything = [(i, item.quantity) for i, item in enumerate(items)]
            self._issue(order, everything, first_date, final=True, void=True)
            self._issue(order, everything, min(first_date + timedelta(days=rng.randint(0, 5)), self.today), final=True)
        elif splittable and roll < 0.52:
            # Partial only: the rest is still awaited, or was never billed and the order closed.
            self._issue(order, self._split(items), first_date, final=False)
            order.status = SalesOrder.Status.READY_TO_BE_INVOICED if age < 60 else SalesOrder.Status.CLOSED
        else:
            self._issue(order, [(i, item.quantity) for i, item in enumerate(items)], first_date, final=True)
        return order

    def _items(self) -> list[SalesOrderItem]:
        rng = self.rng
        count = rng.choices([1, 2, 3, 4, 5], weights=[30, 30, 20, 12, 8])[0]
        products = rng.sample(CATALOG, k=min(count, len(CATALOG)))
        items = []
        tax_rate = rng.choice(TAX_RATES)
        for position, (description, (low, high), quantities) in enumerate(products):
            if position == count - 1 and count > 1 and rng.random() < 0.5:
                description, (low, high) = rng.choice(SERVICES)
                quantity, kind = 1, SalesOrderItem.Kind.SERVICE
            else:
                quantity, kind = rng.choice(quantities), SalesOrderItem.Kind.PRODUCT
            price = Decimal(rng.randint(int(low * 100), int(high * 100))) / 100
            items.append(
                SalesOrderItem(
                    position=position,
                    kind=kind,
                    description=description,
                    quantity=quantity,
                    unit_price=price,
                    unit_cost=(price * Decimal("0.55")).quantize(Decimal("0.01")),
                    tax_rate=tax_rate,
                )
            )
        return items

    def _split(self, items: list[SalesOrderItem]) -> list[tuple[int, int]]:
        """What a partial invoice bills: part of one multi-unit item, and some or all of the others."""
        rng = self.rng
        short = rng.choice([i for i, item in enumerate(items) if item.quantity > 1])
        lines = []
        for i, item in enumerate(items):
            if i == short:
                lines.append((i, max(1, int(item.quantity * rng.uniform(0.3, 0.8)))))
            elif rng.random() < 0.85:
                lines.append((i, item.quantity))
        return lines

    def _issue(self, order: _Order, lines: list[tuple[int, int]], on: date, *, final: bool, void: bool = False):
        rng = self.rng
        age = (self.today - on).days
        if void:
            status = Invoice.Status.VOID
        elif age > 60:
            status = rng.choices(["paid", "exported", "sent_to_client"], weights=[80, 15, 5])[0]
        else:
            status = rng.choices(["open", "sent_to_client", "exported", "paid"], weights=[30, 40, 10, 20])[0]
        subtotal = tax = Decimal("0.00")
        for position, quantity in lines:
            item = order.items[position]
            amount = line_amount(quantity, item.unit_price)
            subtotal += amount
            tax += line_tax(amount, item.tax_rate)
            if not void:
                item.invoiced_quantity += quantity
        client = order.client
        emailed = status == Invoice.Status.SENT_TO_CLIENT
        paid_on = min(on + timedelta(days=client.terms_days), self.today)
        paid_at = timezone.make_aware(datetime.combine(paid_on, time(11))) if status == Invoice.Status.PAID else None
        sent_at = timezone.make_aware(datetime.combine(on, time(10))) if emailed else None
        invoice = Invoice(
            client=client,
            date=on,
            due_date=on + timedelta(days=client.terms_days),
            bill_to_name=client.name,
            bill_to_address=client.billing_address,
            bill_to_email=client.billing_email,
            sent_at=sent_at,
            email_state=Invoice.EmailState.SENT if emailed else Invoice.EmailState.NOT_REQUESTED,
            email_sent_at=sent_at,
            kind=Invoice.Kind.FINAL if final else Invoice.Kind.PARTIAL,
            status=status,
            subtotal=subtotal,
            tax=tax,
            total=subtotal + tax,
            paid_amount=subtotal + tax if paid_at else Decimal("0.00"),
            paid_at=paid_at,
            issued_by=rng.choice(self.invoicing_reps),
            void_reason="Billed to the wrong office." if void else "",
        )
        order.invoices.append((invoice, lines))


def _last_number(model, prefix: str) -> int:
    """The highest number after the prefix; compared by length first, since P-10000 sorts before P-9999."""
    numbers = (
        model.objects.filter(number__startswith=prefix)
        .annotate(length=Length("number"))
        .order_by("-length", "-number")
        .values_list("number", flat=True)
    )
    for number in numbers[:50]:
        if number[len(prefix) :].isdigit():
            return int(number[len(prefix) :])
    return 1000

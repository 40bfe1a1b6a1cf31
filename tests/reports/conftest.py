"""Invoices issued through the services for the reports: several clients, reps, dates, kinds and statuses."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from invoicing.models import Invoice
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.marks import invoice_status_change
from invoicing.services.void import invoice_void
from projects.models import Client, SalesOrder
from tests.factories import (
    ClientFactory,
    ProjectFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every project the factories make brings users; hashing their passwords properly is the slowest step.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def signed_in(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


@pytest.fixture
def as_manager(manager):
    return signed_in(manager)


@pytest.fixture
def as_invoicing(invoicing_rep):
    return signed_in(invoicing_rep)


@dataclass
class Desk:
    """What the report tests issue invoices with."""

    invoicing_rep: object
    production_rep: object
    manager: object

    def order(self, *, client: Client, rep, prices=("10.00",), quantity: int = 10, tax: str = "8.25") -> SalesOrder:
        order = SalesOrderFactory(
            project=ProjectFactory(
                client=client, order_rep=rep, production_rep=self.production_rep, invoicing_rep=self.invoicing_rep
            ),
            status=SalesOrder.Status.READY_TO_BE_INVOICED,
        )
        for position, price in enumerate(prices):
            SalesOrderItemFactory(
                sales_order=order,
                quantity=quantity,
                unit_price=Decimal(price),
                tax_rate=Decimal(tax),
                position=position,
            )
        return order

    def invoice(self, order: SalesOrder, *, on: date, quantities: list[int] | None = None, status: str = "") -> Invoice:
        """Issue an invoice for the given quantities of the order's items in order (all that remains if None)."""
        items = list(order.items.order_by("position"))
        lines = [
            LineRequest(item, quantity)
            for item, quantity in zip(items, quantities or [item.remaining_quantity for item in items], strict=False)
            if quantity
        ]
        order.refresh_from_db()
        invoice = invoice_create(sales_order=order, lines=lines, by=self.invoicing_rep, invoice_date=on)
        if status == Invoice.Status.VOID:
            invoice_void(invoice=invoice, reason="Wrong client office", by=self.manager)
        elif status:
            invoice_status_change(invoice=invoice, status=status, by=self.invoicing_rep)
        return invoice


@pytest.fixture
def desk(invoicing_rep, production_rep, manager) -> Desk:
    return Desk(invoicing_rep=invoicing_rep, production_rep=production_rep, manager=manager)


def month_start(months_ago: int, today: date | None = None) -> date:
    today = today or timezone.localdate()
    year, month = divmod(today.year * 12 + today.month - 1 - months_ago, 12)
    return date(year, month + 1, 1)


@dataclass
class ReportData:
    acme: Client
    globex: Client
    rep_a: object
    rep_b: object
    invoices: dict[str, Invoice]
    orders: dict[str, SalesOrder]


@pytest.fixture
def report_data(desk) -> ReportData:
    """Five invoices on three orders for two clients and two reps, over this month and the last two.

    - SO a (Acme, rep A): partial of 4 of 10 × 10.00 two months ago (paid), final of 6 last month.
    - SO b (Acme, rep B): partial of 5 of 10 × 20.00 last month; 5 remain (100.00).
    - SO c (Globex, rep A): one invoice of all 10 × 7.50 this month, voided; then 3 re-invoiced (open).
    """
    acme = ClientFactory(name="Acme Promotions")
    globex = ClientFactory(name="Globex Events")
    rep_a = UserFactory(username="ann", first_name="Ann", last_name="Archer", roles=["Sales"])
    rep_b = UserFactory(username="bob", first_name="Bob", last_name="Baker", roles=["Sales"])
    a = desk.order(client=acme, rep=rep_a, prices=["10.00"])
    b = desk.order(client=acme, rep=rep_b, prices=["20.00"])
    c = desk.order(client=globex, rep=rep_a, prices=["7.50"], tax="0.00")
    today = timezone.localdate()
    invoices = {
        "a_partial": desk.invoice(a, on=month_start(2) + timedelta(days=3), quantities=[4], status="paid"),
        "a_final": desk.invoice(a, on=month_start(1) + timedelta(days=9)),
        "b_partial": desk.invoice(b, on=month_start(1) + timedelta(days=20), quantities=[5]),
        "c_void": desk.invoice(c, on=today, status="void"),
        "c_partial": desk.invoice(c, on=today, quantities=[3]),
    }
    return ReportData(acme, globex, rep_a, rep_b, invoices, {"a": a, "b": b, "c": c})

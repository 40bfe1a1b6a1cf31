"""Colleagues writing money on the same orders at the same moment, through the API, on real PostgreSQL.

Every write that touches money takes its row locks in one order (core/locks.py), so none deadlocks;
whatever still fails for a moment is tried again once (core/transactions.py). Each request is done or
refused with a 409 (the state changed) or a 400 (a colleague's change made the input invalid), with a
message; none answers 500, and the books still add up afterwards.
"""

import logging
import random
import re
import threading
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from backorders.models import Backorder
from invoicing.models import CreditNote, Invoice, InvoiceLine, Payment
from invoicing.services.issue import LineRequest, invoice_create
from projects.models import SalesOrder, SalesOrderItem
from purchasing.models import STAGE_ORDER, PurchaseOrder, PurchaseOrderItem
from reports.books import drifts_of, items_drifted
from tests.api.conftest import token_client
from tests.conftest import need_service
from tests.core.test_concurrency import run_at_once
from tests.factories import (
    ProjectFactory,
    PurchaseOrderFactory,
    PurchaseOrderItemFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    UserFactory,
    goods_ready,
)


@pytest.fixture
def on_postgres(transactional_db, settings):
    need_service(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _desk(user):
    """One colleague's own API client; a server error comes back as a 500 to count, not raised."""
    client = token_client(user)
    client.raise_request_exception = False
    return client


def _issued_invoice(invoicing_rep) -> Invoice:
    """INV-000001 for 100 caps at 10.00 on SO-9001, no tax: 1,000.00 owed."""
    order = SalesOrderFactory(number="SO-9001", status=SalesOrder.Status.READY_TO_BE_INVOICED)
    SalesOrderItemFactory(sales_order=order, description="Cap", quantity=100, unit_price=Decimal("10.00"), tax_rate=0)
    response = token_client(invoicing_rep).post("/api/invoices/", {"sales_order": order.pk}, format="json")
    assert response.status_code == 201, response.content
    return Invoice.objects.get(pk=response.json()["id"])


def test_five_payments_and_five_credit_notes_on_one_invoice_at_once_answer_no_500(on_postgres):
    # given an issued invoice, five invoicing reps and five managers at their desks
    invoicing_rep = UserFactory(username="ivy", roles=["Invoicing"])
    invoice = _issued_invoice(invoicing_rep)
    line = invoice.lines.get()
    reps = [_desk(UserFactory(username=f"rep{i}", roles=["Invoicing"])) for i in range(5)]
    managers = [_desk(UserFactory(username=f"manager{i}", roles=["Managers"])) for i in range(5)]

    def work(index: int):
        # when each records a payment of 10.00 or credits one cap, all at the same moment, three times over
        answers = []
        for _ in range(3):
            if index % 2:
                answers.append(
                    reps[index // 2].post(
                        f"/api/invoices/{invoice.pk}/payments/",
                        {"amount": "10.00", "method": "ach"},
                        format="json",
                    )
                )
            else:
                answers.append(
                    managers[index // 2].post(
                        f"/api/invoices/{invoice.pk}/credit-notes/",
                        {"lines": [{"invoice_line": line.pk, "quantity": 1}], "reason": "One cap came back"},
                        format="json",
                    )
                )
        return [answer.status_code for answer in answers]

    results = run_at_once(work, 10)

    # then every one is recorded: nobody gets an error page
    assert all(isinstance(result, list) for result in results), results
    codes = Counter(code for result in results for code in result)
    print(f"\n5 payments + 5 credit notes at once, 3 rounds: {dict(codes)}")
    assert codes == {201: 30}, codes
    invoice.refresh_from_db()
    assert invoice.paid_amount == Decimal("150.00") == sum(p.amount for p in Payment.objects.filter(invoice=invoice))
    assert invoice.credited_amount == Decimal("150.00") == sum(n.total for n in invoice.credit_notes.all())


# --- the storm: every money write, from 20 colleagues, over 10 rounds, on three orders ------------------------

THREADS = 20
ROUNDS = 10
ACTIONS = (
    "issue",
    "issue a draft",
    "void",
    "payment",
    "take back a payment",
    "credit whole",
    "credit by line",
    "mark exported",
    "mark paid",
    "undo a mark",
    "export",
    "flag a backorder",
    "resolve",
    "PO stage move",
)
# What a 409 names: the invoice, order or PO by number, or the backorder, payment or export it was about.
NAMES_WHAT_CHANGED = re.compile(r"(INV|SO|PO|CN)-\d+|[Bb]ackorder|payment|invoices chosen for export")


class RetryCount(logging.Handler):
    """Count the money writes tried again after a deadlock, and those that gave up."""

    def __init__(self):
        super().__init__(level=logging.INFO)
        self.retried = 0
        self.gave_up = 0

    def emit(self, record):
        message = record.getMessage()
        self.retried += "trying again" in message
        self.gave_up += "gave up" in message


def _storm_order(index: int) -> SalesOrder:
    """SO-910x, Ready to be Invoiced: 300 mugs on a shipped PO, 120 caps on a confirmed one, a setup charge."""
    project = ProjectFactory(number=f"P-{9100 + index}", name=f"Storm {index}")
    order = SalesOrderFactory(number=f"SO-{9100 + index}", project=project, status=SalesOrder.Status.IN_PRODUCTION)
    mugs = SalesOrderItemFactory(
        sales_order=order, description="Mug", quantity=300, unit_price=Decimal("4.25"), position=0
    )
    caps = SalesOrderItemFactory(
        sales_order=order, description="Cap", quantity=120, unit_price=Decimal("3.33"), position=1
    )
    SalesOrderItemFactory(
        sales_order=order,
        kind=SalesOrderItem.Kind.SERVICE,
        description="Setup",
        quantity=1,
        unit_price=Decimal("65.00"),
        position=2,
    )
    shipped = PurchaseOrderFactory(
        number=f"PO-{9100 + 2 * index}", sales_order=order, stage=PurchaseOrder.Stage.SHIPPED
    )
    PurchaseOrderItemFactory(purchase_order=shipped, sales_order_item=mugs, quantity=300)
    confirmed = PurchaseOrderFactory(
        number=f"PO-{9101 + 2 * index}", sales_order=order, stage=PurchaseOrder.Stage.CONFIRMED
    )
    PurchaseOrderItemFactory(purchase_order=confirmed, sales_order_item=caps, quantity=120)
    goods_ready(order.pk)
    return order


class Colleague:
    """One person at their desk: their own API client (and so their own database connection)."""

    def __init__(self, client, index: int, orders: list[SalesOrder]):
        self.api = client
        self.draw = random.Random(index)  # noqa: S311 - a reproducible mix of requests, not a secret
        self.orders = orders
        self.payment: Payment | None = None  # the last one this colleague tried to take back

    def _pick(self, queryset):
        rows = list(queryset.order_by("pk"))
        return self.draw.choice(rows) if rows else None

    def _issued(self, order, *statuses):
        invoices = Invoice.objects.filter(sales_order=order).exclude(status__in=[Invoice.Status.DRAFT])
        return self._pick(invoices.filter(status__in=statuses) if statuses else invoices)

    def act(self, action: str):
        """Make the request; None when the order has nothing this action could be tried on yet."""
        order = self.draw.choice(self.orders)
        post = self.api.post
        if action == "issue":
            return post("/api/invoices/", {"sales_order": order.pk}, format="json")
        if action == "issue a draft":
            saved = post("/api/invoices/", {"sales_order": order.pk, "draft": True}, format="json")
            if saved.status_code != 201:
                return saved
            return post(f"/api/invoices/{saved.json()['id']}/issue/", format="json")
        if action == "void":
            invoice = self._issued(order, Invoice.Status.OPEN, Invoice.Status.SENT_TO_CLIENT)
            return invoice and post(f"/api/invoices/{invoice.pk}/void/", {"reason": "Storm"}, format="json")
        if action == "payment":
            invoice = self._issued(order)
            if invoice is None:
                return None
            amount = min(invoice.balance_due, Decimal(self.draw.choice(["10.00", "25.00", "80.00"])))
            body = {"amount": str(amount if amount > 0 else Decimal("10.00")), "method": "ach"}
            return post(f"/api/invoices/{invoice.pk}/payments/", body, format="json")
        if action == "take back a payment":
            payment = self._pick(Payment.objects.filter(invoice__sales_order=order))
            self.payment = payment
            return payment and post(f"/api/payments/{payment.pk}/undo/", {"reason": "Storm"}, format="json")
        if action == "credit whole":
            invoice = self._issued(order)
            body = {"whole": True, "reason": "Storm"}
            return invoice and post(f"/api/invoices/{invoice.pk}/credit-notes/", body, format="json")
        if action == "credit by line":
            line = self._pick(InvoiceLine.objects.filter(invoice__sales_order=order).exclude(invoice__status="draft"))
            if line is None:
                return None
            body = {"lines": [{"invoice_line": line.pk, "quantity": self.draw.randint(1, 3)}], "reason": "Storm"}
            return post(f"/api/invoices/{line.invoice_id}/credit-notes/", body, format="json")
        if action in ("mark exported", "mark paid"):
            invoice = self._issued(order)
            body = {"status": action.removeprefix("mark ")}
            return invoice and post(f"/api/invoices/{invoice.pk}/status/", body, format="json")
        if action == "undo a mark":
            invoice = self._issued(order, Invoice.Status.EXPORTED, Invoice.Status.PAID)
            return invoice and post(f"/api/invoices/{invoice.pk}/undo/", {"reason": "Storm"}, format="json")
        if action == "export":
            ids = list(Invoice.objects.filter(sales_order=order).exclude(status="draft").values_list("pk", flat=True))
            body = {"format": "quickbooks_online", "invoices": ids, "include_exported": True}
            return ids and post("/api/invoices/export/", body, format="json")
        if action == "flag a backorder":
            item = self._pick(PurchaseOrderItem.objects.filter(purchase_order__sales_order=order))
            body = {
                "status": "problem",
                "items": [
                    {
                        "purchase_order_item": item.pk,
                        "quantity": self.draw.randint(1, 20),
                        "expected_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
                        "reason": "Storm",
                    }
                ],
                "note": "Short in the storm",
            }
            return post(f"/api/purchase-orders/{item.purchase_order_id}/backorders/", body, format="json")
        if action == "resolve":
            backorder = self._pick(Backorder.objects.filter(purchase_order__sales_order=order, status="open"))
            return backorder and post(f"/api/backorders/{backorder.pk}/resolve/", {}, format="json")
        if action == "PO stage move":
            po = self._pick(PurchaseOrder.objects.filter(sales_order=order))
            later = STAGE_ORDER[STAGE_ORDER.index(po.stage) + 1 :]
            # Forward by a step; a billed PO is moved back by its manager, so the storm goes on.
            stage = later[0] if later else PurchaseOrder.Stage.CONFIRMED
            return post(f"/api/purchase-orders/{po.pk}/stage/", {"stage": stage}, format="json")
        raise AssertionError(action)


def _refusal_is_explained(code: int, body) -> bool:
    if code == 404:  # the payment was taken back (deleted) by a colleague first: it names nothing any more
        return isinstance(body, dict) and "Payment" in body.get("detail", "")
    if code == 409:
        return isinstance(body, dict) and bool(NAMES_WHAT_CHANGED.search(body.get("detail", "")))
    # 400: each message under the field it is about.
    return bool(body) and all(isinstance(messages, list) and all(messages) for messages in body.values())


def test_a_storm_of_every_money_write_keeps_the_books(on_postgres, caplog):
    orders = [_storm_order(index) for index in range(3)]
    # Something to pay, credit and mark from the first round on.
    ivy = UserFactory(username="ivy", roles=["Invoicing"])
    for order in orders:
        invoice_create(sales_order=order, lines=[LineRequest(order.items.get(position=0), 100)], by=ivy)
    colleagues = []
    for index in range(THREADS):
        colleagues.append(Colleague(_desk(UserFactory(username=f"storm{index}", roles=["Managers"])), index, orders))
    counter = RetryCount()
    logging.getLogger("core.transactions").addHandler(counter)
    rounds = threading.Barrier(THREADS)

    def work(index: int) -> list[tuple[str, int, object]]:
        colleague, answers = colleagues[index], []
        for round_ in range(ROUNDS):
            rounds.wait(timeout=120)  # every round starts at the same moment for all twenty
            action = ACTIONS[(index + round_) % len(ACTIONS)]
            response = colleague.act(action)
            if response is None:
                action, response = "issue", colleague.act("issue")
            if response.get("Content-Type", "").startswith("application/json"):
                body = response.json()
            else:  # the export's file
                body = b"".join(response.streaming_content) if response.streaming else response.content
            gone = action == "take back a payment" and not Payment.objects.filter(pk=colleague.payment.pk).exists()
            answers.append((action, response.status_code, body, gone))
        return answers

    try:
        results = run_at_once(work, THREADS)
    finally:
        logging.getLogger("core.transactions").removeHandler(counter)

    # A thread that raised breaks the round barrier for the others: show its own error first.
    failed = [result for result in results if not isinstance(result, list)]
    assert not failed, [repr(e) for e in failed if not isinstance(e, threading.BrokenBarrierError)] or failed
    answers = [answer for result in results for answer in result]
    assert len(answers) == THREADS * ROUNDS
    outcomes = Counter((action, code) for action, code, _, _ in answers)
    print(f"\nMoney storm: {THREADS} colleagues x {ROUNDS} rounds on {len(orders)} orders, through the API")
    for action in ACTIONS:
        codes = {code: count for (done, code), count in sorted(outcomes.items()) if done == action}
        print(f"  {action:<20} {codes}")
    by_code = Counter(code for _, code, _, _ in answers)
    print(f"  all answers          {dict(sorted(by_code.items()))}")
    print(f"  tried again after a deadlock: {counter.retried}; refused after a second one: {counter.gave_up}")

    # No server error, and every refusal is a 409 (the state changed) or a 400 (the input no longer fits),
    # explained: a 409 names what it is about, a 400 names the field.
    assert not [answer for answer in answers if answer[1] >= 500], [a for a in answers if a[1] >= 500]
    refusals = [answer for answer in answers if answer[1] >= 300]
    # The one 404 a colleague can meet: a payment taken back by someone else a moment before (payments
    # taken back are deleted, so the id names nothing any more).
    assert all(code in (400, 409) or (code == 404 and gone) for _, code, _, gone in refusals), refusals
    unexplained = [answer for answer in refusals if not _refusal_is_explained(answer[1], answer[2])]
    assert not unexplained, unexplained
    assert sum(code < 300 for _, code, _, _ in answers) >= THREADS * ROUNDS // 4, outcomes

    # The books add up: counters against their rows, gapless numbers, payments and credits against invoices.
    drifted = {f"{item.sales_order.number} {item}": drifts_of(item) for item in items_drifted()}
    assert not drifted, drifted
    out = StringIO()
    call_command("check_books", stdout=out)
    assert out.getvalue().endswith("no drift.\n"), out.getvalue()
    issued = Invoice.objects.exclude(status=Invoice.Status.DRAFT)
    numbers = sorted(issued.values_list("sequence_number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert sorted(issued.values_list("number", flat=True)) == [f"INV-{n:06d}" for n in numbers]
    credit_numbers = sorted(CreditNote.objects.values_list("sequence_number", flat=True))
    assert credit_numbers == list(range(1, len(credit_numbers) + 1))
    for invoice in Invoice.objects.all():
        paid = invoice.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
        credited = invoice.credit_notes.aggregate(total=Sum("total"))["total"] or Decimal("0.00")
        assert (invoice.paid_amount, invoice.credited_amount) == (paid, credited), invoice
        assert paid + credited <= invoice.total

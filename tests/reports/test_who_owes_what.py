"""The Invoices Report answers "who owes what": paid, balance due and due date on every row, a "partly
paid" filter, and the rows before the chart, which folds away."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from invoicing.models import Invoice, PaymentMethod
from invoicing.payments import payment_record
from invoicing.services.issue import invoice_create
from tests.factories import goods_ready

pytestmark = pytest.mark.django_db


@pytest.fixture
def partly_paid(mug_order, invoicing_rep):
    goods_ready(mug_order.order.pk)
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    payment_record(
        invoice=invoice,
        date=timezone.localdate(),
        amount=Decimal("1000.00"),
        method=PaymentMethod.WIRE,
        reference="W-1",
        by=invoicing_rep,
    )
    return Invoice.objects.get(pk=invoice.pk)


def _cell(page: str, column: str) -> str:
    return re.search(rf'data-col="{column}">([^<]*)<', page).group(1)


def test_every_row_shows_paid_balance_due_and_due_date(client, manager, partly_paid):
    client.force_login(manager)
    page = client.get(reverse("invoice-report")).content.decode()

    assert _cell(page, "paid") == "1,000.00"
    assert _cell(page, "balance-due") == f"{partly_paid.balance_due:,.2f}"
    assert partly_paid.due_date.strftime("%b") in _cell(page, "due-date")
    assert page.index('id="rows-title"') < page.index('id="chart-heading"')
    assert 'data-testid="chart-fold"' in page


def test_the_partly_paid_filter(client, manager, partly_paid, mug_order):
    client.force_login(manager)

    partly = client.get(reverse("invoice-report"), {"balance_due": "partly"}).context["totals"]
    owed = client.get(reverse("invoice-report"), {"balance_due": "yes"}).context["totals"]
    assert partly["count"] == owed["count"] == 1

    Invoice.objects.filter(pk=partly_paid.pk).update(paid_amount=0)
    assert client.get(reverse("invoice-report"), {"balance_due": "partly"}).context["totals"]["count"] == 0

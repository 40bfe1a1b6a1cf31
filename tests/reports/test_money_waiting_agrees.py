"""Money waiting agrees to the cent with the lists its figures link to, on random data.

Orders are written, backordered, invoiced in parts, voided and paid through the services where they
exist (payments and credit notes as the invoice's paid and credited amounts), then every figure of
the page is compared with the totals of the report its link opens, and with a sum worked out here
in Python from the rows themselves.
"""

import random
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from backorders.models import Backorder
from backorders.selectors import BackorderReportFilters, backorder_report_totals
from backorders.services import BackorderRequest, backorder_cancel, backorder_flag, backorder_resolve
from invoicing.models import Invoice
from invoicing.selectors import InvoiceReportFilters
from projects.models import SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder
from reports.invoice_report import invoice_report_summary
from reports.money_waiting import TREND_WEEKS, week_start
from tests.factories import ClientFactory, PurchaseOrderFactory, PurchaseOrderItemFactory, UserFactory

PRICES = ["0.00", "0.01", "0.99", "1.25", "3.33", "4.10", "12.49", "65.00", "199.99"]
TAX_RATES = ["0.00", "7.50", "8.25", "13.00"]
READY = SalesOrder.Status.READY_TO_BE_INVOICED


def build(rng: random.Random, desk, production_rep) -> None:
    """Fifteen to twenty orders along random paths: backorders, partial invoices, voids, payments."""
    today = timezone.localdate()
    clients = [ClientFactory() for _ in range(3)]
    rep = UserFactory(roles=["Sales"])
    for _ in range(rng.randint(15, 20)):
        prices = [rng.choice(PRICES) for _ in range(rng.randint(1, 3))]
        order = desk.order(
            client=rng.choice(clients), rep=rep, prices=prices, quantity=rng.randint(2, 40), tax=rng.choice(TAX_RATES)
        )
        items = list(order.items.order_by("position"))
        po = PurchaseOrderFactory(sales_order=order, stage=PurchaseOrder.Stage.CONFIRMED)
        po_items = [PurchaseOrderItemFactory(purchase_order=po, sales_order_item=item) for item in items]
        if rng.random() < 0.6:
            short = rng.sample(po_items, rng.randint(1, len(po_items)))
            backorder_flag(
                purchase_order=po,
                status=PurchaseOrder.Status.PROBLEM,
                items=[
                    BackorderRequest(
                        po_item, rng.randint(1, po_item.quantity), today + timedelta(days=rng.randint(0, 80)), "Short"
                    )
                    for po_item in short
                ],
                note="",
                by=production_rep,
                ready_to_invoice=False,
            )
        for _round in range(rng.randint(0, 3)):
            order.refresh_from_db()
            remaining = [item.remaining_quantity for item in SalesOrderItem.objects.filter(sales_order=order)]
            if order.status != READY or not any(remaining):
                break
            quantities = [rng.randint(0, left) for left in remaining]
            if not any(quantities):
                continue
            status = rng.choice(["", "", "", Invoice.Status.EXPORTED, Invoice.Status.VOID])
            desk.invoice(order, on=today - timedelta(days=rng.randint(0, 100)), quantities=quantities, status=status)
            # Production readies the order again for the next invoice, most of the time.
            if rng.random() < 0.7:
                SalesOrder.objects.filter(pk=order.pk).exclude(status=SalesOrder.Status.INVOICED).update(status=READY)
        if rng.random() < 0.1:
            SalesOrder.objects.filter(pk=order.pk).update(status=SalesOrder.Status.CLOSED)

    # Backorders age: some are resolved or cancelled, some slip past their date, a few never had one.
    open_backorders = Backorder.objects.filter(status=Backorder.Status.OPEN).select_related(
        "purchase_order_item__sales_order_item"
    )
    for backorder in open_backorders.order_by("id"):
        roll = rng.random()
        if roll < 0.1:
            backorder_resolve(backorder=backorder, by=production_rep)
        elif roll < 0.2 and backorder.purchase_order_item.sales_order_item.remaining_quantity >= backorder.quantity:
            backorder_cancel(backorder=backorder, reason="Discontinued", by=desk.manager)
        elif roll < 0.4:
            Backorder.objects.filter(pk=backorder.pk).update(expected_date=today - timedelta(days=rng.randint(1, 30)))
        elif roll < 0.5:
            Backorder.objects.filter(pk=backorder.pk).update(expected_date=None)

    # Clients pay some invoices in full, some in part; a few are partly credited.
    for invoice in Invoice.objects.exclude(status=Invoice.Status.VOID).order_by("id"):
        credited = (invoice.total * Decimal(rng.choice([0, 0, 0, 0.25]))).quantize(Decimal("0.01"))
        left = invoice.total - credited
        paid = rng.choice([Decimal(0), left, (left * Decimal(rng.random())).quantize(Decimal("0.01"))])
        Invoice.objects.filter(pk=invoice.pk).update(paid_amount=paid, credited_amount=credited)


def filters_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def invoice_totals(client, url: str) -> dict:
    """The Invoices Report's totals for the link: from its page, and from its summary function."""
    assert urlsplit(url).path == "/invoices/report/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    summary = invoice_report_summary(InvoiceReportFilters.from_mapping(form.cleaned_data)).totals
    assert page.context["totals"]["balance_due"] == f"{summary['balance_due']:,.2f}"
    assert page.context["totals"]["total"] == f"{summary['total']:,.2f}"
    return summary


def backorder_totals(client, url: str, today: date) -> dict:
    assert urlsplit(url).path == "/backorders/"
    page = client.get(url)
    assert page.status_code == 200
    totals = backorder_report_totals(
        BackorderReportFilters.from_mapping(page.context["form"].cleaned_data), today=today
    )
    assert page.context["totals"]["value_text"] == f"{totals['value']:,.2f}"
    assert page.context["totals"]["count"] == totals["count"]
    return totals


def cents(value) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.django_db
def test_every_figure_equals_the_total_of_the_list_it_links_to(seed, desk, production_rep, as_manager):
    build(random.Random(seed), desk, production_rep)
    today = timezone.localdate()
    response = as_manager.get("/")
    assert response.status_code == 200
    context = response.context
    figures = context["figures"]
    page = response.content.decode()

    # Ready to invoice now: the Sales orders list's totals for the orders Ready to be Invoiced.
    listed = as_manager.get(context["ready_url"])
    assert filters_of(context["ready_url"]) == {"status": READY}
    listed_totals = listed.context["totals"]
    assert listed_totals.ready_amount == figures.ready.ready_amount
    assert listed_totals.remaining_amount == figures.ready.remaining_amount
    assert listed_totals.count == figures.ready.count
    page_text = listed.content.decode()
    assert f'data-total="ready">{figures.ready.ready_amount:,.2f}<' in page_text
    items = SalesOrderItem.objects.filter(sales_order__status=READY)
    remaining = {item.pk: item.quantity - item.cancelled_quantity - item.invoiced_quantity for item in items}
    assert figures.ready.remaining_amount == cents(sum(remaining[item.pk] * item.unit_price for item in items))
    # Ready follows the goods: what remains, less what is backordered and what sits on POs not shipped yet.
    unshipped = {item.pk: item.purchased_quantity - item.shipped_quantity for item in items}
    assert figures.ready.ready_amount == cents(
        sum(
            max(remaining[item.pk] - item.backordered_quantity - unshipped[item.pk], 0) * item.unit_price
            for item in items
        )
    )

    # Blocked by open backorders: the Backorders report unfiltered, and each line by expected date.
    open_backorders = list(
        Backorder.objects.filter(status=Backorder.Status.OPEN).select_related("purchase_order_item__sales_order_item")
    )
    value = {b.pk: b.quantity * b.purchase_order_item.sales_order_item.unit_price for b in open_backorders}
    totals = backorder_totals(as_manager, context["blocked_url"], today)
    assert (totals["count"], totals["value"]) == (figures.blocked_count, figures.blocked_amount)
    assert figures.blocked_amount == cents(sum(value.values()))
    for line in context["blocked"]:
        bucket = line["bucket"]
        totals = backorder_totals(as_manager, line["url"], today)
        assert (totals["count"], totals["value"]) == (bucket.count, bucket.amount), bucket.label
        if bucket.label == "Overdue":
            mine = [b for b in open_backorders if b.expected_date and b.expected_date < today]
        elif bucket.label == "No expected date":
            mine = [b for b in open_backorders if b.expected_date is None]
        else:
            mine = [
                b
                for b in open_backorders
                if b.expected_date
                and bucket.first <= b.expected_date
                and (bucket.last is None or b.expected_date <= bucket.last)
            ]
        assert bucket.amount == cents(sum(value[b.pk] for b in mine)), bucket.label
    assert sum(bucket.count for bucket in figures.blocked) == figures.blocked_count
    assert sum(bucket.amount for bucket in figures.blocked) == figures.blocked_amount

    # Invoiced and unpaid: the Invoices Report's balance due, for every invoice and week by week.
    issued = list(Invoice.objects.exclude(status__in=[Invoice.Status.DRAFT, Invoice.Status.VOID]))
    summary = invoice_totals(as_manager, context["unpaid_url"])
    assert summary["balance_due"] == figures.unpaid_amount == cents(sum(i.balance_due for i in issued))
    assert summary["count"] == figures.unpaid_count == sum(i.balance_due > 0 for i in issued)
    assert [line["week"] for line in context["weeks"]] == figures.weeks
    assert figures.weeks[-1].start == week_start(today) and len(figures.weeks) == TREND_WEEKS
    for line in context["weeks"]:
        week = line["week"]
        in_week = [i for i in issued if week.start <= i.date <= week.end]
        summary = invoice_totals(as_manager, line["invoiced_url"])
        assert summary["total"] == week.invoiced == cents(sum(i.total for i in in_week)), week.start
        assert summary["count"] - summary["void"] == week.count == len(in_week)
        summary = invoice_totals(as_manager, line["unpaid_url"])
        assert summary["balance_due"] == week.unpaid_now == cents(sum(i.balance_due for i in in_week)), week.start

    # The page shows each figure as text, as the link to its list.
    assert f">{figures.ready.ready_amount:,.2f}</a>" in page
    assert f">{figures.blocked_amount:,.2f}</a>" in page
    assert f">{figures.unpaid_amount:,.2f}</a>" in page
    # The data is varied enough for the comparison to mean something.
    assert figures.ready.count and figures.blocked_count and figures.unpaid_count
    assert Invoice.objects.filter(status=Invoice.Status.VOID).exists()
    assert all(bucket.count for bucket in figures.blocked if bucket.label in ("Overdue", "No expected date"))

"""Less noise: empty weeks fold, an order names the POs that lock its items once, no "None" pill, no "1 of 1"."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backorders.services import BackorderRequest, backorder_flag
from invoicing.services.issue import invoice_create
from purchasing.models import PurchaseOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoiced(mug_order, production_rep, invoicing_rep):
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, timezone.localdate() + timedelta(days=7), "Short")],
        note="",
        by=production_rep,
    )
    return invoice_create(sales_order=mug_order.order, by=invoicing_rep)


def test_money_waiting_folds_the_weeks_with_nothing_in_them(client, manager, invoiced):
    client.force_login(manager)
    page = client.get(reverse("money-waiting")).content.decode()

    table = page[page.index('data-testid="invoiced-by-week"') : page.index("</table>", page.index("invoiced-by-week"))]
    assert table.count('data-testid="empty-weeks"') == 1
    assert "No invoices in these 11 weeks" in table
    assert invoiced.total.to_eng_string() in table.replace(",", "")


def test_an_order_names_the_pos_locking_its_items_once(client, sales_rep, mug_order):
    client.force_login(sales_rep)
    page = client.get(reverse("sales-order-detail", args=[mug_order.order.pk])).content.decode()

    assert page.count('data-testid="items-locked"') == 1
    locked = re.search(r'data-testid="items-locked">(.*?)</p>', page, re.S).group(1)
    assert f'href="{mug_order.po.get_absolute_url()}">PO-1001</a>' in locked
    assert "lock-reason" not in page


def test_a_po_without_a_problem_shows_no_none_pill(client, production_rep, mug_order):
    client.force_login(production_rep)
    page = client.get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()

    assert '<span class="muted" data-testid="po-status">No problem</span>' in page
    assert ">None</span>" not in page


def test_the_first_partial_invoice_is_not_1_of_1(client, invoicing_rep, mug_order, invoiced):
    client.force_login(invoicing_rep)
    invoice_page = client.get(invoiced.get_absolute_url()).content.decode()
    order_page = client.get(reverse("sales-order-detail", args=[mug_order.order.pk])).content.decode()

    assert "1 of 1" not in invoice_page
    assert "1 of 1" not in order_page


def test_the_po_list_shows_expected_and_in_hands_dates(client, production_rep, mug_order):
    PurchaseOrder.objects.filter(pk=mug_order.po.pk).update(expected_date=date(2030, 5, 1))
    type(mug_order.order).objects.filter(pk=mug_order.order.pk).update(in_hands_date=date(2030, 5, 15))
    client.force_login(production_rep)

    page = client.get(reverse("purchase-order-list")).content.decode()

    assert re.search(r'data-col="expected">May 1, 2030<', page)
    assert re.search(r'data-col="in-hands">May 15, 2030<', page)

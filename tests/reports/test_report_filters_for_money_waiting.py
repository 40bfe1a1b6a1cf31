"""The filters Money waiting links to: expected dates on the Backorders report, balance due on the Invoices Report."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from backorders.models import Backorder
from invoicing.models import Invoice
from tests.factories import PurchaseOrderFactory, PurchaseOrderItemFactory, SalesOrderItemFactory


@pytest.fixture
def dated_backorders(production_rep):
    """Open backorders of 1, 2, 4 and 8 at 1.00 expected today, in ten days, and never; one resolved."""
    today = timezone.localdate()
    item = SalesOrderItemFactory(quantity=100, unit_price=Decimal("1.00"))
    po_item = PurchaseOrderItemFactory(
        purchase_order=PurchaseOrderFactory(sales_order=item.sales_order), sales_order_item=item
    )
    for quantity, expected, status in (
        (1, today, Backorder.Status.OPEN),
        (2, today + timedelta(days=10), Backorder.Status.OPEN),
        (4, None, Backorder.Status.OPEN),
        (8, today - timedelta(days=3), Backorder.Status.OPEN),
        (16, today, Backorder.Status.RESOLVED),
    ):
        Backorder.objects.create(
            purchase_order=po_item.purchase_order,
            purchase_order_item=po_item,
            quantity=quantity,
            expected_date=expected,
            reason="Short",
            status=status,
            raised_by=production_rep,
        )
    return today


@pytest.mark.django_db
def test_the_backorders_report_filters_by_expected_date_and_by_having_none(as_manager, dated_backorders):
    today = dated_backorders

    def value(**query) -> str:
        response = as_manager.get("/backorders/", query)
        assert response.status_code == 200
        return response.context["totals"]["value_text"]

    assert value() == "15.00"
    assert value(expected_from=today.isoformat()) == "3.00"
    assert value(expected_to=today.isoformat()) == "9.00"  # today's and the overdue one
    assert value(expected_from=today.isoformat(), expected_to=(today + timedelta(days=9)).isoformat()) == "1.00"
    assert value(dated="no") == "4.00"
    assert value(dated="yes") == "11.00"
    assert value(overdue="yes") == "8.00"
    # The filters stay on the page's links.
    page = as_manager.get("/backorders/", {"dated": "no"}).content.decode()
    assert 'href="?dated=no&amp;format=csv"' in page


@pytest.mark.django_db
def test_an_end_before_the_start_is_refused_next_to_the_field(as_manager, dated_backorders):
    today = dated_backorders
    response = as_manager.get(
        "/backorders/", {"expected_from": today.isoformat(), "expected_to": (today - timedelta(days=1)).isoformat()}
    )
    assert response.context["rows"] is not None  # the refused end is left out; the start still filters
    assert response.context["form"].errors == {"expected_to": ["The end date is before the start date."]}
    assert 'id="id_expected_to_error">The end date is before the start date.</p>' in response.content.decode()


@pytest.mark.django_db
def test_the_invoices_report_filters_by_balance_due_and_totals_it(as_manager, report_data):
    inv = report_data.invoices
    # a_partial is paid in full; c_void is void; the others are owed in full, b_partial in part.
    Invoice.objects.filter(pk=inv["b_partial"].pk).update(paid_amount=Decimal("8.25"))
    owed = as_manager.get("/invoices/report/", {"balance_due": "yes"})
    assert {row["number"] for row in owed.context["rows"]} == {
        inv[key].number for key in ("a_final", "b_partial", "c_partial")
    }
    assert owed.context["totals"]["balance_due"] == "187.45"  # 239.00 − 43.30 paid − 8.25 paid
    assert 'data-total="balance-due">187.45<' in owed.content.decode()
    settled = as_manager.get("/invoices/report/", {"balance_due": "no"})
    assert {row["number"] for row in settled.context["rows"]} == {inv[key].number for key in ("a_partial", "c_void")}
    assert settled.context["totals"]["balance_due"] == "0.00"

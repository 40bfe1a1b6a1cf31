"""The admin deletes nothing the books stand on: no backorder (they are cancelled with a reason), no
invoice or invoice line (they are voided), and no PO with backorders or invoices; no bulk delete."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.models import Invoice, InvoiceLine
from invoicing.services.issue import invoice_create
from projects.models import SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem
from tests.factories import PurchaseOrderFactory, PurchaseOrderItemFactory, SalesOrderItemFactory, UserFactory


@pytest.fixture
def flagged(mug_order, production_rep) -> Backorder:
    """200 of the 500 mugs are short; the order moves to Ready to be Invoiced."""
    result = backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, timezone.localdate() + timedelta(days=7), "Supplier short")],
        note="",
        by=production_rep,
    )
    return result.backorders[0]


@pytest.fixture
def invoice(flagged, mug_order, invoicing_rep) -> Invoice:
    return invoice_create(sales_order=mug_order.order, by=invoicing_rep)


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def offers_bulk_delete(admin_client, changelist: str) -> bool:
    return 'value="delete_selected"' in admin_client.get(reverse(changelist)).content.decode()


def refuses_delete(admin_client, name: str, pk: int) -> bool:
    """The object's page shows no Delete link, and its delete page answers 403 to GET and POST."""
    change = admin_client.get(reverse(f"admin:{name}_change", args=[pk]))
    assert change.status_code == 200
    delete = reverse(f"admin:{name}_delete", args=[pk])
    return (
        delete not in change.content.decode()
        and admin_client.get(delete).status_code == 403
        and admin_client.post(delete, {"post": "yes"}).status_code == 403
    )


def test_a_backorder_cannot_be_deleted_so_the_backordered_quantity_stays_right(admin_client, flagged, mug_order):
    assert refuses_delete(admin_client, "backorders_backorder", flagged.pk)
    assert not offers_bulk_delete(admin_client, "admin:backorders_backorder_changelist")
    admin_client.post(
        reverse("admin:backorders_backorder_changelist"),
        {"action": "delete_selected", "_selected_action": [flagged.pk], "post": "yes"},
    )
    assert Backorder.objects.filter(pk=flagged.pk, status=Backorder.Status.OPEN).exists()
    assert SalesOrderItem.objects.get(pk=mug_order.mugs.pk).backordered_quantity == 200


def test_an_invoice_and_its_lines_cannot_be_deleted(admin_client, invoice):
    assert refuses_delete(admin_client, "invoicing_invoice", invoice.pk)
    assert not offers_bulk_delete(admin_client, "admin:invoicing_invoice_changelist")
    page = admin_client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk])).content.decode()
    assert "lines-0-DELETE" not in page
    admin_client.post(
        reverse("admin:invoicing_invoice_changelist"),
        {"action": "delete_selected", "_selected_action": [invoice.pk], "post": "yes"},
    )
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 2


def test_a_po_with_a_backorder_cannot_be_deleted_nor_its_items(admin_client, flagged, mug_order):
    assert refuses_delete(admin_client, "purchasing_purchaseorder", mug_order.po.pk)
    page = admin_client.get(reverse("admin:purchasing_purchaseorder_change", args=[mug_order.po.pk])).content.decode()
    assert "items-0-DELETE" not in page
    assert PurchaseOrder.objects.filter(pk=mug_order.po.pk).exists()


def test_a_po_whose_order_is_invoiced_cannot_be_deleted(admin_client, mug_order, invoice):
    # A second PO on the invoiced order, with no backorder of its own.
    extra = SalesOrderItemFactory(sales_order=mug_order.order, description="Gift box", quantity=10, position=2)
    other = PurchaseOrderFactory(number="PO-1002", sales_order=mug_order.order)
    PurchaseOrderItemFactory(purchase_order=other, sales_order_item=extra, quantity=10)
    assert refuses_delete(admin_client, "purchasing_purchaseorder", other.pk)
    assert PurchaseOrderItem.objects.filter(purchase_order=other).exists()


def test_a_po_nothing_stands_on_may_still_be_deleted_one_at_a_time(admin_client, mug_order):
    assert not offers_bulk_delete(admin_client, "admin:purchasing_purchaseorder_changelist")
    delete = reverse("admin:purchasing_purchaseorder_delete", args=[mug_order.po.pk])
    change = admin_client.get(reverse("admin:purchasing_purchaseorder_change", args=[mug_order.po.pk]))
    assert delete in change.content.decode()
    assert admin_client.post(delete, {"post": "yes"}).status_code == 302
    assert not PurchaseOrder.objects.filter(pk=mug_order.po.pk).exists()

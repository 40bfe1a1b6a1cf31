""" "Ready" means the goods are there: flagging 15 hoodies on one PO never proposes the mugs and pins of a
sibling PO that is only Submitted, on the page or through the API; they become ready when their PO ships.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from backorders.services import BackorderRequest, backorder_flag, backorder_resolve
from invoicing.models import Invoice
from projects.models import SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change
from reports.books import items_drifted
from tests.factories import (
    ProjectFactory,
    PurchaseOrderFactory,
    PurchaseOrderItemFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db


class Fair:
    """Hoodies from one supplier (Confirmed), mugs and pins from another (only Submitted), and a setup charge."""

    def __init__(self, production_rep, sales_rep, invoicing_rep):
        project = ProjectFactory(
            number="P-2001", order_rep=sales_rep, production_rep=production_rep, invoicing_rep=invoicing_rep
        )
        self.order = SalesOrderFactory(number="SO-2001", project=project, status=SalesOrder.Status.IN_PRODUCTION)
        apparel, ceramics = SupplierFactory(name="Apparel Co"), SupplierFactory(name="Ceramics Co")

        def item(description, quantity, price, supplier=None, **extra):
            return SalesOrderItemFactory(
                sales_order=self.order,
                description=description,
                quantity=quantity,
                unit_price=Decimal(price),
                supplier=supplier,
                **extra,
            )

        self.hoodies = item("Hoodie, embroidered", 40, "30.00", apparel)
        self.mugs = item("11 oz mug", 250, "4.00", ceramics)
        self.pins = item("Enamel pin", 500, "1.50", ceramics)
        self.setup = item("Setup charge", 1, "65.00", kind=SalesOrderItem.Kind.SERVICE)
        self.hoodie_po = PurchaseOrderFactory(
            number="PO-2001", sales_order=self.order, supplier=apparel, stage=PurchaseOrder.Stage.CONFIRMED
        )
        self.hoodie_line = PurchaseOrderItemFactory(purchase_order=self.hoodie_po, sales_order_item=self.hoodies)
        self.ceramics_po = PurchaseOrderFactory(
            number="PO-2002", sales_order=self.order, supplier=ceramics, stage=PurchaseOrder.Stage.SUBMITTED
        )
        PurchaseOrderItemFactory(purchase_order=self.ceramics_po, sales_order_item=self.mugs)
        PurchaseOrderItemFactory(purchase_order=self.ceramics_po, sales_order_item=self.pins)

    def ready(self) -> dict[str, int]:
        items = SalesOrderItem.objects.filter(sales_order=self.order)
        return {item.description: item.ready_quantity for item in items}


@pytest.fixture
def fair(production_rep, sales_rep, invoicing_rep) -> Fair:
    return Fair(production_rep, sales_rep, invoicing_rep)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _flag_hoodies(fair, production_rep, **options):
    return backorder_flag(
        purchase_order=fair.hoodie_po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(fair.hoodie_line, 15, timezone.localdate() + timedelta(days=7), "Size L short")],
        note="",
        by=production_rep,
        **options,
    )


def test_nothing_on_a_po_is_ready_before_it_ships_but_an_item_on_no_po_is(fair):
    assert fair.ready() == {"Hoodie, embroidered": 0, "11 oz mug": 0, "Enamel pin": 0, "Setup charge": 1}


def test_flagging_declares_the_rest_of_that_po_only(fair, production_rep):
    _flag_hoodies(fair, production_rep, ready_to_invoice=True)

    fair.hoodie_po.refresh_from_db()
    assert fair.hoodie_po.rest_ships_declared_at is not None
    assert fair.ready() == {"Hoodie, embroidered": 25, "11 oz mug": 0, "Enamel pin": 0, "Setup charge": 1}
    assert not items_drifted().exists()


def test_the_flag_form_is_not_ticked_while_a_sibling_po_has_not_shipped(client, fair, production_rep):
    client.force_login(production_rep)
    page = client.get(reverse("purchase-order-detail", args=[fair.hoodie_po.pk])).content.decode()

    box = re.search(r'<input[^>]*name="ready_to_invoice"[^>]*>', page).group(0)
    assert "checked" not in box
    assert "PO-2002 (Submitted)" in page


def test_the_flag_form_is_ticked_when_every_other_po_has_shipped(client, fair, production_rep):
    purchase_order_stage_change(purchase_order=fair.ceramics_po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)
    client.force_login(production_rep)
    page = client.get(reverse("purchase-order-detail", args=[fair.hoodie_po.pk])).content.decode()

    box = re.search(r'<input[^>]*name="ready_to_invoice"[^>]*>', page).group(0)
    assert "checked" in box
    assert 'id="ready-hint"' not in page


def test_the_invoice_page_proposes_only_the_goods_that_are_there(client, fair, production_rep, invoicing_rep):
    _flag_hoodies(fair, production_rep, ready_to_invoice=True)
    fair.order.refresh_from_db()
    assert fair.order.status == SalesOrder.Status.READY_TO_BE_INVOICED

    client.force_login(invoicing_rep)
    page = client.get(reverse("invoice-create", args=[fair.order.pk]))
    form = page.context["form"]
    assert form[f"quantity_{fair.hoodies.pk}"].value() == 25
    assert form[f"quantity_{fair.setup.pk}"].value() == 1
    assert form[f"quantity_{fair.mugs.pk}"].value() == 0
    assert form[f"quantity_{fair.pins.pk}"].value() == 0
    assert not form[f"include_{fair.mugs.pk}"].value()


def test_the_api_invoices_only_the_goods_that_are_there(fair, production_rep, invoicing_rep):
    _flag_hoodies(fair, production_rep, ready_to_invoice=True)

    response = _api(invoicing_rep).post("/api/invoices/", {"sales_order": fair.order.pk}, format="json")

    assert response.status_code == 201, response.json()
    lines = {line["description"]: line["quantity"] for line in response.json()["lines"]}
    assert lines == {"Hoodie, embroidered": 25, "Setup charge": 1}
    assert response.json()["warnings"] == []


def test_the_api_flag_does_not_move_the_order_while_a_sibling_po_has_not_shipped(fair, production_rep):
    response = _api(production_rep).post(
        f"/api/purchase-orders/{fair.hoodie_po.pk}/backorders/",
        {
            "status": "problem",
            "items": [
                {
                    "purchase_order_item": fair.hoodie_line.pk,
                    "quantity": 15,
                    "expected_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
                    "reason": "Size L short",
                }
            ],
        },
        format="json",
    )

    assert response.status_code in (200, 201), response.json()
    fair.order.refresh_from_db()
    assert fair.order.status == SalesOrder.Status.IN_PRODUCTION
    assert fair.ready()["Hoodie, embroidered"] == 25


def test_hand_added_quantities_are_invoiced_with_a_warning_naming_the_po(fair, production_rep, invoicing_rep):
    _flag_hoodies(fair, production_rep, ready_to_invoice=True)
    lines = [
        {"sales_order_item": fair.hoodies.pk, "quantity": 25},
        {"sales_order_item": fair.mugs.pk, "quantity": 250},
    ]

    response = _api(invoicing_rep).post("/api/invoices/", {"sales_order": fair.order.pk, "lines": lines}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["warnings"] == [
        "250 × 11 oz mug beyond what is ready: on PO-2002 (Submitted), not shipped yet."
    ]
    assert Invoice.objects.get().lines.count() == 2


def test_the_invoice_page_warns_of_hand_added_goods_not_shipped(client, fair, production_rep, invoicing_rep):
    _flag_hoodies(fair, production_rep, ready_to_invoice=True)
    client.force_login(invoicing_rep)
    url = reverse("invoice-create", args=[fair.order.pk])
    state = client.get(url).context["form"]["state"].value()
    data = {
        "state": state,
        f"include_{fair.hoodies.pk}": "on",
        f"quantity_{fair.hoodies.pk}": "25",
        f"include_{fair.pins.pk}": "on",
        f"quantity_{fair.pins.pk}": "100",
    }

    question = client.post(url, data).content.decode()
    assert "100 × Enamel pin beyond what is ready: on PO-2002 (Submitted), not shipped yet." in question

    issued = client.post(url, {**data, "confirm": "1"}, follow=True)
    shown = [str(message) for message in issued.context["messages"]]
    assert "Invoiced by hand: 100 × Enamel pin beyond what is ready: on PO-2002 (Submitted), not shipped yet." in shown


def test_the_sibling_goods_become_ready_when_their_po_ships(fair, production_rep):
    _flag_hoodies(fair, production_rep, ready_to_invoice=True)
    purchase_order_stage_change(purchase_order=fair.ceramics_po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)

    assert fair.ready() == {"Hoodie, embroidered": 25, "11 oz mug": 250, "Enamel pin": 500, "Setup charge": 1}
    assert not items_drifted().exists()


def test_resolving_the_last_backorder_offers_ready_for_billing_ticked(client, fair, production_rep):
    backorder = _flag_hoodies(fair, production_rep).backorders[0]
    client.force_login(production_rep)

    page = client.get(reverse("purchase-order-detail", args=[fair.hoodie_po.pk])).content.decode()

    box = re.search(rf'<input[^>]*name="resolve-{backorder.pk}-ready_for_billing"[^>]*>', page).group(0)
    assert "checked" in box


def test_resolving_the_last_backorder_clears_the_problem_in_the_same_step(fair, production_rep):
    backorder = _flag_hoodies(fair, production_rep).backorders[0]
    fair.hoodie_po.refresh_from_db()
    assert fair.hoodie_po.status == PurchaseOrder.Status.PROBLEM

    backorder_resolve(backorder=backorder, by=production_rep)

    fair.hoodie_po.refresh_from_db()
    assert (fair.hoodie_po.status, fair.hoodie_po.stage) == (PurchaseOrder.Status.NONE, PurchaseOrder.Stage.CONFIRMED)


def test_resolving_with_ready_for_billing_moves_the_po_and_clears_the_problem(fair, production_rep):
    backorder = _flag_hoodies(fair, production_rep).backorders[0]

    backorder_resolve(backorder=backorder, by=production_rep, ready_for_billing=True)

    fair.hoodie_po.refresh_from_db()
    assert (fair.hoodie_po.status, fair.hoodie_po.stage) == (
        PurchaseOrder.Status.NONE,
        PurchaseOrder.Stage.READY_FOR_BILLING,
    )
    assert fair.ready()["Hoodie, embroidered"] == 40

"""The demo story: a handful of projects walked through the workflow, each at a different step, as reps would."""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.models import Invoice
from invoicing.services.issue import invoice_create
from invoicing.services.marks import invoice_status_change
from invoicing.services.sending import invoice_send
from invoicing.services.void import invoice_void
from projects.models import Client, SalesOrder, SalesOrderItem
from projects.services.clients import client_create
from projects.services.projects import project_create
from projects.services.sales_orders import ItemRequest, sales_order_create, sales_order_status_change
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier
from purchasing.services import PurchaseItemRequest, purchase_order_create, purchase_order_stage_change, supplier_create
from reports.demo.data import CLIENTS, OTHER_ORDER_REPS, STORIES, SUPPLIERS, StoryProject


def _item(description: str, quantity: int, price: str, cost: str, tax: str = "8.25", service: bool = False):
    return ItemRequest(
        description=description,
        quantity=quantity,
        unit_price=Decimal(price),
        unit_cost=Decimal(cost),
        tax_rate=Decimal(tax),
        kind=SalesOrderItem.Kind.SERVICE if service else SalesOrderItem.Kind.PRODUCT,
    )


class DemoStory:
    """Walk each demo project to its step through the services, as the reps would."""

    def __init__(self, *, users: dict[str, User], today: date):
        self.today = today
        self.sam = users["sam.sales"]
        self.pat = users["pat.production"]
        self.ivy = users["ivy.invoicing"]
        self.max = users["max.manager"]
        self.order_reps = [users["sam.sales"], *(users[name] for name, _f, _l in OTHER_ORDER_REPS)]
        self.clients: dict[str, Client] = {}
        self.suppliers: dict[str, Supplier] = {}

    @transaction.atomic
    def load(self) -> None:
        for name, terms in CLIENTS:
            self.clients[name] = Client.objects.filter(name=name).first() or client_create(
                by=self.sam,
                name=name,
                billing_email=f"accounts@{name.lower().replace(' ', '-').replace('&', 'and')}.example.com",
                billing_address="100 Commerce Way\nPortland, OR 97201",
                terms_days=terms,
            )
        for name in SUPPLIERS:
            self.suppliers[name] = Supplier.objects.filter(name=name).first() or supplier_create(
                by=self.sam, name=name, email=f"orders@{name.lower().split()[0]}.example.com"
            )
        for story in STORIES:
            getattr(self, "_" + story.step.replace(" ", "_"))(story)

    # Helpers that move one order along.

    def _order(self, story: StoryProject, items: list[ItemRequest], rep: User | None = None):
        project = project_create(
            name=story.name,
            client=self.clients[story.client],
            order_rep=rep or self.sam,
            production_rep=self.pat,
            invoicing_rep=self.ivy,
            by=self.sam,
        )
        # Every item names its supplier, so "Create purchase orders" works on the demo's new orders.
        supplier = self.suppliers[story.supplier]
        order = sales_order_create(
            project=project,
            items=[dataclasses.replace(item, supplier=supplier) for item in items],
            by=self.sam,
            in_hands_date=self.today + timedelta(days=21),
        )
        return project, order

    def _purchase(self, story: StoryProject, order: SalesOrder) -> PurchaseOrder:
        return purchase_order_create(
            sales_order=order,
            supplier=self.suppliers[story.supplier],
            items=[PurchaseItemRequest(item, item.quantity) for item in order.items.all()],
            by=self.sam,
        )

    def _to_production(self, order: SalesOrder) -> None:
        sales_order_status_change(sales_order=order, status=SalesOrder.Status.CLIENT_APPROVED, by=self.sam)
        sales_order_status_change(sales_order=order, status=SalesOrder.Status.IN_PRODUCTION, by=self.sam)

    def _stage(self, po: PurchaseOrder, stage: str) -> None:
        purchase_order_stage_change(purchase_order=po, stage=stage, by=self.pat)

    def _flag(self, po: PurchaseOrder, description: str, quantity: int, reason: str, ready: bool = True):
        po_item = PurchaseOrderItem.objects.get(purchase_order=po, sales_order_item__description=description)
        order = po.sales_order
        return backorder_flag(
            purchase_order=po,
            status=PurchaseOrder.Status.PROBLEM,
            items=[BackorderRequest(po_item, quantity, self.today + timedelta(days=10), reason)],
            note=(
                f"@{self.sam.username} @{self.ivy.username} {quantity} × {description} are backordered "
                f"({reason.lower()}). Everything else on {order.number} can be invoiced now."
            ),
            by=self.pat,
            ready_to_invoice=ready,
        )

    def _backorder_story(self, story: StoryProject, items: list[ItemRequest], short: tuple[str, int, str]):
        project, order = self._order(story, items)
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.CONFIRMED)
        self._flag(po, *short)
        return project, order, po

    def _days_ago(self, days: int) -> date:
        return self.today - timedelta(days=days)

    # One method per step of the story.

    def _backorder_just_flagged(self, story: StoryProject) -> None:
        self._backorder_story(
            story,
            [
                _item("11 oz mug, 2-colour print", 500, "4.25", "2.10"),
                _item("Setup charge", 1, "65.00", "40.00", service=True),
            ],
            ("11 oz mug, 2-colour print", 200, "Supplier short on white mugs"),
        )

    def _partly_invoiced(self, story: StoryProject) -> None:
        _project, order, _po = self._backorder_story(
            story,
            [
                _item("Cotton tee, 1-colour front print", 300, "8.50", "4.20"),
                _item("Pullover hoodie, embroidered left chest", 150, "24.00", "13.50"),
                _item("Embroidery digitizing", 1, "45.00", "25.00", service=True),
            ],
            ("Pullover hoodie, embroidered left chest", 100, "Heather grey hoodies out of stock"),
        )
        invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(6))

    def _ready_for_billing(self, story: StoryProject) -> None:
        _project, order, po = self._backorder_story(
            story,
            [
                _item("Canvas tote, full-colour print", 400, "6.75", "3.10"),
                _item("Freight", 1, "85.00", "70.00", tax="0.00", service=True),
            ],
            ("Canvas tote, full-colour print", 150, "Print run split over two days"),
        )
        invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(12))
        self._stage(po, PurchaseOrder.Stage.READY_FOR_BILLING)

    def _fully_invoiced(self, story: StoryProject) -> None:
        _project, order, po = self._backorder_story(
            story,
            [
                _item("Spiral notebook, debossed cover", 600, "4.10", "1.90"),
                _item("Retractable ballpoint pen, imprinted", 1200, "0.95", "0.35"),
                _item("Setup charge", 1, "75.00", "45.00", service=True),
            ],
            ("Retractable ballpoint pen, imprinted", 500, "Blue barrels on back order at the mill"),
        )
        partial = invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(40))
        invoice_status_change(invoice=partial, status=Invoice.Status.PAID, by=self.ivy)
        self._stage(po, PurchaseOrder.Stage.READY_FOR_BILLING)
        final = invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(8))
        invoice_send(invoice=final, by=self.ivy)

    def _new(self, story: StoryProject) -> None:
        self._order(
            story,
            [
                _item("Softshell jacket, embroidered back", 40, "58.00", "31.00"),
                _item("Embroidery digitizing", 1, "65.00", "35.00", service=True),
            ],
            rep=self.order_reps[1],
        )

    def _pending_approval(self, story: StoryProject) -> None:
        _project, order = self._order(
            story, [_item("Jute market tote, 1-colour print", 250, "5.40", "2.60")], rep=self.order_reps[2]
        )
        sales_order_status_change(sales_order=order, status=SalesOrder.Status.PENDING_CLIENT_APPROVAL, by=self.sam)

    def _client_approved(self, story: StoryProject) -> None:
        _project, order = self._order(
            story,
            [
                _item("Retractable ballpoint pen, imprinted", 2500, "0.85", "0.31"),
                _item("Setup charge", 1, "55.00", "30.00", service=True),
            ],
        )
        sales_order_status_change(sales_order=order, status=SalesOrder.Status.CLIENT_APPROVED, by=self.sam)
        self._purchase(story, order)

    def _in_production(self, story: StoryProject) -> None:
        _project, order = self._order(story, [_item("16 oz pint glass, 2-colour print", 288, "5.95", "2.70")])
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.SUBMITTED)

    def _shipped(self, story: StoryProject) -> None:
        _project, order = self._order(
            story,
            [
                _item("Kraft gift box with coffee and mug", 120, "32.00", "18.00"),
                _item("Freight", 1, "140.00", "120.00", tax="0.00", service=True),
            ],
            rep=self.order_reps[3],
        )
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.SHIPPED)  # every PO shipped: the order ships too (rule 3)

    def _invoice_voided(self, story: StoryProject) -> None:
        _project, order = self._order(
            story, [_item("Performance polo, embroidered", 60, "23.50", "12.75")], rep=self.order_reps[1]
        )
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.READY_FOR_BILLING)
        invoice = invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(3))
        invoice_void(
            invoice=invoice, reason="Client asked for the polos to be billed to their second office.", by=self.max
        )

    def _overdue_backorder(self, story: StoryProject) -> None:
        _project, order = self._order(
            story,
            [
                _item("Stainless water bottle, 24 oz", 350, "11.80", "6.10"),
                _item("Setup charge", 1, "60.00", "35.00", service=True),
            ],
            rep=self.order_reps[2],
        )
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.CONFIRMED)
        result = self._flag(po, "Stainless water bottle, 24 oz", 120, "Powder coat line down", ready=False)
        # The services refuse past dates, as a person would be refused; the demo needs one that slipped.
        Backorder.objects.filter(pk__in=[b.pk for b in result.backorders]).update(
            expected_date=self._days_ago(5), created_at=timezone.now() - timedelta(days=26)
        )

    def _invoiced_and_paid(self, story: StoryProject) -> None:
        _project, order = self._order(
            story, [_item("Vinyl banner, 3 × 6 ft", 4, "78.00", "41.00")], rep=self.order_reps[3]
        )
        po = self._purchase(story, order)
        self._to_production(order)
        self._stage(po, PurchaseOrder.Stage.READY_FOR_BILLING)
        invoice = invoice_create(sales_order=order, by=self.ivy, invoice_date=self._days_ago(25))
        invoice_status_change(invoice=invoice, status=Invoice.Status.PAID, by=self.ivy)

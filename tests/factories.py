"""factory-boy factories for the desk's models; workflow state is reached through the services."""

from decimal import Decimal

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from projects.models import Client, Project, SalesOrder, SalesOrderItem
from purchasing.figures import sales_order_purchase_figures_refresh
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier

PASSWORD = "desk-test-password-1"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@desk.example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            # get_or_create: transactional tests empty the tables the data migration filled.
            self.groups.set([Group.objects.get_or_create(name=name)[0] for name in extracted])
        if create:
            self.save()


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    billing_email = factory.Sequence(lambda n: f"billing{n}@client.example.com")
    billing_address = "1 Main Street\nSpringfield"
    terms_days = 30


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Supplier {n}")
    email = factory.Sequence(lambda n: f"orders{n}@supplier.example.com")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    number = factory.Sequence(lambda n: f"P-{5000 + n}")
    name = factory.Sequence(lambda n: f"Project {n}")
    client = factory.SubFactory(ClientFactory)
    order_rep = factory.SubFactory(UserFactory, roles=["Sales"])
    production_rep = factory.SubFactory(UserFactory, roles=["Production"])
    invoicing_rep = factory.SubFactory(UserFactory, roles=["Invoicing"])


class SalesOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesOrder

    number = factory.Sequence(lambda n: f"SO-{5000 + n}")
    project = factory.SubFactory(ProjectFactory)
    status = SalesOrder.Status.NEW


class SalesOrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SalesOrderItem

    sales_order = factory.SubFactory(SalesOrderFactory)
    kind = SalesOrderItem.Kind.PRODUCT
    description = factory.Sequence(lambda n: f"Item {n}")
    quantity = 100
    unit_price = Decimal("2.50")
    unit_cost = Decimal("1.20")
    tax_rate = Decimal("8.25")


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrder

    number = factory.Sequence(lambda n: f"PO-{5000 + n}")
    sales_order = factory.SubFactory(SalesOrderFactory)
    project = factory.SelfAttribute("sales_order.project")
    supplier = factory.SubFactory(SupplierFactory)
    production_rep = factory.SelfAttribute("project.production_rep")


class PurchaseOrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrderItem
        skip_postgeneration_save = True

    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    sales_order_item = factory.SubFactory(
        SalesOrderItemFactory, sales_order=factory.SelfAttribute("..purchase_order.sales_order")
    )
    quantity = factory.SelfAttribute("sales_order_item.quantity")

    @factory.post_generation
    def figures(line, create, extracted, **kwargs):
        # As purchase_order_create does: the item's purchased and shipped quantities follow its PO lines.
        if create:
            sales_order_purchase_figures_refresh(sales_order_id=line.purchase_order.sales_order_id)


def goods_ready(sales_order_id: int) -> None:
    """As when production says an order's goods are there: its POs' rest is declared shipping (what flagging
    or shipping does), so everything not backordered is ready to invoice, and the order is Ready to be Invoiced."""
    PurchaseOrder.objects.filter(sales_order_id=sales_order_id, rest_ships_declared_at__isnull=True).update(
        rest_ships_declared_at=timezone.now()
    )
    sales_order_purchase_figures_refresh(sales_order_id=sales_order_id)
    SalesOrder.objects.filter(pk=sales_order_id).update(status=SalesOrder.Status.READY_TO_BE_INVOICED)

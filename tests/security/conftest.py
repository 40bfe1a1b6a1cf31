"""The security tests' world: one project along the backorder story, and a user per group."""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal
from typing import TypeVar

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import models, transaction
from django.test import Client as WebClient
from django.utils import timezone
from rest_framework.authtoken.models import Token

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.client_links import client_link_token
from invoicing.models import Invoice
from invoicing.services.issue import invoice_create
from notifications.models import Notification
from projects.models import Client, Note, Project, SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem
from tests.factories import (
    ProjectFactory,
    PurchaseOrderFactory,
    PurchaseOrderItemFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    SupplierFactory,
    UserFactory,
)

# The columns of the authorization matrix: signed out, one user per group, a user in no group, a superuser.
SIGNED_OUT = "signed_out"
GROUP_USERS = {"production": "Production", "sales": "Sales", "invoicing": "Invoicing", "managers": "Managers"}
NO_ROLE = "no_role"
SUPERUSER = "superuser"
USER_KEYS = (SIGNED_OUT, *GROUP_USERS, NO_ROLE, SUPERUSER)

ModelT = TypeVar("ModelT", bound=models.Model)


@dataclass
class World:
    """Everything a URL of the desk can point at, reached through the services where there is one."""

    users: dict[str, User]
    tokens: dict[str, str]
    client: Client
    project: Project
    order: SalesOrder
    mugs: SalesOrderItem
    setup: SalesOrderItem
    po: PurchaseOrder
    po_mugs: PurchaseOrderItem
    backorder: Backorder
    note: Note
    invoice: Invoice
    notification: Notification
    client_token: str
    sessions: dict[str, str]  # each signed-in user's session cookie, made once with the world


def build_world() -> World:
    """The world, written through the services; users and tokens first, then the backorder story."""
    users = {key: UserFactory(username=f"matrix.{key}", roles=[group]) for key, group in GROUP_USERS.items()}
    users[NO_ROLE] = UserFactory(username="matrix.no_role", roles=[])
    users[SUPERUSER] = UserFactory(username="matrix.superuser", is_superuser=True, is_staff=True)
    tokens = {key: Token.objects.create(user=user).key for key, user in users.items()}

    project = ProjectFactory(
        name="Spring fair mugs",
        order_rep=users["sales"],
        production_rep=users["production"],
        invoicing_rep=users["invoicing"],
    )
    order = SalesOrderFactory(project=project, status=SalesOrder.Status.IN_PRODUCTION)
    mugs = SalesOrderItemFactory(
        sales_order=order, description="11 oz mug, 2-colour print", quantity=500, unit_price=Decimal("4.25"), position=0
    )
    setup = SalesOrderItemFactory(
        sales_order=order,
        kind=SalesOrderItem.Kind.SERVICE,
        description="Setup charge",
        quantity=1,
        unit_price=Decimal("65.00"),
        position=1,
    )
    po = PurchaseOrderFactory(sales_order=order, supplier=SupplierFactory(), stage=PurchaseOrder.Stage.CONFIRMED)
    po_mugs = PurchaseOrderItemFactory(purchase_order=po, sales_order_item=mugs, quantity=500)
    PurchaseOrderItemFactory(purchase_order=po, sales_order_item=setup, quantity=1)

    # The story: 200 mugs are short, the rest is invoiced now, the order waits in production for them.
    flagged = backorder_flag(
        purchase_order=po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(po_mugs, 200, timezone.localdate() + timedelta(days=7), "Supplier short")],
        note="@matrix.sales @matrix.invoicing 300 mugs and the setup charge can be invoiced now.",
        by=users["production"],
    )
    invoice = invoice_create(sales_order=order, by=users["invoicing"])
    order.refresh_from_db()
    return World(
        users=users,
        tokens=tokens,
        client=project.client,
        project=project,
        order=order,
        mugs=mugs,
        setup=setup,
        po=po,
        po_mugs=po_mugs,
        backorder=flagged.backorders[0],
        note=flagged.note,
        invoice=invoice,
        notification=Notification.objects.get(recipient=users["invoicing"], event_key=f"note:{flagged.note.pk}"),
        client_token=client_link_token(invoice),
        sessions={key: session_cookie(user) for key, user in users.items()},
    )


def session_cookie(user: User) -> str:
    """A signed-in session for the user: its cookie's value, for a request to carry."""
    browser = WebClient()
    browser.force_login(user)
    return browser.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The world, built once per test module in a transaction that is rolled back when the module ends.

    pytest-django runs each test in a transaction of its own, which inside this one is a savepoint: a
    test's writes are rolled back with it, and the next test finds the world exactly as it was built.
    The module's tests are all of that kind (none commits), so nothing here is ever committed.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


# The world's rows a test may change in memory (a client's name, an item's description) and save.
REREAD = (
    "client",
    "project",
    "order",
    "mugs",
    "setup",
    "po",
    "po_mugs",
    "backorder",
    "note",
    "invoice",
    "notification",
)


@pytest.fixture
def world(db, built_world: World, fresh_heartbeats) -> World:
    """The module's world with every object read again, so what one test changes in memory the next never sees."""
    users = {key: fresh(user) for key, user in built_world.users.items()}
    return replace(built_world, users=users, **{name: fresh(getattr(built_world, name)) for name in REREAD})


def fresh(instance: ModelT) -> ModelT:
    return type(instance)._default_manager.get(pk=instance.pk)

"""Fixtures of the page tests: a signed-in client per user, and rows enough to fill the list pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from backorders.models import Backorder
from invoicing.models import Invoice
from notifications.models import Notification
from projects.models import Note, SalesOrder
from purchasing.models import PurchaseOrder
from tests.factories import (
    ProjectFactory,
    PurchaseOrderFactory,
    PurchaseOrderItemFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Hash the factories' passwords cheaply: the list tests write hundreds of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def signed_in(db):
    """Return a test client signed in as the given user."""

    def sign_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def desk_rows(db):
    """Write n projects that each put one row in every section of every desk, for the given user.

    Rows are written directly: these tests measure reads, and the workflow has its own tests.
    """

    def build(n: int, *, for_user) -> None:
        today = timezone.localdate()
        reps = {
            "order_rep": UserFactory(roles=["Sales"]),
            "production_rep": UserFactory(roles=["Production"]),
            "invoicing_rep": UserFactory(roles=["Invoicing"]),
        }
        for index in range(n):
            project = ProjectFactory(**reps)
            order = SalesOrderFactory(project=project, status=SalesOrder.Status.READY_TO_BE_INVOICED)
            item = SalesOrderItemFactory(sales_order=order, quantity=10, unit_price=Decimal("3.00"))
            po = PurchaseOrderFactory(sales_order=order, status=PurchaseOrder.Status.PROBLEM)
            po_item = PurchaseOrderItemFactory(purchase_order=po, sales_order_item=item)
            Backorder.objects.create(
                purchase_order=po,
                purchase_order_item=po_item,
                quantity=2,
                expected_date=today + timedelta(days=index - n // 2),
                reason="Short",
                raised_by=reps["production_rep"],
            )
            note = Note.objects.create(
                project=project, author=reps["production_rep"], body=f"@{for_user.username} see", pinned=True
            )
            note.mentions.add(for_user)
            Invoice.objects.create(
                number=f"INV-T{index:05d}",
                sequence_number=900_000 + index,
                sales_order=order,
                client_id=order.project.client_id,
                date=today,
                due_date=today,
                kind=Invoice.Kind.PARTIAL,
                subtotal=Decimal("6.00"),
                tax=Decimal("0.00"),
                total=Decimal("6.00"),
                issued_by=reps["invoicing_rep"],
            )
            Notification.objects.create(
                recipient=for_user,
                kind=Notification.Kind.MENTION,
                event_key=f"note:{note.pk}",
                project=project,
                message="Mentioned you",
                url=project.get_absolute_url(),
            )

    return build

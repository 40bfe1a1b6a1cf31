"""P-, SO- and PO- numbers under concurrency, on real PostgreSQL: 20 creates at once, 20 distinct numbers."""

from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from core.errors import ValidationFailed
from projects.models import Client, NumberSequence, Project, SalesOrder
from projects.services.clients import client_create
from projects.services.projects import project_create
from projects.services.sales_orders import ItemRequest, sales_order_create
from purchasing.models import PurchaseOrder
from purchasing.services import PurchaseItemRequest, purchase_order_create
from tests.core.test_concurrency import run_at_once
from tests.factories import ClientFactory, ProjectFactory, SalesOrderItemFactory, SupplierFactory, UserFactory

CREATES = 20


@pytest.fixture
def reps(transactional_db, postgres):
    return {
        "order_rep": UserFactory(roles=["Sales"]),
        "production_rep": UserFactory(roles=["Production"]),
        "invoicing_rep": UserFactory(roles=["Invoicing"]),
    }


def numbers_of(results: list, model) -> list[str]:
    assert all(isinstance(result, model) for result in results), results
    return sorted(result.number for result in results)


def test_twenty_projects_opened_at_once_get_twenty_distinct_numbers(reps):
    client = ClientFactory()
    NumberSequence.objects.create(name="P-", last_value=1000)
    ProjectFactory(number="P-1004", **reps)  # a number given by hand earlier is skipped, never reused

    results = run_at_once(
        lambda i: project_create(name=f"Fair {i}", client=client, by=reps["order_rep"], **reps), CREATES
    )

    numbers = numbers_of(results, Project)
    assert numbers == sorted(f"P-{n}" for n in range(1001, 1001 + CREATES + 1) if n != 1004)
    assert NumberSequence.objects.get(name="P-").last_value == 1001 + CREATES


def test_twenty_sales_orders_and_purchase_orders_at_once_get_distinct_numbers(reps):
    project = ProjectFactory(**reps)
    supplier = SupplierFactory()
    item = ItemRequest(description="Mug", quantity=5, unit_price=Decimal("4.25"), supplier=supplier)

    orders = run_at_once(lambda _: sales_order_create(project=project, items=[item], by=reps["order_rep"]), CREATES)
    assert len(set(numbers_of(orders, SalesOrder))) == CREATES
    assert numbers_of(orders, SalesOrder) == sorted(f"SO-{1001 + i}" for i in range(CREATES))

    lines = [SalesOrderItemFactory(sales_order=order) for order in orders]
    purchases = run_at_once(
        lambda i: purchase_order_create(
            sales_order=orders[i],
            supplier=supplier,
            items=[PurchaseItemRequest(sales_order_item=lines[i], quantity=1)],
            by=reps["order_rep"],
        ),
        CREATES,
    )
    assert numbers_of(purchases, PurchaseOrder) == sorted(f"PO-{1001 + i}" for i in range(CREATES))


def test_twenty_new_project_forms_posted_at_once_answer_no_error(reps):
    client = ClientFactory()
    form = {"client": client.pk, **{name: user.pk for name, user in reps.items()}}

    def post(index: int) -> int:
        browser = HttpClient()
        browser.force_login(reps["order_rep"])
        return browser.post(reverse("project-create"), {**form, "name": f"Fair {index}"}).status_code

    statuses = run_at_once(post, CREATES)

    assert statuses == [302] * CREATES
    assert Project.objects.values("number").distinct().count() == CREATES


def test_twenty_identical_new_clients_at_once_make_one_client_and_nineteen_clear_refusals(reps):
    results = run_at_once(
        lambda _: client_create(by=reps["order_rep"], name="Harbor Fair", billing_email="ap@harbor.example.com"),
        CREATES,
    )
    created = [result for result in results if isinstance(result, Client)]
    refused = [result for result in results if isinstance(result, ValidationFailed)]
    assert (len(created), len(refused)) == (1, CREATES - 1), results
    assert {str(refusal) for refusal in refused} == {"name: A client named Harbor Fair already exists."}
    assert Client.objects.filter(name="Harbor Fair").count() == 1

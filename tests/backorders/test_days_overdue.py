"""Days overdue: the Backorders report, its CSV and the API say how late each open backorder is."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone

from backorders.models import Backorder
from tests.api.conftest import token_client
from tests.factories import (
    ProjectFactory,
    PurchaseOrderFactory,
    PurchaseOrderItemFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
)

URL = "/backorders/"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def backorder(*, description: str, days_late: int | None, production_rep, status=Backorder.Status.OPEN) -> Backorder:
    """An open backorder expected `days_late` days ago (negative: in the future; None: no date given)."""
    order = SalesOrderFactory(project=ProjectFactory(production_rep=production_rep))
    item = SalesOrderItemFactory(sales_order=order, description=description, quantity=100)
    po_item = PurchaseOrderItemFactory(purchase_order=PurchaseOrderFactory(sales_order=order), sales_order_item=item)
    expected = None if days_late is None else timezone.localdate() - timedelta(days=days_late)
    return Backorder.objects.create(
        purchase_order=po_item.purchase_order,
        purchase_order_item=po_item,
        quantity=10,
        expected_date=expected,
        reason="Short",
        status=status,
        raised_by=production_rep,
    )


@pytest.fixture
def late_and_not(production_rep):
    """Due today (not late), 1 and 12 days late, due next week, no date; and a resolved one long late."""
    return {
        "today": backorder(description="Pen", days_late=0, production_rep=production_rep),
        "one": backorder(description="Mug", days_late=1, production_rep=production_rep),
        "twelve": backorder(description="Cap", days_late=12, production_rep=production_rep),
        "future": backorder(description="Bag", days_late=-7, production_rep=production_rep),
        "undated": backorder(description="Hat", days_late=None, production_rep=production_rep),
        "resolved": backorder(
            description="Tee", days_late=30, production_rep=production_rep, status=Backorder.Status.RESOLVED
        ),
    }


def signed_in(user) -> HttpClient:
    client = HttpClient()
    client.force_login(user)
    return client


def test_the_report_shows_days_overdue_longest_first(manager, late_and_not):
    response = signed_in(manager).get(URL)
    rows = [(row["item_description"], row["days_overdue"]) for row in response.context["rows"]]
    assert rows == [("Cap", 12), ("Mug", 1), ("Pen", 0), ("Bag", 0), ("Hat", 0)]
    page = response.content.decode()
    assert '<th scope="col" class="num">Days overdue</th>' in page
    assert '<td class="num" data-days-overdue>12</td>' in page
    assert '<td class="num" data-days-overdue>1</td>' in page
    # not overdue: the cell is blank, not 0
    assert page.count('<td class="num" data-days-overdue></td>') == 3


def test_overdue_only_keeps_the_late_ones(manager, late_and_not):
    response = signed_in(manager).get(URL, {"overdue": "yes"})
    assert [(row["item_description"], row["days_overdue"]) for row in response.context["rows"]] == [
        ("Cap", 12),
        ("Mug", 1),
    ]


def test_the_csv_has_days_overdue_zero_when_not_late(manager, late_and_not):
    response = signed_in(manager).get(URL, {"format": "csv", "bom": "0"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(row["item"], row["overdue"], row["days_overdue"]) for row in rows] == [
        ("Cap", "yes", "12"),
        ("Mug", "yes", "1"),
        ("Pen", "no", "0"),
        ("Bag", "no", "0"),
        ("Hat", "no", "0"),
    ]


def test_the_api_says_days_overdue_of_open_backorders_only(manager, late_and_not):
    api = token_client(manager)
    listed = {row["description"]: row["days_overdue"] for row in api.get("/api/backorders/").json()["results"]}
    assert listed == {"Cap": 12, "Mug": 1, "Pen": 0, "Bag": 0, "Hat": 0, "Tee": 0}  # Tee is resolved
    late = api.get("/api/backorders/", {"overdue": "true"}).json()["results"]
    assert [(row["description"], row["days_overdue"], row["overdue"]) for row in late] == [
        ("Cap", 12, True),
        ("Mug", 1, True),
    ]
    one = late_and_not["one"]
    assert api.get(f"/api/backorders/{one.pk}/").json()["days_overdue"] == 1


@pytest.mark.parametrize("count", [2, 30])
def test_days_overdue_costs_no_query_per_row(manager, production_rep, django_assert_num_queries, count):
    for n in range(count):
        backorder(description=f"Item {n}", days_late=n % 5, production_rep=production_rep)
    page, api = signed_in(manager), token_client(manager)
    # session, user, the supplier and client choices, the totals, one page of rows, the saved filters, and the
    # navigation's role check, unread count and Recent menu: the days overdue come from the rows' expected dates
    with django_assert_num_queries(10):
        response = page.get(URL, {"overdue": "yes"})
    assert len(response.context["rows"]) == len([n for n in range(count) if n % 5])
    # token, count, page (PO and item joined)
    with django_assert_num_queries(3):
        response = api.get("/api/backorders/", {"overdue": "true", "page_size": 50})
    assert [row["days_overdue"] > 0 for row in response.json()["results"]] == [True] * len(response.json()["results"])

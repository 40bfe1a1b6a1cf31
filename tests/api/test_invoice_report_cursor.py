"""The Invoices Report API pages by cursor: every row once, ties on the date included, the last page as cheap."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from invoicing.models import Invoice
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.void import invoice_void
from projects.models import SalesOrder
from projects.services.sales_orders import sales_order_status_change
from tests.api.conftest import token_client

URL = "/api/reports/invoices/"


@pytest.fixture
def seven_invoices(mug_order, production_rep, invoicing_rep, manager) -> list[Invoice]:
    """Seven invoices of 10 mugs: four today, two yesterday, one last week; one of today's voided."""
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )
    today = timezone.localdate()
    days = [today - timedelta(days=7), today - timedelta(days=1), today - timedelta(days=1), *[today] * 4]
    invoices = [
        invoice_create(
            sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 10)], by=invoicing_rep, invoice_date=day
        )
        for day in days
    ]
    invoice_void(invoice=invoices[5], reason="Typed twice", by=manager)
    return invoices


def newest_first(invoices: list[Invoice]) -> list[int]:
    return [invoice.pk for invoice in sorted(invoices, key=lambda i: (i.date, i.sequence_number), reverse=True)]


def walk(api, first_params: dict, link: str) -> list[list[int]]:
    """Follow `next` (or `previous`) from the first answer to the end; return each page's ids."""
    pages = []
    response = api.get(URL, first_params)
    while True:
        assert response.status_code == 200, response.content
        answer = response.json()
        assert answer["count"] == 7 and answer["totals"]["count"] == 7
        pages.append([row["id"] for row in answer["results"]])
        if not answer[link]:
            return pages
        response = api.get(answer[link])


def test_following_next_walks_every_row_once_newest_first(as_invoicing, seven_invoices):
    pages = walk(as_invoicing, {"page_size": 3}, "next")
    assert [len(page) for page in pages] == [3, 3, 1]
    walked = [pk for page in pages for pk in page]
    assert walked == newest_first(seven_invoices)  # the four of today tie on the date: by number, newest first
    assert len(set(walked)) == 7


def test_following_previous_from_the_last_page_walks_them_back(as_invoicing, seven_invoices):
    pages = walk(as_invoicing, {"page_size": 3, "page": "last"}, "previous")
    assert [len(page) for page in pages] == [3, 3, 1]  # the last page is full; the first holds the rest
    assert [pk for page in reversed(pages) for pk in page] == newest_first(seven_invoices)


def test_ends_have_no_link_beyond_them_and_the_answer_keeps_its_fields(as_invoicing, seven_invoices):
    first = as_invoicing.get(URL, {"page_size": 3}).json()
    assert set(first) == {"count", "next", "previous", "results", "totals"}
    assert first["previous"] is None and "cursor=" in first["next"] and "page_size=3" in first["next"]
    assert set(first["results"][0]) == {
        "id",
        "number",
        "date",
        "status",
        "kind",
        "client",
        "client_name",
        "project",
        "project_number",
        "sales_order",
        "sales_order_number",
        "order_rep",
        "order_rep_name",
        "subtotal",
        "tax",
        "total",
        "remaining_amount",
    }
    last = as_invoicing.get(URL, {"page_size": 3, "page": "last"}).json()
    assert last["next"] is None and "page=" not in last["previous"] and "cursor=" in last["previous"]
    assert [row["id"] for row in last["results"]] == [seven_invoices[2].pk, seven_invoices[1].pk, seven_invoices[0].pk]


def test_the_links_keep_the_filters(as_invoicing, seven_invoices, mug_order):
    params = {"page_size": 2, "status": "open", "client": mug_order.order.project.client_id}
    pages = []
    response = as_invoicing.get(URL, params)
    while True:
        answer = response.json()
        assert answer["count"] == 6  # the void one is filtered out
        pages.append([row["id"] for row in answer["results"]])
        if not answer["next"]:
            break
        assert "status=open" in answer["next"]
        response = as_invoicing.get(answer["next"])
    expected = [pk for pk in newest_first(seven_invoices) if pk != seven_invoices[5].pk]
    assert [pk for page in pages for pk in page] == expected


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        (
            {"cursor": "nonsense"},
            "cursor",
            "Invalid cursor: follow the `next` or `previous` link of the previous answer.",
        ),
        (
            {"cursor": base64.urlsafe_b64encode(b"after|not-a-date~1").decode()},
            "cursor",
            "Invalid cursor: follow the `next` or `previous` link of the previous answer.",
        ),
        (
            {"cursor": base64.urlsafe_b64encode(b"sideways|2026-01-01~1").decode()},
            "cursor",
            "Invalid cursor: follow the `next` or `previous` link of the previous answer.",
        ),
        ({"page": "2"}, "page", "Pages are reached by cursor: follow `next`; page=last gives the last page."),
        (
            {"page": "last", "cursor": base64.urlsafe_b64encode(b"after|2026-01-01~1").decode()},
            "page",
            "Give page=last or a cursor, not both.",
        ),
    ],
)
def test_a_bad_cursor_or_a_page_number_is_refused_naming_it(as_invoicing, seven_invoices, params, field, message):
    response = as_invoicing.get(URL, params)
    assert response.status_code == 400
    assert response.json() == {field: [message]}


def test_the_last_page_costs_the_first_pages_queries(seven_invoices, manager, django_assert_num_queries):
    # token, the caller's groups, the page (keyset), the totals (one grouped query), the orders' remaining
    for params in ({"page_size": 2}, {"page_size": 2, "page": "last"}, {"page_size": 5}):
        api = token_client(manager)
        with django_assert_num_queries(5):
            response = api.get(URL, params)
        assert response.status_code == 200
    cursor_page = token_client(manager).get(URL, {"page_size": 2}).json()["next"]
    api = token_client(manager)
    with django_assert_num_queries(5):
        assert api.get(cursor_page).status_code == 200

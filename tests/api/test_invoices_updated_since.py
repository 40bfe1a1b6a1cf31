"""Polling invoices with updated_since: every change moves updated_at, and a cursor walk misses no row."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from invoicing.models import Invoice
from invoicing.services.drafts import invoice_draft_issue, invoice_draft_update
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.marks import invoice_mark_undo, invoice_status_change
from invoicing.services.sending import invoice_email_claim, invoice_email_release, invoice_send
from invoicing.services.void import invoice_void
from projects.models import SalesOrder
from projects.services.sales_orders import sales_order_status_change
from tests.api.conftest import token_client

URL = "/api/invoices/"
LONG_AGO = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def ready_order(mug_order, production_rep):
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )
    return mug_order


@pytest.fixture
def invoices(ready_order, invoicing_rep) -> list[Invoice]:
    """Five partial invoices of 10 mugs each, oldest first."""
    return [
        invoice_create(sales_order=ready_order.order, lines=[LineRequest(ready_order.mugs, 10)], by=invoicing_rep)
        for _ in range(5)
    ]


def stamp(invoices: list[Invoice], *moments: datetime) -> None:
    """Set each invoice's updated_at, as if it had last changed then."""
    for invoice, moment in zip(invoices, moments, strict=True):
        Invoice.objects.filter(pk=invoice.pk).update(updated_at=moment)


def updated_at(invoice: Invoice) -> datetime:
    return Invoice.objects.values_list("updated_at", flat=True).get(pk=invoice.pk)


# --- the filter ---------------------------------------------------------------------------------


def test_updated_since_lists_what_changed_at_or_after_oldest_change_first(as_invoicing, invoices):
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    a, b, c, d, e = invoices
    stamp(invoices, base + timedelta(hours=3), base, base + timedelta(hours=1), base - timedelta(days=2), base)
    response = as_invoicing.get(URL, {"updated_since": "2026-03-01T09:00:00Z"})
    assert response.status_code == 200, response.content
    body = response.json()
    # (updated_at, id): b and e tie at 09:00 and come by id
    assert [row["id"] for row in body["results"]] == [b.pk, e.pk, c.pk, a.pk]
    assert body["count"] == 4 and body["next"] is None and body["previous"] is None
    assert body["results"][0]["updated_at"] == "2026-03-01T09:00:00Z"
    # the same moment written with another offset, and a moment in between
    same = as_invoicing.get(URL, {"updated_since": "2026-03-01T11:00:00+02:00"}).json()
    assert [row["id"] for row in same["results"]] == [b.pk, e.pk, c.pk, a.pk]
    later = as_invoicing.get(URL, {"updated_since": "2026-03-01T09:00:00.000001+00:00"}).json()
    assert [row["id"] for row in later["results"]] == [c.pk, a.pk]


def test_a_date_means_from_the_start_of_that_day_in_the_companys_zone(as_invoicing, invoices, settings):
    settings.TIME_ZONE = "America/Chicago"
    a, b, c, d, e = invoices
    # 05:30 UTC on March 2 is still March 1 in Chicago (UTC-6); 06:00 UTC is Chicago's midnight.
    stamp(
        invoices,
        datetime(2026, 3, 2, 5, 30, tzinfo=UTC),
        datetime(2026, 3, 2, 6, 0, tzinfo=UTC),
        datetime(2026, 3, 3, tzinfo=UTC),
        LONG_AGO,
        LONG_AGO,
    )
    with timezone.override("America/Chicago"):
        body = as_invoicing.get(URL, {"updated_since": "2026-03-02"}).json()
    assert [row["id"] for row in body["results"]] == [b.pk, c.pk]


def test_without_updated_since_the_list_is_paged_by_number_as_before(as_invoicing, invoices):
    body = as_invoicing.get(URL, {"page_size": 2}).json()
    assert [row["id"] for row in body["results"]] == [invoices[4].pk, invoices[3].pk]  # newest number first
    assert "page=2" in body["next"] and body["count"] == 5


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "yesterday",
            "Enter an ISO 8601 date (2026-05-01) or date and time with its UTC offset (2026-05-01T09:30:00+02:00).",
        ),
        (
            "2026-13-01",
            "Enter an ISO 8601 date (2026-05-01) or date and time with its UTC offset (2026-05-01T09:30:00+02:00).",
        ),
        (
            "2026-05-01T25:00:00Z",
            "Enter an ISO 8601 date (2026-05-01) or date and time with its UTC offset (2026-05-01T09:30:00+02:00).",
        ),
        (
            "2026-05-01T09:30:00",
            "Give the time's UTC offset (2026-05-01T09:30:00+02:00, or Z for UTC): "
            "without one the moment is ambiguous.",
        ),
    ],
)
def test_bad_updated_since_is_refused_naming_the_field(as_invoicing, invoices, value, message):
    response = as_invoicing.get(URL, {"updated_since": value})
    assert response.status_code == 400
    assert response.json() == {"updated_since": [message]}


# Near the calendar's ends the offset carried the moment past them: PostgreSQL refused the query (a 500).
@pytest.mark.parametrize(
    "value", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59", "0001-01-01", "9999-12-31", "1899-12-31"]
)
@pytest.mark.parametrize("url", [URL, "/api/payments/", "/api/credit-notes/"])
def test_a_moment_out_of_range_is_refused_naming_the_field(as_invoicing, invoices, url, value):
    response = as_invoicing.get(url, {"updated_since": value})
    assert response.status_code == 400
    assert response.json() == {"updated_since": ["Give a moment from 1900-01-01 to 2999-12-31."]}


def test_the_first_and_last_days_in_range_are_taken(as_invoicing, invoices):
    assert as_invoicing.get(URL, {"updated_since": "1900-01-01T00:00:00+00:00"}).json()["count"] == len(invoices)
    assert as_invoicing.get(URL, {"updated_since": "2999-12-31"}).json()["count"] == 0


# --- every change moves updated_at --------------------------------------------------------------


def _moves(invoice: Invoice, change) -> None:
    Invoice.objects.filter(pk=invoice.pk).update(updated_at=LONG_AGO)
    before = timezone.now()
    change()
    assert updated_at(invoice) >= before


def test_issuing_sending_marking_undoing_and_voiding_each_move_updated_at(invoices, invoicing_rep, manager):
    first, second = invoices[0], invoices[1]
    _moves(first, lambda: invoice_send(invoice=first, by=invoicing_rep))
    _moves(first, lambda: invoice_email_claim(invoice_id=first.pk, claim_ttl_seconds=60))
    _moves(first, lambda: invoice_email_release(invoice_id=first.pk, sent=False))
    invoice_email_claim(invoice_id=first.pk, claim_ttl_seconds=60)
    _moves(first, lambda: invoice_email_release(invoice_id=first.pk, sent=True))
    _moves(first, lambda: invoice_status_change(invoice=first, status=Invoice.Status.EXPORTED, by=invoicing_rep))
    _moves(first, lambda: invoice_mark_undo(invoice=first, reason="Exported by mistake", by=manager))
    _moves(first, lambda: invoice_status_change(invoice=first, status=Invoice.Status.PAID, by=invoicing_rep))
    _moves(first, lambda: invoice_mark_undo(invoice=first, reason="Cheque bounced", by=manager))
    _moves(second, lambda: invoice_void(invoice=second, reason="Wrong quantity", by=manager))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.email_state, second.status) == ("sent_to_client", "sent", "void")


def test_saving_editing_and_issuing_a_draft_move_updated_at(ready_order, invoicing_rep):
    draft = invoice_create(
        sales_order=ready_order.order, lines=[LineRequest(ready_order.mugs, 5)], by=invoicing_rep, draft=True
    )
    assert updated_at(draft) >= draft.created_at
    _moves(
        draft, lambda: invoice_draft_update(invoice=draft, lines=[LineRequest(ready_order.mugs, 6)], by=invoicing_rep)
    )
    _moves(draft, lambda: invoice_draft_issue(invoice=draft, by=invoicing_rep))
    assert Invoice.objects.get(pk=draft.pk).status == Invoice.Status.OPEN


# --- the cursor ---------------------------------------------------------------------------------


def _walk(api, params: dict) -> list[list[int]]:
    pages, response = [], api.get(URL, params)
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["previous"] is None
        pages.append([row["id"] for row in body["results"]])
        if not body["next"]:
            return pages
        response = api.get(body["next"])


def test_the_cursor_walks_every_row_once_across_ties(as_invoicing, invoices):
    tie = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    # three share one moment (a queryset update stamps every row alike), two come later
    stamp(invoices, tie, tie, tie, tie + timedelta(seconds=1), tie + timedelta(seconds=1))
    pages = _walk(as_invoicing, {"updated_since": "2026-03-01", "page_size": 2})
    assert [len(page) for page in pages] == [2, 2, 1]
    walked = [pk for page in pages for pk in page]
    assert walked == [invoice.pk for invoice in invoices]  # ties by id, then the later ones by id
    assert len(set(walked)) == len(walked)


def test_a_row_changed_during_the_walk_shifts_nothing_and_comes_again_at_the_end(as_invoicing, invoices, invoicing_rep):
    tie = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    stamp(invoices, *(tie + timedelta(seconds=index) for index in range(5)))
    first_page = as_invoicing.get(URL, {"updated_since": "2026-03-01", "page_size": 2}).json()
    assert [row["id"] for row in first_page["results"]] == [invoices[0].pk, invoices[1].pk]
    # the first row is marked exported between two requests: with page numbers the third row would be skipped
    invoice_status_change(invoice=invoices[0], status=Invoice.Status.EXPORTED, by=invoicing_rep)
    rest = []
    response = as_invoicing.get(first_page["next"])
    while True:
        body = response.json()
        rest += [row["id"] for row in body["results"]]
        if not body["next"]:
            break
        response = as_invoicing.get(body["next"])
    assert rest == [invoices[2].pk, invoices[3].pk, invoices[4].pk, invoices[0].pk]


def test_a_bad_cursor_or_a_page_number_with_updated_since_is_refused(as_invoicing, invoices):
    for cursor in ("nonsense", "bm90IGEgY3Vyc29y", "MjAyNi0wMy0wMVQwOTowMDowMH4x"):  # the last: a naive moment
        response = as_invoicing.get(URL, {"updated_since": "2026-03-01", "cursor": cursor})
        assert response.status_code == 400
        assert response.json() == {"cursor": ["Invalid cursor: follow the `next` link of the previous page."]}
    response = as_invoicing.get(URL, {"updated_since": "2026-03-01", "page": 2})
    assert response.status_code == 400
    assert response.json() == {"page": ["An updated_since list is paged by cursor: follow the `next` link."]}
    response = as_invoicing.get(URL, {"cursor": "abc"})
    assert response.status_code == 400
    assert response.json() == {"cursor": ["A cursor pages an updated_since list only."]}


def test_the_next_link_keeps_the_filters(as_invoicing, invoices, ready_order):
    stamp(invoices, *(LONG_AGO + timedelta(days=index) for index in range(5)))
    body = as_invoicing.get(
        URL, {"updated_since": "2019-12-31", "page_size": 2, "sales_order": ready_order.order.pk}
    ).json()
    query = parse_qs(urlparse(body["next"]).query)
    assert query["updated_since"] == ["2019-12-31"] and query["sales_order"] == [str(ready_order.order.pk)]
    assert query["page_size"] == ["2"] and query["cursor"]


def test_an_updated_since_page_costs_the_same_for_2_and_5_rows(invoices, manager, django_assert_num_queries):
    for size in (2, 5):
        api = token_client(manager)
        # token, count, the page (sales order joined), its lines (one prefetch)
        with django_assert_num_queries(4):
            response = api.get(URL, {"updated_since": "2020-01-01", "page_size": size})
        assert len(response.json()["results"]) == size

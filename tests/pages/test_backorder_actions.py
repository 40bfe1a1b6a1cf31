"""Resolving and cancelling an open backorder from the purchase-order page."""

import pytest
from django.urls import reverse

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from projects.models import PurchaseOrder
from tests.pages.helpers import error_next_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def backorder(mug_order, production_rep, next_week) -> Backorder:
    result = backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short")],
        note="",
        ready_to_invoice=False,
        by=production_rep,
    )
    return result.backorders[0]


def test_resolving_a_backorder(backorder, mug_order, production_rep, signed_in):
    client = signed_in(production_rep)
    response = client.post(reverse("backorder-resolve", args=[backorder.pk]))
    assert response.status_code == 302
    assert response.url == reverse("purchase-order-detail", args=[mug_order.po.pk])
    backorder.refresh_from_db()
    assert backorder.status == Backorder.Status.RESOLVED
    page = client.get(response.url).content.decode()
    assert "Backorder of 200 × 11 oz mug, 2-colour print on PO-1001 is resolved." in page
    assert "No open backorders on this purchase order." in page


def test_resolving_twice_says_so_and_changes_nothing(backorder, production_rep, signed_in):
    client = signed_in(production_rep)
    client.post(reverse("backorder-resolve", args=[backorder.pk]))
    response = client.post(reverse("backorder-resolve", args=[backorder.pk]), follow=True)
    assert "The backorder is Resolved; it cannot be resolved." in response.content.decode()


def test_cancelling_needs_a_reason_shown_next_to_the_field(backorder, mug_order, production_rep, signed_in):
    response = signed_in(production_rep).post(
        reverse("backorder-cancel", args=[backorder.pk]), {f"cancel-{backorder.pk}-reason": ""}
    )
    assert response.status_code == 400
    page = response.content.decode()
    control = f"id_cancel-{backorder.pk}-reason"
    assert error_next_to(page, control, "Say why the backordered goods will never ship.")
    assert '<details class="cancel-backorder" open>' in page
    backorder.refresh_from_db()
    assert backorder.status == Backorder.Status.OPEN


def test_cancelling_with_a_reason(backorder, mug_order, production_rep, signed_in):
    client = signed_in(production_rep)
    response = client.post(
        reverse("backorder-cancel", args=[backorder.pk]), {f"cancel-{backorder.pk}-reason": "Discontinued colour"}
    )
    assert response.status_code == 302
    backorder.refresh_from_db()
    assert (backorder.status, backorder.cancel_reason) == (Backorder.Status.CANCELLED, "Discontinued colour")
    mug_order.refresh()
    assert mug_order.mugs.cancelled_quantity == 200


def test_a_cancel_from_another_page_goes_back_there_with_the_error(backorder, production_rep, signed_in):
    client = signed_in(production_rep)
    response = client.post(reverse("backorder-cancel", args=[backorder.pk]), {"next": "/backorders/?status=open"})
    assert response.status_code == 302
    assert response.url == "/backorders/?status=open"
    shown = [str(message) for message in response.wsgi_request._messages]
    assert shown == ["Say why the backordered goods will never ship."]


def test_an_outside_next_is_ignored(backorder, mug_order, production_rep, signed_in):
    response = signed_in(production_rep).post(
        reverse("backorder-resolve", args=[backorder.pk]), {"next": "https://evil.example.com/"}
    )
    assert response.url == reverse("purchase-order-detail", args=[mug_order.po.pk])


@pytest.mark.parametrize("role", ["sales_rep", "invoicing_rep"])
def test_only_production_and_managers_resolve_or_cancel(request, role, backorder, signed_in):
    client = signed_in(request.getfixturevalue(role))
    assert client.post(reverse("backorder-resolve", args=[backorder.pk])).status_code == 403
    cancel = client.post(reverse("backorder-cancel", args=[backorder.pk]), {f"cancel-{backorder.pk}-reason": "x"})
    assert cancel.status_code == 403
    backorder.refresh_from_db()
    assert backorder.status == Backorder.Status.OPEN


def test_get_is_not_allowed(backorder, production_rep, signed_in):
    assert signed_in(production_rep).get(reverse("backorder-resolve", args=[backorder.pk])).status_code == 405

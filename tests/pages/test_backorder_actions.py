"""Resolving and cancelling an open backorder from the purchase-order page."""

import re

import pytest
from django.urls import reverse

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder
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


def po_page(client, mug_order, **params):
    return client.get(reverse("purchase-order-detail", args=[mug_order.po.pk]), params)


@pytest.fixture
def two_backorders(backorder, mug_order, production_rep, next_week) -> list[Backorder]:
    second = backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_setup, 1, next_week, "Screen not ready")],
        note="",
        ready_to_invoice=False,
        by=production_rep,
    )
    return [backorder, second.backorders[0]]


def test_the_resolve_button_asks_in_a_dialog_before_anything_changes(backorder, mug_order, production_rep, signed_in):
    page = po_page(signed_in(production_rep), mug_order).content.decode()
    # The row's button only opens the question: a GET back to this page, or the dialog with JavaScript.
    button = re.search(
        r'<form method="get" action="/purchase-orders/\d+/#confirm-resolve">\s*'
        rf'<input type="hidden" name="resolve" value="{backorder.pk}">\s*'
        rf'<button type="submit" data-opens-dialog="resolve-dialog-{backorder.pk}">Resolve: goods ready</button>',
        page,
    )
    assert button, "the row's Resolve button does not open the confirmation"
    dialog = re.search(rf'<dialog id="resolve-dialog-{backorder.pk}"[^>]*>(.*?)</dialog>', page, re.S)
    assert dialog
    assert f'action="{reverse("backorder-resolve", args=[backorder.pk])}"' in dialog.group(1)
    assert "Also move PO-1001 to Ready for Billing" in dialog.group(1)
    assert "data-closes-dialog" in dialog.group(1)
    assert "js/dialogs.js" in page
    assert "confirm(" not in page and "data-confirm" not in page.split('id="open-bo-title"')[1]
    backorder.refresh_from_db()
    assert backorder.status == Backorder.Status.OPEN


def test_without_javascript_the_button_leads_to_a_confirmation_section(backorder, mug_order, production_rep, signed_in):
    response = po_page(signed_in(production_rep), mug_order, resolve=backorder.pk)
    assert response.status_code == 200
    page = response.content.decode()
    section = re.search(r'<section[^>]* id="confirm-resolve"[^>]*>(.*?)</section>', page, re.S)
    assert section
    body = section.group(1)
    assert "Resolve the backorder of 200 × 11 oz mug, 2-colour print on PO-1001? The goods are ready." in body
    assert f'action="{reverse("backorder-resolve", args=[backorder.pk])}"' in body
    assert f'for="id_resolve-{backorder.pk}-ready_for_billing"' in body
    assert "Also move PO-1001 to Ready for Billing" in body
    # Its own dialog is not written twice.
    assert f'id="resolve-dialog-{backorder.pk}"' not in page


@pytest.mark.parametrize("value", ["abc", "999999999999999999999999", "-1", ""])
def test_a_confirmation_for_no_open_backorder_is_not_shown(backorder, mug_order, production_rep, signed_in, value):
    response = po_page(signed_in(production_rep), mug_order, resolve=value)
    assert response.status_code == 200
    assert 'id="confirm-resolve"' not in response.content.decode()


def test_the_move_is_offered_only_with_the_last_open_backorder(two_backorders, mug_order, production_rep, signed_in):
    page = po_page(signed_in(production_rep), mug_order).content.decode()
    # One resolve dialog per backorder (besides the page's confirmation dialog, id="confirm-dialog").
    assert page.count('<dialog id="resolve-dialog-') == 2
    assert "Also move PO-1001 to Ready for Billing" not in page


@pytest.mark.parametrize(
    "stage",
    [
        PurchaseOrder.Stage.CREATED,
        PurchaseOrder.Stage.SUBMITTED,
        PurchaseOrder.Stage.CONFIRMED,
        PurchaseOrder.Stage.SHIPPED,
    ],
)
def test_the_move_is_offered_at_every_stage_before_ready_for_billing(
    backorder, mug_order, production_rep, signed_in, stage
):
    PurchaseOrder.objects.filter(pk=mug_order.po.pk).update(stage=stage)
    page = po_page(signed_in(production_rep), mug_order).content.decode()
    assert "Also move PO-1001 to Ready for Billing" in page


def test_resolving_the_last_backorder_can_ready_the_po_for_billing(backorder, mug_order, production_rep, signed_in):
    client = signed_in(production_rep)
    response = client.post(
        reverse("backorder-resolve", args=[backorder.pk]), {f"resolve-{backorder.pk}-ready_for_billing": "on"}
    )
    assert response.status_code == 302
    backorder.refresh_from_db()
    mug_order.refresh()
    assert backorder.status == Backorder.Status.RESOLVED
    assert mug_order.po.stage == PurchaseOrder.Stage.READY_FOR_BILLING
    # Rule 2 follows the stage change: the order can be invoiced.
    assert mug_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED
    page = client.get(response.url).content.decode()
    assert (
        "Backorder of 200 × 11 oz mug, 2-colour print on PO-1001 is resolved. PO-1001 moved to Ready for Billing; "
        "sales order SO-1001 moved to Ready to be Invoiced." in page
    )


def test_resolving_without_the_tick_leaves_the_stage(backorder, mug_order, production_rep, signed_in):
    signed_in(production_rep).post(reverse("backorder-resolve", args=[backorder.pk]), {})
    mug_order.refresh()
    assert mug_order.po.stage == PurchaseOrder.Stage.CONFIRMED
    assert mug_order.order.status == SalesOrder.Status.IN_PRODUCTION


def test_the_move_with_another_backorder_open_is_refused_next_to_the_box(
    two_backorders, mug_order, production_rep, signed_in
):
    first = two_backorders[0]
    response = signed_in(production_rep).post(
        reverse("backorder-resolve", args=[first.pk]), {f"resolve-{first.pk}-ready_for_billing": "on"}
    )
    assert response.status_code == 400
    message = "PO-1001 still has 1 other open backorder; it moves to Ready for Billing once none is open."
    assert error_next_to(response.content.decode(), f"id_resolve-{first.pk}-ready_for_billing", message)
    assert list(Backorder.objects.values_list("status", flat=True)) == ["open", "open"]
    mug_order.refresh()
    assert mug_order.po.stage == PurchaseOrder.Stage.CONFIRMED

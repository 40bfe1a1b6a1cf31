"""Resolve: goods ready asks first, in a real dialog; the last backorder can ready the PO for billing with it."""

import re

import pytest
from playwright.sync_api import expect

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("no_browser_dialogs"),
]


@pytest.fixture
def backorder(mug_order, production_rep, next_week) -> Backorder:
    return backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short on white mugs")],
        note="@sam @ivy 300 mugs can be invoiced now.",
        ready_to_invoice=False,
        by=production_rep,
    ).backorders[0]


def test_resolving_asks_in_a_dialog_and_can_ready_the_po(
    page, sign_in, screenshot, backorder, mug_order, production_rep
):
    sign_in(production_rep)
    page.goto(f"/purchase-orders/{mug_order.po.pk}/")
    row_button = page.get_by_test_id("open-backorders").get_by_role("button", name="Resolve: goods ready")

    # The button only asks; keeping the backorder open changes nothing and gives the focus back.
    row_button.click()
    dialog = page.get_by_role("dialog", name="Resolve this backorder?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(
        "Resolve the backorder of 200 × 11 oz mug, 2-colour print on PO-1001? The goods are ready."
    )
    screenshot("resolve-dialog")
    dialog.get_by_role("button", name="Keep it open").click()
    expect(dialog).to_be_hidden()
    expect(row_button).to_be_focused()
    assert Backorder.objects.get(pk=backorder.pk).status == Backorder.Status.OPEN

    # Escape closes it too.
    row_button.click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # The last open backorder offers the PO's move; ticked, one click does both.
    row_button.click()
    dialog.get_by_label("Also move PO-1001 to Ready for Billing").check()
    dialog.get_by_role("button", name="Yes, resolve").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Backorder of 200 × 11 oz mug, 2-colour print on PO-1001 is resolved. PO-1001 moved to Ready for Billing; "
        "sales order SO-1001 moved to Ready to be Invoiced."
    )
    expect(page.get_by_test_id("po-stage")).to_have_text("Ready for Billing")
    expect(page.get_by_text("No open backorders on this purchase order.")).to_be_visible()
    assert Backorder.objects.get(pk=backorder.pk).status == Backorder.Status.RESOLVED
    assert SalesOrder.objects.get(pk=mug_order.order.pk).status == SalesOrder.Status.READY_TO_BE_INVOICED


def test_without_javascript_the_button_leads_to_the_question(
    new_context, sign_in, backorder, mug_order, production_rep
):
    page = sign_in(production_rep, window=new_context(java_script_enabled=False).new_page())
    page.goto(f"/purchase-orders/{mug_order.po.pk}/")
    page.get_by_test_id("open-backorders").get_by_role("button", name="Resolve: goods ready").click()

    expect(page).to_have_url(
        re.compile(rf"/purchase-orders/{mug_order.po.pk}/\?resolve={backorder.pk}#confirm-resolve$")
    )
    question = page.locator("#confirm-resolve")
    expect(question).to_contain_text("Resolve this backorder?")
    # The PO's last open backorder: the move is offered ticked; this rep resolves without it.
    move = question.get_by_label("Also move PO-1001 to Ready for Billing")
    expect(move).to_be_checked()
    move.uncheck()
    assert Backorder.objects.get(pk=backorder.pk).status == Backorder.Status.OPEN

    question.get_by_role("button", name="Yes, resolve").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Backorder of 200 × 11 oz mug, 2-colour print on PO-1001 is resolved."
    )
    assert Backorder.objects.get(pk=backorder.pk).status == Backorder.Status.RESOLVED
    # Unticked, the stage stays.
    assert PurchaseOrder.objects.get(pk=mug_order.po.pk).stage == PurchaseOrder.Stage.CONFIRMED

"""One order from a flagged backorder to the client's status page: the update is proposed, sent, read, answered."""

import re

import pytest
from playwright.sync_api import expect

from backorders.models import ClientUpdate
from notifications.models import Notification
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_flagged_backorder_reaches_the_client_who_says_ship_what_is_ready(
    page, new_context, sign_in, mug_order, production_rep, sales_rep, next_week, mailoutbox
):
    # Production flags 200 of the 500 mugs short.
    sign_in(production_rep)
    page.goto(f"/purchase-orders/{mug_order.po.pk}/")
    page.get_by_label("Backordered quantity of 11 oz mug, 2-colour print").fill("200")
    page.get_by_label("Expected date of 11 oz mug, 2-colour print").fill(next_week.isoformat())
    page.get_by_label("Reason").fill("Supplier short on white mugs")
    page.get_by_role("button", name="Flag backorder").click()
    expect(page.get_by_role("status")).to_contain_text("Flagged 1 backorder on PO-1001")

    # The order rep finds the proposed update on the sales order, edits it and sends it with one click.
    rep = new_context().new_page()
    sign_in(sales_rep, rep)
    rep.goto(f"/sales-orders/{mug_order.order.pk}/")
    email = mug_order.order.project.client.billing_email
    box = rep.get_by_label(f"Email to {email}")
    expect(box).to_contain_text("Part of your order is delayed")
    expect(box).to_contain_text("200 × 11 oz mug, 2-colour print, expected")
    box.fill(box.input_value().replace("Kind regards,", "Thank you for your patience.\n\nKind regards,"))
    rep.get_by_role("button", name=f"Send update to {email}").click()
    expect(rep.get_by_role("status")).to_contain_text(f"The update on SO-1001 is on its way to {email}.")
    expect(rep.get_by_test_id("client-updates-sent")).to_contain_text(f"Backorder flagged, to {email} by Sam Seller")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    rep.screenshot(path=str(SCREENSHOTS / "client-update-sent.png"), full_page=True)

    sent = [message for message in mailoutbox if message.to == [email]]
    assert len(sent) == 1 and "Thank you for your patience." in sent[0].body
    update = ClientUpdate.objects.get()
    assert update.status == "sent" and update.email_state == "sent"
    link = re.search(r"https?://\S+/status/\S+/", sent[0].body).group(0)

    # The client, signed out, opens the link on a phone and says what is ready may ship now.
    client = new_context(viewport={"width": 375, "height": 800}).new_page()
    client.goto(link)
    expect(client.get_by_role("heading", name="Order SO-1001")).to_be_visible()
    expect(client.get_by_test_id("status-shipped")).to_contain_text("300 × 11 oz mug, 2-colour print")
    expect(client.get_by_test_id("status-backordered")).to_contain_text("200 × 11 oz mug, 2-colour print, expected")
    assert client.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    client.get_by_role("button", name="OK to ship what is ready now").click()
    expect(client.get_by_test_id("ok-to-ship-recorded")).to_contain_text("that what is ready may ship now")
    client.screenshot(path=str(SCREENSHOTS / "client-status-page.png"), full_page=True)

    # Production and invoicing are told, and the sales order says so.
    told = Notification.objects.filter(kind=Notification.Kind.CLIENT_OK_TO_SHIP)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["ivy", "pat"]
    page.goto(f"/sales-orders/{mug_order.order.pk}/")
    expect(page.get_by_test_id("client-ok-to-ship")).to_contain_text("what is ready may ship")

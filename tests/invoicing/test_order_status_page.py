"""The client's status page of an order: what shipped, what is backordered until when, what was invoiced and remains."""

import time
from unittest import mock

import pytest
from django.core import signing
from django.urls import reverse
from django.utils.formats import date_format

from backorders.status_links import SALT, status_link_token, status_link_url
from invoicing.client_links import client_link_token
from notifications.models import Notification
from projects.models import Activity

pytestmark = pytest.mark.django_db


def _view(token: str) -> str:
    return reverse("order-status-client-view", args=[token])


def _reveals_nothing(response, order) -> None:
    html = response.content.decode()
    assert response.status_code == 404
    assert "Not found" in html
    assert order.number not in html and order.project.client.name not in html


def test_the_page_shows_shipped_backordered_invoiced_and_what_remains(partial_invoice, next_week, client):
    order = partial_invoice.sales_order

    response = client.get(_view(status_link_token(order)))

    assert response.status_code == 200
    html = response.content.decode()
    assert f"Order {order.number}" in html and order.project.client.name in html
    # shipped: the 300 mugs that left (the 200 backordered did not), backordered with their date
    assert "300 × 11 oz mug, 2-colour print" in html
    assert f"200 × 11 oz mug, 2-colour print, expected {date_format(next_week)}" in html
    # invoiced: the issued invoice, its date and total, linked to its own client link
    assert "Invoice INV-000001" in html and "1,450.55" in html
    # (signed a moment ago, so compared up to its time stamp)
    assert reverse("invoice-client-view", args=[client_link_token(partial_invoice)]).split(":")[0] + ":" in html
    # what remains: per item, still to invoice
    assert 'data-figure="to-invoice">200<' in html
    assert "OK to ship what is ready now" in html
    assert response["Referrer-Policy"] == "same-origin" and response["Cache-Control"] == "private, no-store"


def test_the_page_shows_no_price_not_invoiced_no_note_and_no_way_into_the_desk(partial_invoice, client):
    order = partial_invoice.sales_order

    html = client.get(_view(status_link_token(order))).content.decode()

    # the 200 backordered mugs are not invoiced: neither their unit price nor their amount shows
    assert "4.25" not in html and "850.00" not in html and "850" not in html
    # nothing internal: the flag's reason and note, the PO, the supplier, the desk's people
    for private in (
        "Supplier short on white mugs",
        "@sam",
        "PO-1001",
        order.purchase_orders.get().supplier.name,
        "Ivy",
    ):
        assert private not in html
    links = {link.split('"')[0] for link in html.split('href="')[1:]}
    assert all(link.startswith(("/static/", "/invoices/c/")) for link in links), links
    assert "My desk" not in html and "Sign out" not in html


def test_a_draft_or_void_invoice_is_not_listed(ready_order, issue, manager, client):
    from invoicing.services.void import invoice_void

    invoice = issue(ready_order, (ready_order.items.first(), 10))
    invoice_void(invoice=invoice, reason="Issued in error", by=manager)

    html = client.get(_view(status_link_token(ready_order))).content.decode()

    assert invoice.number not in html and "Nothing has been invoiced yet." in html


def test_a_tampered_expired_or_foreign_link_is_not_found(partial_invoice, client, settings):
    order = partial_invoice.sales_order
    token = status_link_token(order)

    _reveals_nothing(client.get(_view(token[:-1] + ("A" if token[-1] != "A" else "B"))), order)
    _reveals_nothing(client.get(_view("not-a-token")), order)
    # signed for another purpose (the invoice's own link), or naming another order's number
    _reveals_nothing(client.get(_view(client_link_token(partial_invoice))), order)
    mixed = signing.TimestampSigner(salt=SALT).sign_object({"id": order.pk, "number": "SO-9999"})
    _reveals_nothing(client.get(_view(mixed)), order)
    # expired
    settings.CLIENT_LINK_MAX_AGE_DAYS = 30
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 31 * 24 * 3600):
        old = status_link_token(order)
    _reveals_nothing(client.get(_view(old)), order)
    assert client.post(reverse("order-status-ok-to-ship", args=[old])).status_code == 404
    assert client.get(_view(token)).status_code == 200


def test_the_url_is_absolute_on_the_site(partial_invoice, settings):
    settings.SITE_URL = "https://desk.example.com/"
    assert status_link_url(partial_invoice.sales_order).startswith("https://desk.example.com/status/")


def test_ok_to_ship_is_recorded_once_logged_and_told_to_production_and_invoicing(
    partial_invoice, production_rep, invoicing_rep, client
):
    order = partial_invoice.sales_order
    token = status_link_token(order)
    csrf_client = type(client)(enforce_csrf_checks=True)
    # without the page's CSRF token the answer is refused
    assert csrf_client.post(reverse("order-status-ok-to-ship", args=[token])).status_code == 403
    csrf_client.get(_view(token))

    for _ in range(2):  # a second press changes nothing
        response = csrf_client.post(
            reverse("order-status-ok-to-ship", args=[token]),
            {"csrfmiddlewaretoken": csrf_client.cookies["csrftoken"].value},
        )
        assert response.status_code == 302

    order.refresh_from_db()
    assert order.client_ok_to_ship_at is not None
    assert Activity.objects.filter(verb__startswith="recorded the client's OK to ship").count() == 1
    told = Notification.objects.filter(kind=Notification.Kind.CLIENT_OK_TO_SHIP)
    assert sorted(told.values_list("recipient__username", flat=True)) == ["ivy", "pat"]
    assert told.first().message == f"{order.project.client.name} says what is ready on SO-1001 may ship now."
    assert "You told us on" in client.get(_view(token)).content.decode()
    # the reps see it on the sales order page and on the invoicing desk's ready list
    client.force_login(invoicing_rep)
    assert 'data-testid="client-ok-to-ship"' in client.get(order.get_absolute_url()).content.decode()
    order.status = order.Status.READY_TO_BE_INVOICED
    order.save(update_fields=["status"])
    assert 'data-testid="desk-client-ok"' in client.get(reverse("desk")).content.decode()

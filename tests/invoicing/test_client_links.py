"""The client link: a signed, expiring URL that shows one invoice, and nothing for any other token."""

import time
from unittest import mock

import pytest
from django.core import signing
from django.urls import reverse

from invoicing.client_links import SALT, client_link_token, client_link_url, invoice_for_token
from invoicing.services.void import invoice_void

pytestmark = pytest.mark.django_db

DAY = 24 * 3600


def _view(token: str) -> str:
    return reverse("invoice-client-view", args=[token])


def _pdf(token: str) -> str:
    return reverse("invoice-client-pdf", args=[token])


def _token_made(seconds_ago: float, invoice) -> str:
    with mock.patch("django.core.signing.time.time", return_value=time.time() - seconds_ago):
        return client_link_token(invoice)


def _reveals_nothing(response, *invoices) -> None:
    html = response.content.decode()
    assert response.status_code == 404
    assert "Not found" in html
    for invoice in invoices:
        assert invoice.number not in html
        assert invoice.sales_order.number not in html
        assert invoice.sales_order.project.client.name not in html
        assert f"{invoice.total:,.2f}" not in html


def test_the_link_shows_that_invoice_without_signing_in(partial_invoice, client):
    response = client.get(_view(client_link_token(partial_invoice)))

    assert response.status_code == 200
    html = response.content.decode()
    assert "INV-000001" in html and "1,450.55" in html and "Setup charge" in html
    assert partial_invoice.sales_order.project.client.name in html
    assert "has a remaining balance still to be invoiced" in html
    # nothing of the desk: no navigation, no staff names
    assert "My desk" not in html and "Sign out" not in html and "Ivy" not in html
    # the token stays out of referrers, search engines and shared caches
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert response["Cache-Control"] == "private, no-store"


def test_the_link_gives_the_pdf(partial_invoice, client):
    token = client_link_token(partial_invoice)

    response = client.get(_pdf(token))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert _pdf(token) in client.get(_view(token)).content.decode()


def test_the_url_is_absolute_on_the_site(partial_invoice, settings):
    settings.SITE_URL = "https://desk.example.com/"

    url = client_link_url(partial_invoice)

    assert url.startswith("https://desk.example.com/invoices/c/")
    assert invoice_for_token(url.rstrip("/").rsplit("/", 1)[1]) == partial_invoice


def test_a_changed_token_shows_nothing(partial_invoice, client):
    token = client_link_token(partial_invoice)
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")

    _reveals_nothing(client.get(_view(changed)), partial_invoice)
    _reveals_nothing(client.get(_pdf(changed)), partial_invoice)
    _reveals_nothing(client.get(_view("not-a-token")), partial_invoice)


def test_an_expired_token_shows_nothing(partial_invoice, client, settings):
    settings.CLIENT_LINK_MAX_AGE_DAYS = 30

    assert client.get(_view(_token_made(29 * DAY, partial_invoice))).status_code == 200
    expired = _token_made(30 * DAY + 60, partial_invoice)
    _reveals_nothing(client.get(_view(expired)), partial_invoice)
    _reveals_nothing(client.get(_pdf(expired)), partial_invoice)


def test_the_expiry_follows_the_setting(partial_invoice, settings):
    token = _token_made(3 * DAY, partial_invoice)

    settings.CLIENT_LINK_MAX_AGE_DAYS = 2
    assert invoice_for_token(token) is None
    settings.CLIENT_LINK_MAX_AGE_DAYS = 4
    assert invoice_for_token(token) == partial_invoice


def test_a_token_naming_another_invoice_shows_nothing(partial_invoice, ready_order, issue, client):
    other = issue(ready_order, (ready_order.items.first(), 10))
    signer = signing.TimestampSigner(salt=SALT)
    # a validly signed token whose id and number do not belong together (e.g. from another database)
    mixed = signer.sign_object({"id": other.pk, "number": partial_invoice.number})

    _reveals_nothing(client.get(_view(mixed)), partial_invoice, other)
    # each invoice's own token shows only that invoice
    html = client.get(_view(client_link_token(other))).content.decode()
    assert other.number in html and partial_invoice.number not in html


def test_a_token_signed_for_another_purpose_shows_nothing(partial_invoice, client):
    elsewhere = signing.TimestampSigner(salt="some.other.purpose").sign_object(
        {"id": partial_invoice.pk, "number": partial_invoice.number}
    )

    _reveals_nothing(client.get(_view(elsewhere)), partial_invoice)


def test_a_void_invoice_link_shows_nothing(partial_invoice, manager, client):
    token = client_link_token(partial_invoice)
    invoice_void(invoice=partial_invoice, reason="Issued in error", by=manager)

    _reveals_nothing(client.get(_view(token)), partial_invoice)


def test_a_debug_server_reveals_nothing_either(partial_invoice, client, settings):
    settings.DEBUG = True

    _reveals_nothing(client.get(_view("x" + client_link_token(partial_invoice))), partial_invoice)


def test_link_lifetime_is_shown_to_staff(partial_invoice, ivy_client, settings):
    settings.CLIENT_LINK_MAX_AGE_DAYS = 14

    html = ivy_client.get(reverse("invoice-detail", args=[partial_invoice.pk])).content.decode()

    assert "Valid for 14 days from now." in html

"""Links in emails point at the site's own address: SITE_URL when set, else the address the request came in on."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse

from invoicing.emails import invoice_email_message
from notifications.models import Notification

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# `make run PORT=8202` on a machine called desk.local
HOST = "desk.local:8202"


@pytest.fixture
def on_desk_local(settings):
    settings.SITE_URL = ""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "desk.local"]


def _emails_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def test_site_url_is_unset_by_default():
    environment = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
    show = "from django.conf import settings; print(repr(settings.SITE_URL))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", show],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "''"


def test_the_invoice_email_links_to_the_host_and_port_it_was_sent_from(
    on_desk_local, partial_invoice, ivy_client, sales_rep, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ivy_client.post(reverse("invoice-send", args=[partial_invoice.pk]), HTTP_HOST=HOST)
    assert response.status_code == 302

    # the client's email: the link in the text and the HTML
    [message] = _emails_to(partial_invoice.sales_order.project.client.billing_email)
    [(html_body, _)] = message.alternatives
    assert "\nhttp://desk.local:8202/invoices/c/" in message.body
    assert 'href="http://desk.local:8202/invoices/c/' in html_body
    assert "127.0.0.1:8000" not in message.body + html_body
    # the order rep's notification email
    notification = Notification.objects.get(recipient=sales_rep, kind=Notification.Kind.INVOICE_SENT)
    [notice] = _emails_to(sales_rep.email)
    assert f"Open it: http://desk.local:8202/notifications/{notification.pk}/open/\n" in notice.body


def test_an_invoice_email_sent_later_by_the_worker_keeps_the_address_it_was_asked_from(
    on_desk_local, partial_invoice, ivy_client, django_capture_on_commit_callbacks
):
    # the request commits, but its email waits (a broker outage): nothing runs the callbacks
    ivy_client.post(reverse("invoice-send", args=[partial_invoice.pk]), HTTP_HOST=HOST)
    partial_invoice.refresh_from_db()
    assert partial_invoice.email_site_url == "http://desk.local:8202"

    # the worker builds the email later, with no request in sight
    message = invoice_email_message(invoice=partial_invoice)

    assert "\nhttp://desk.local:8202/invoices/c/" in message.body


def test_a_mention_email_links_to_the_host_the_note_was_written_on(
    on_desk_local, mug_order, client, production_rep, invoicing_rep, django_capture_on_commit_callbacks
):
    client.force_login(production_rep)
    project = mug_order.order.project

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("note-create", args=[project.pk]), {"body": "@ivy 300 mugs can go now"}, HTTP_HOST=HOST)

    notification = Notification.objects.get(recipient=invoicing_rep)
    [message] = _emails_to(invoicing_rep.email)
    assert f"Open it: http://desk.local:8202/notifications/{notification.pk}/open/\n" in message.body


def test_site_url_when_set_is_used_whatever_host_the_request_came_in_on(
    on_desk_local, settings, partial_invoice, ivy_client, sales_rep, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://desk.example.com/"

    with django_capture_on_commit_callbacks(execute=True):
        ivy_client.post(reverse("invoice-send", args=[partial_invoice.pk]), HTTP_HOST=HOST)

    [message] = _emails_to(partial_invoice.sales_order.project.client.billing_email)
    assert "\nhttps://desk.example.com/invoices/c/" in message.body
    [notice] = _emails_to(sales_rep.email)
    assert "Open it: https://desk.example.com/notifications/" in notice.body
    assert "desk.local" not in message.body + notice.body

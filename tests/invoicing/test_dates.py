"""Every date a person reads is in the company's one format: pages, emails and PDFs follow DATE_FORMAT."""

import io
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from invoicing.client_links import client_link_token
from invoicing.pdf import invoice_pdf_bytes
from invoicing.services.sending import invoice_send
from purchasing.pdf import purchase_order_pdf_bytes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def company_default(day: date) -> str:
    """The default DATE_FORMAT, "M j, Y": Dec 1, 2026."""
    return f"{day:%b} {day.day}, {day.year}"


def day_first(day: date) -> str:
    """The override the tests set, "d.m.Y": 01.12.2026."""
    return f"{day:%d.%m.%Y}"


def everything_a_person_reads(invoice, client, invoicing_rep, capture) -> dict[str, str]:
    """The invoice page, the client's page, the email to the client (text and HTML) and the PDF, as text."""
    client.force_login(invoicing_rep)
    staff_page = client.get(reverse("invoice-detail", args=[invoice.pk])).content.decode()
    client_page = client.get(reverse("invoice-client-view", args=[client_link_token(invoice)])).content.decode()
    with capture(execute=True):
        invoice_send(invoice=invoice, by=invoicing_rep)
    [email] = [message for message in mail.outbox if message.to == [invoice.bill_to.billing_email]]
    pdf = PdfReader(io.BytesIO(invoice_pdf_bytes(invoice)))
    return {
        "invoice page": staff_page,
        "client's page": client_page,
        "email text": email.body,
        "email HTML": email.alternatives[0][0],
        "PDF": " ".join(" ".join(page.extract_text() for page in pdf.pages).split()),
    }


def missing(texts: dict[str, str], *wanted: str) -> list[str]:
    return [f"{name} lacks {day!r}" for name, text in texts.items() for day in wanted if day not in text]


def test_the_invoice_dates_read_alike_on_the_pages_in_the_email_and_in_the_pdf(
    partial_invoice, client, invoicing_rep, django_capture_on_commit_callbacks
):
    texts = everything_a_person_reads(partial_invoice, client, invoicing_rep, django_capture_on_commit_callbacks)
    wanted = (company_default(partial_invoice.date), company_default(partial_invoice.due_date))
    assert not missing(texts, *wanted), missing(texts, *wanted)
    # No other spelling of the same day anywhere: not the long month, not ISO.
    due = partial_invoice.due_date
    for other in (f"{due:%B} {due.day}, {due.year}", due.isoformat()):
        assert not [name for name, text in texts.items() if other in text], other


def test_one_setting_changes_every_date_a_person_reads(
    partial_invoice, client, invoicing_rep, django_capture_on_commit_callbacks, settings
):
    settings.DATE_FORMAT = "d.m.Y"
    texts = everything_a_person_reads(partial_invoice, client, invoicing_rep, django_capture_on_commit_callbacks)
    wanted = (day_first(partial_invoice.date), day_first(partial_invoice.due_date))
    assert not missing(texts, *wanted), missing(texts, *wanted)
    assert not [name for name, text in texts.items() if company_default(partial_invoice.due_date) in text]
    # The times beside dates follow it too: when the invoice was issued.
    assert f"{day_first(partial_invoice.date)} " in texts["invoice page"]


def test_the_purchase_order_pdf_and_page_follow_the_setting_too(backordered_mug_order, client, manager, settings):
    settings.DATE_FORMAT = "d.m.Y"
    po = backordered_mug_order.po
    po.expected_date = date(2031, 5, 1)
    po.save(update_fields=["expected_date"])
    client.force_login(manager)
    page = client.get(reverse("purchase-order-detail", args=[po.pk])).content.decode()
    pdf = PdfReader(io.BytesIO(purchase_order_pdf_bytes(po)))
    pdf_text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    assert "01.05.2031" in page
    assert "01.05.2031" in pdf_text
    assert "May 1, 2031" not in page + pdf_text


def test_date_inputs_stay_iso_for_the_browser(backordered_mug_order, client, manager, settings):
    settings.DATE_FORMAT = "d.m.Y"
    client.force_login(manager)
    order = backordered_mug_order.order
    order.in_hands_date = date(2031, 5, 1)
    order.save(update_fields=["in_hands_date"])
    page = client.get(reverse("sales-order-edit", args=[order.pk])).content.decode()
    assert 'value="2031-05-01"' in page


def settings_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess:
    """Print how a fresh process with this environment shows Dec 1, 2026."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    script = (
        "import datetime, django; django.setup(); from django.conf import settings; "
        "from django.utils.formats import date_format; "
        "print(settings.LANGUAGE_CODE, date_format(datetime.date(2026, 12, 1)), sep='|')"
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_the_format_and_the_language_come_from_the_environment():
    assert settings_in_a_fresh_process().stdout.strip() == "en-us|Dec 1, 2026"
    assert settings_in_a_fresh_process(DATE_FORMAT="Y/m/d").stdout.strip() == "en-us|2026/12/01"
    assert settings_in_a_fresh_process(LANGUAGE_CODE="en-gb").stdout.strip() == "en-gb|Dec 1, 2026"


def test_a_language_without_the_companys_formats_is_refused_by_name():
    refused = settings_in_a_fresh_process(LANGUAGE_CODE="de")
    assert refused.returncode != 0
    assert (
        "LANGUAGE_CODE 'de' has no date formats in config/formats/: add config/formats/de/formats.py "
        "like config/formats/en/formats.py, so DATE_FORMAT applies to it too."
    ) in refused.stderr

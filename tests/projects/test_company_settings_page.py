"""Managers edit the company settings in the app, not only in the admin; everyone else is refused."""

import logging
import re
from html import unescape

import pytest
from django.urls import reverse

from projects.models import CompanySettings
from purchasing.pdf import purchase_order_pdf_bytes
from tests.projects.test_company_settings import _form, _text, company, po_for_pdf  # noqa: F401

pytestmark = pytest.mark.django_db

URL = reverse("company-settings")


def errors_by_field(html: str) -> dict[str, str]:
    return {
        field: unescape(text)
        for field, text in re.findall(r'<p class="field-error" id="id_(\w+)_error">([^<]*)</p>', html)
    }


def test_a_manager_finds_it_in_the_navigation_and_others_do_not(client, manager, sales_rep, production_rep):
    client.force_login(manager)
    assert f'<a href="{URL}" >Company settings</a>' in client.get(reverse("desk")).content.decode()
    for user in (sales_rep, production_rep):
        client.force_login(user)
        assert URL not in client.get(reverse("desk")).content.decode()


def test_only_managers_open_it(client, manager, sales_rep, invoicing_rep, production_rep, company):  # noqa: F811
    for user in (sales_rep, invoicing_rep, production_rep):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, _form(company, name="Taken over")).status_code == 403
    assert CompanySettings.load().name == "Ελληνικά Δώρα Promotions"

    client.force_login(manager)
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("Company name", "Address", "Tax id", "Currency", "Contact email", "Phone", "Website"):
        assert f">{label}</label>" in html
    assert "Remit to / bank details</label>" in html
    assert 'value="EL094019245"' in html


def test_a_manager_saves_it_the_pdfs_follow_and_the_change_is_logged(
    client,
    manager,
    company,  # noqa: F811
    po_for_pdf,  # noqa: F811
    caplog,
):
    client.force_login(manager)
    with caplog.at_level(logging.INFO, logger="projects.services.company"):
        response = client.post(
            URL,
            _form(company, name="Nordwind Werbemittel GmbH", currency="eur", remit_to="IBAN DE00 1234"),
        )

    assert response.status_code == 302 and response["Location"] == URL
    saved = CompanySettings.load()
    assert (saved.name, saved.currency, saved.remit_to) == ("Nordwind Werbemittel GmbH", "EUR", "IBAN DE00 1234")
    assert "Nordwind Werbemittel GmbH" in _text(purchase_order_pdf_bytes(po_for_pdf))
    assert [record.getMessage() for record in caplog.records if record.name == "projects.services.company"] == [
        f"Company settings changed by {manager.username}: name, currency, remit_to"
    ]
    page = unescape(client.get(URL).content.decode())
    assert "Company settings saved (company name, currency, remit to / bank details)" in page


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"name": ""}, "name", "Company name is required."),
        ({"name": "N" * 201}, "name", "Company name may hold at most 200 characters; this has 201."),
        ({"currency": "$$"}, "currency", "Enter the currency's three-letter ISO 4217 code, such as USD, EUR or CAD."),
        ({"email": "not an address"}, "email", "Contact email must be an email address, such as billing@example.com."),
        ({"tax_id": "T" * 51}, "tax_id", "Tax id may hold at most 50 characters; this has 51."),
    ],
)
def test_bad_input_is_named_next_to_its_field_and_nothing_changes(
    client,
    manager,
    company,  # noqa: F811
    changes,
    field,
    error,
):
    client.force_login(manager)

    response = client.post(URL, _form(company, **changes))

    assert response.status_code == 400
    assert errors_by_field(response.content.decode()) == {field: error}
    assert CompanySettings.load().name == "Ελληνικά Δώρα Promotions"


def test_html_in_a_field_is_shown_escaped(client, manager, company):  # noqa: F811
    client.force_login(manager)
    client.post(URL, _form(company, name="<b>Bold</b> & Co"))

    html = client.get(URL).content.decode()
    assert "<b>Bold</b>" not in html
    assert 'value="&lt;b&gt;Bold&lt;/b&gt; &amp; Co"' in html

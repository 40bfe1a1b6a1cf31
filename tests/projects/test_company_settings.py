"""The company's details: one row in the admin, printed on the PO PDF and in the emails; the client's PO number."""

import io
import re
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.roles import Role
from invoicing.client_links import client_link_token
from invoicing.emails import invoice_email_message
from invoicing.services.issue import LineRequest, invoice_create
from projects.models import Activity, CompanySettings, SalesOrder
from purchasing.emails import purchase_order_email_message
from purchasing.pdf import purchase_order_pdf_bytes
from tests.factories import SalesOrderFactory, SalesOrderItemFactory, SupplierFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGE = "admin:projects_companysettings_change"
CHANGELIST = "admin:projects_companysettings_changelist"
ERRORS = re.compile(r"(?:field-error|form-error)[^>]*>([^<]*)")


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.fixture
def company(db) -> CompanySettings:
    company = CompanySettings.load()
    company.name = "Ελληνικά Δώρα Promotions"
    company.address = "Odos Ermou 12\nAthens 105 63\nGreece"
    company.tax_id = "EL094019245"
    company.email = "billing@dora.example.com"
    company.phone = "+30 21 0555 0101"
    company.website = "dora.example.com"
    company.save()
    return company


def _staff(*, manager: bool, superuser: bool = False):
    user = UserFactory(is_staff=True, is_superuser=superuser)
    if manager:
        user.groups.add(Group.objects.get_or_create(name=Role.MANAGERS)[0])
    return user


def _form(company: CompanySettings, **changes) -> dict:
    data = {
        "name": company.name,
        "address": company.address,
        "tax_id": company.tax_id,
        "currency": company.currency,
        "email": company.email,
        "phone": company.phone,
        "website": company.website,
        "remit_to": company.remit_to,
    }
    return data | changes


# --- the admin: one row --------------------------------------------------------------------------


def test_the_list_goes_straight_to_the_one_row_made_from_the_settings_if_need_be(client, settings):
    CompanySettings.objects.all().delete()
    settings.DISTRIBUTOR_NAME = "Fresh Desk Promotions"
    client.force_login(_staff(manager=True))

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302 and response["Location"] == reverse(CHANGE, args=[1])
    assert list(CompanySettings.objects.values_list("pk", "name")) == [(1, "Fresh Desk Promotions")]


def test_a_manager_on_the_staff_edits_the_company_and_the_pdf_follows(client, company, po_for_pdf):
    client.force_login(_staff(manager=True))
    page = client.get(reverse(CHANGE, args=[1]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="remit_to"' in body and 'name="currency"' in body
    assert reverse("admin:projects_companysettings_delete", args=[1]) not in body  # no Delete link

    response = client.post(
        reverse(CHANGE, args=[1]), _form(company, name="Nordwind Werbemittel GmbH", currency="eur", tax_id="DE1234")
    )

    assert response.status_code == 302
    saved = CompanySettings.load()
    assert (saved.name, saved.currency, saved.tax_id) == ("Nordwind Werbemittel GmbH", "EUR", "DE1234")
    assert CompanySettings.objects.count() == 1
    assert "Nordwind Werbemittel GmbH" in _text(purchase_order_pdf_bytes(po_for_pdf))


def test_a_currency_that_is_not_an_iso_code_is_refused_next_to_the_field(client, company):
    client.force_login(_staff(manager=True))

    response = client.post(reverse(CHANGE, args=[1]), _form(company, currency="$$"))

    assert response.status_code == 200
    assert "Enter the currency&#x27;s three-letter ISO 4217 code, such as USD, EUR or CAD." in response.content.decode()
    assert CompanySettings.load().currency == "USD"


def test_there_is_no_second_row_and_nothing_to_delete(client, company):
    client.force_login(_staff(manager=True, superuser=True))

    assert client.get(reverse("admin:projects_companysettings_add")).status_code == 403
    assert client.post(reverse("admin:projects_companysettings_add"), _form(company, name="Second")).status_code == 403
    delete = reverse("admin:projects_companysettings_delete", args=[1])
    assert client.get(delete).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert list(CompanySettings.objects.values_list("name", flat=True)) == [company.name]


def test_staff_who_are_not_managers_may_not_edit_it(client, company):
    client.force_login(_staff(manager=False))

    assert client.get(reverse(CHANGE, args=[1])).status_code == 403
    assert client.post(reverse(CHANGE, args=[1]), _form(company, name="Taken over")).status_code == 403
    assert CompanySettings.load().name == company.name


def test_a_manager_who_is_not_staff_is_sent_to_the_admin_sign_in(client, company, manager):
    client.force_login(manager)

    response = client.post(reverse(CHANGE, args=[1]), _form(company, name="Taken over"))

    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
    assert CompanySettings.load().name == company.name


# --- the PO PDF and the emails ---------------------------------------------------------------------


@pytest.fixture
def partial_invoice(invoicing_rep):
    """An order Ready to be Invoiced with 40 of its 100 caps invoiced."""
    order = SalesOrderFactory(status=SalesOrder.Status.READY_TO_BE_INVOICED)
    caps = SalesOrderItemFactory(sales_order=order, description="Embroidered cap", quantity=100)
    return invoice_create(sales_order=order, lines=[LineRequest(caps, 40)], by=invoicing_rep)


@pytest.fixture
def po_for_pdf(mug_order):
    po = mug_order.po
    po.supplier.name = "Дмитрий Кружки 王小明"
    po.supplier.save()
    return po


def test_the_po_pdf_carries_the_company_and_any_script(company, po_for_pdf):
    text = _text(purchase_order_pdf_bytes(po_for_pdf))

    assert "Ελληνικά Δώρα Promotions" in text
    assert "Odos Ermou 12 Athens 105 63 Greece" in text
    assert "billing@dora.example.com · +30 21 0555 0101" in text and "dora.example.com" in text
    assert "Tax id: EL094019245" in text
    assert "Дмитрий Кружки 王小明" in text


def test_the_emails_name_the_company_from_its_settings(company, po_for_pdf, partial_invoice):
    po_message = purchase_order_email_message(purchase_order=po_for_pdf)
    invoice = partial_invoice
    invoice_message = invoice_email_message(invoice=invoice)

    assert po_message.subject == "Purchase order PO-1001 from Ελληνικά Δώρα Promotions"
    assert invoice_message.subject == f"Invoice {invoice.number} from Ελληνικά Δώρα Promotions"
    assert "Odos Ermou 12" in invoice_message.body
    assert not mail.outbox  # built, not sent


def test_the_client_link_page_names_the_company(company, partial_invoice, client):
    response = client.get(reverse("invoice-client-view", args=[client_link_token(partial_invoice)]))

    assert response.status_code == 200
    assert "Ελληνικά Δώρα Promotions" in response.content.decode()


# --- the client's PO number on the sales order -------------------------------------------------------


def _editor_post(order: SalesOrder, **header) -> dict:
    data = {
        "in_hands_date": "",
        "ship_to": "",
        "client_po_number": "",
        "sales_order": order.pk,
    }
    for index, item in enumerate(order.items.order_by("position")):
        data |= {
            f"items-{index}-id": item.pk,
            f"items-{index}-kind": item.kind,
            f"items-{index}-description": item.description,
            f"items-{index}-supplier": item.supplier_id or "",
            f"items-{index}-quantity": item.quantity,
            f"items-{index}-unit_price": item.unit_price,
            f"items-{index}-unit_cost": item.unit_cost,
            f"items-{index}-tax_rate": item.tax_rate,
        }
    return data | header


@pytest.fixture
def new_order():
    order = SalesOrderFactory()
    SalesOrderItemFactory(sales_order=order, description="Tote bag", supplier=SupplierFactory())
    return order


def test_the_editor_saves_the_client_po_number_and_the_page_shows_it(client, sales_rep, new_order):
    order = new_order
    client.force_login(sales_rep)
    form = client.get(reverse("sales-order-edit", args=[order.pk])).content.decode()
    assert '<label for="id_client_po_number">Client&#x27;s PO number</label>' in form

    response = client.post(
        reverse("sales-order-edit", args=[order.pk]), _editor_post(order, client_po_number=" 4500-88 ")
    )

    assert response.status_code == 302, ERRORS.findall(response.content.decode())
    order.refresh_from_db()
    assert order.client_po_number == "4500-88"
    page = client.get(reverse("sales-order-detail", args=[order.pk])).content.decode()
    assert '<span data-testid="client-po-number">4500-88</span>' in page
    change = Activity.objects.get(verb="changed the client's PO number of")
    assert (change.from_value, change.to_value, change.actor) == ("", "4500-88", sales_rep)


def test_a_client_po_number_too_long_is_refused_next_to_the_field(client, sales_rep, new_order):
    order = new_order
    client.force_login(sales_rep)

    response = client.post(reverse("sales-order-edit", args=[order.pk]), _editor_post(order, client_po_number="9" * 51))

    assert response.status_code == 400
    assert '<p class="field-error" id="id_client_po_number_error">' in response.content.decode()
    order.refresh_from_db()
    assert order.client_po_number == ""


def test_the_api_takes_the_client_po_number_on_create_and_change(sales_rep, partial_invoice):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=sales_rep).key}")
    project = partial_invoice.sales_order.project
    item = {"description": "Tote bag", "quantity": 10, "unit_price": "3.35"}
    created = api.post(
        "/api/sales-orders/", {"project": project.pk, "client_po_number": "ACME-PO-77", "items": [item]}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["client_po_number"] == "ACME-PO-77"

    # an invoiced order's PO number may still change: clients often send theirs late
    order = partial_invoice.sales_order
    url = f"/api/sales-orders/{order.pk}/"
    changed = api.patch(url, {"client_po_number": "LATE-1"}, format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["client_po_number"] == "LATE-1"

    refused = api.patch(url, {"client_po_number": "9" * 51}, format="json")
    assert refused.status_code == 400
    assert "client_po_number" in refused.json()
    order.refresh_from_db()
    assert order.client_po_number == "LATE-1"


# --- the demo ----------------------------------------------------------------------------------------


def test_seed_demo_fills_the_company_details_the_admin_left_blank(db, tmp_path, settings):
    company = CompanySettings.load()
    company.phone = "+1 971 555 0100"  # set by hand before the demo is loaded
    company.save()

    call_command("seed_demo", "--password", "demo-pass-123", "--sign-ins-file", "", stdout=StringIO())

    company = CompanySettings.load()
    assert company.name == settings.DISTRIBUTOR_NAME  # the demo keeps the name it always had
    assert company.phone == "+1 971 555 0100"
    assert company.tax_id == "EIN 93-4418207"
    assert company.email == "billing@northwind-promo.example.com"
    assert company.website == "www.northwind-promo.example.com"
    assert "routing (ABA) 123000848" in company.remit_to
    assert company.currency == "USD"

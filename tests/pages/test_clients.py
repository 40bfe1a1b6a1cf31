"""The clients pages: list and search, a client with what remains to invoice on its orders, the forms."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from invoicing.services.issue import LineRequest, invoice_create
from projects.models import Client, SalesOrder
from tests.factories import (
    ClientFactory,
    ProjectFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    UserFactory,
    goods_ready,
)
from tests.pages.helpers import error_next_to

pytestmark = pytest.mark.django_db

# Every signed-in page pays 5 queries before its own: the session, the user, the user's groups
# (for the role checks and the navigation), the unread-notification count and the Recent menu.
PAGE_BASE = 5

TERMS_MESSAGE = "Payment terms must be a whole number of days from 0 to 365."
VALID = {
    "name": "Harbor Fair",
    "billing_email": "accounts@harbor.example",
    "billing_address": "1 Pier Road\nPortland",
    "tax_id": "EIN 12-3456789",
    "terms_days": "45",
}
MARKUP = '<script>alert("x")</script><b>bold</b>'


def stored(client: Client) -> dict:
    return dict(Client.objects.filter(pk=client.pk).values(*VALID).get())


# --- creating and editing ------------------------------------------------------------------------


def test_a_sales_rep_creates_a_client_and_lands_on_its_page(sales_rep, signed_in):
    browser = signed_in(sales_rep)
    response = browser.post(reverse("client-create"), VALID)
    client = Client.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("client-detail", args=[client.pk])
    assert stored(client) == {**VALID, "terms_days": 45}
    page = browser.get(response.url).content.decode()
    assert "Client Harbor Fair is saved." in page
    assert "<h1>Harbor Fair</h1>" in page
    assert "1 Pier Road<br>Portland" in page
    assert "Net 45 days · amounts in USD" in page


def test_the_form_labels_every_field_and_names_the_company_currency_near_the_terms(sales_rep, signed_in, settings):
    settings.CURRENCY = "EUR"
    response = signed_in(sales_rep).get(reverse("client-create"))
    assert response.status_code == 200
    page = response.content.decode()
    labels = {
        "id_name": "Name",
        "id_billing_email": "Billing email",
        "id_billing_address": "Billing address",
        "id_tax_id": "Tax id",
        "id_terms_days": "Payment terms (days)",
    }
    for control, label in labels.items():
        assert f'<label for="{control}">{label}</label>' in page
    terms_help = re.search(r'<p class="help" id="id_terms_days_helptext">([^<]*)</p>', page).group(1)
    assert terms_help == "Days the client has to pay an invoice, 0 for due on receipt. Amounts are in EUR."
    assert 'value="30"' in page  # the usual terms are filled in


def test_a_sales_rep_edits_a_client(sales_rep, signed_in):
    client = ClientFactory(name="Harbour Fair", terms_days=30)
    browser = signed_in(sales_rep)
    form = browser.get(reverse("client-edit", args=[client.pk])).content.decode()
    assert 'value="Harbour Fair"' in form
    response = browser.post(reverse("client-edit", args=[client.pk]), {**VALID, "terms_days": "0"})
    assert response.status_code == 302
    assert response.url == reverse("client-detail", args=[client.pk])
    assert stored(client) == {**VALID, "terms_days": 0}
    page = browser.get(response.url).content.decode()
    assert "Client Harbor Fair is saved." in page
    assert "Due on receipt · amounts in USD" in page


def test_a_client_keeps_a_default_tax_rate_for_its_orders(sales_rep, signed_in):
    browser = signed_in(sales_rep)
    form = browser.get(reverse("client-create")).content.decode()
    assert '<label for="id_default_tax_rate">Default tax %</label>' in form

    browser.post(reverse("client-create"), {**VALID, "default_tax_rate": "8.25"})
    client = Client.objects.get()
    assert client.default_tax_rate == Decimal("8.25")
    page = browser.get(reverse("client-detail", args=[client.pk])).content.decode()
    assert '<dd data-testid="client-default-tax">8.25% on a new order\'s items</dd>' in page

    # Left blank, no tax.
    browser.post(reverse("client-edit", args=[client.pk]), {**VALID, "default_tax_rate": ""})
    client.refresh_from_db()
    assert client.default_tax_rate == Decimal("0.00")


def test_a_manager_may_write_clients_too(manager, signed_in):
    response = signed_in(manager).post(reverse("client-create"), VALID)
    assert response.status_code == 302
    assert Client.objects.filter(name="Harbor Fair").exists()


# --- bad input: a message naming the field, next to it, and nothing changes ------------------------

BAD_INPUT = [
    ("name", "x" * 10_000, "Name may hold at most 200 characters; this has 10000."),
    ("name", "", "Name is required."),
    ("name", "   ", "Name is required."),
    ("billing_email", "not-an-email", "Billing email must be an email address, such as accounts@client.example."),
    ("billing_email", "", "Billing email is required."),
    ("billing_address", "x" * 1001, "Billing address may hold at most 1000 characters; this has 1001."),
    ("tax_id", "x" * 51, "Tax id may hold at most 50 characters; this has 51."),
    ("terms_days", "-1", TERMS_MESSAGE),
    ("terms_days", "400", TERMS_MESSAGE),
    ("terms_days", "thirty", TERMS_MESSAGE),
    ("terms_days", "", TERMS_MESSAGE),
    ("default_tax_rate", "101", "Default tax rate must be a percent from 0 to 100."),
    ("default_tax_rate", "-1", "Default tax rate must not be negative."),
]
BAD_IDS = [
    "name-10000",
    "name-empty",
    "name-blank",
    "email-bad",
    "email-empty",
    "address-long",
    "tax-id-long",
    "terms-negative",
    "terms-400",
    "terms-words",
    "terms-empty",
    "tax-rate-101",
    "tax-rate-negative",
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT, ids=BAD_IDS)
def test_a_bad_field_is_refused_next_to_it_and_nothing_is_created(sales_rep, signed_in, field, value, message):
    response = signed_in(sales_rep).post(reverse("client-create"), {**VALID, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert error_next_to(response.content.decode(), f"id_{field}", message)
    assert not Client.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT, ids=BAD_IDS)
def test_a_bad_field_is_refused_on_edit_and_the_client_is_unchanged(sales_rep, signed_in, field, value, message):
    client = ClientFactory(**{**VALID, "terms_days": 45})
    before = stored(client)
    response = signed_in(sales_rep).post(reverse("client-edit", args=[client.pk]), {**VALID, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert error_next_to(response.content.decode(), f"id_{field}", message)
    assert stored(client) == before


def test_a_duplicate_name_is_refused_naming_the_client(sales_rep, signed_in):
    ClientFactory(name="Harbor Fair")
    response = signed_in(sales_rep).post(reverse("client-create"), VALID)
    assert response.status_code == 400
    message = "A client named Harbor Fair already exists."
    assert response.context["form"].errors == {"name": [message]}
    assert error_next_to(response.content.decode(), "id_name", message)
    assert Client.objects.count() == 1


def test_renaming_to_another_clients_name_is_refused_and_the_page_keeps_the_stored_name(sales_rep, signed_in):
    ClientFactory(name=MARKUP)
    client = ClientFactory(name="Harbour Fair")
    before = stored(client)
    response = signed_in(sales_rep).post(reverse("client-edit", args=[client.pk]), {**VALID, "name": MARKUP})
    assert response.status_code == 400
    message = f"A client named {MARKUP} already exists."
    assert response.context["form"].errors == {"name": [message]}
    page = response.content.decode()
    assert error_next_to(page, "id_name", message)
    assert '<h1 class="record-title">Edit Harbour Fair</h1>' in page
    assert stored(client) == before


def test_markup_in_every_text_field_is_shown_as_text(sales_rep, signed_in):
    client = ClientFactory(
        name=MARKUP,
        billing_email='"<b>ap</b>"@client.example',
        billing_address=f"{MARKUP}\nline two",
        tax_id="<i>EIN</i>",
    )
    browser = signed_in(sales_rep)
    pages = {
        "list": browser.get(reverse("client-list")),
        "search": browser.get(reverse("client-list"), {"q": "<script>"}),
        "detail": browser.get(reverse("client-detail", args=[client.pk])),
        "form": browser.get(reverse("client-edit", args=[client.pk])),
    }
    escaped_name = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"
    for name, response in pages.items():
        page = response.content.decode()
        assert response.status_code == 200, name
        assert "<script>alert" not in page, name
        assert "<b>" not in page and "<i>" not in page, name
        assert escaped_name in page, name
        assert "&quot;&lt;b&gt;ap&lt;/b&gt;&quot;@client.example" in page, name
    assert "&lt;i&gt;EIN&lt;/i&gt;" in pages["list"].content.decode()
    detail = pages["detail"].content.decode()
    assert f"{escaped_name}<br>line two" in detail and "&lt;i&gt;EIN&lt;/i&gt;" in detail
    form = pages["form"].content.decode()
    assert f">\n{escaped_name}\nline two</textarea>" in form
    assert 'value="&lt;i&gt;EIN&lt;/i&gt;"' in form


def test_a_saved_name_with_markup_is_escaped_in_the_message_too(sales_rep, signed_in):
    browser = signed_in(sales_rep)
    response = browser.post(reverse("client-create"), {**VALID, "name": MARKUP}, follow=True)
    page = response.content.decode()
    assert "Client &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt; is saved." in page
    assert "<script>alert" not in page


# --- the list ------------------------------------------------------------------------------------


def test_the_list_searches_name_email_and_tax_id_and_links_each_client(production_rep, signed_in):
    harbor = ClientFactory(name="Harbor Fair", billing_email="ap@harbor.example", tax_id="EIN 11")
    acme = ClientFactory(name="Acme Events", billing_email="billing@acme.example", tax_id="VAT GB 99")
    browser = signed_in(production_rep)
    url = reverse("client-list")

    def names(**query) -> list[str]:
        return [client.name for client in browser.get(url, query).context["clients"]]

    assert names() == ["Acme Events", "Harbor Fair"]
    assert names(q="harbor") == ["Harbor Fair"]
    assert names(q="BILLING@acme") == ["Acme Events"]
    assert names(q="gb 99") == ["Acme Events"]
    assert names(q="ein") == ["Harbor Fair"]
    assert names(q="nothing like it") == []
    page = browser.get(url).content.decode()
    assert '<label for="id_q">Search clients</label>' in page
    for client in (harbor, acme):
        assert f'<a href="{reverse("client-detail", args=[client.pk])}">{client.name}</a>' in page
    assert "No client matches this search." in browser.get(url, {"q": "nothing like it"}).content.decode()


def test_the_list_pages_by_50_and_keeps_the_search(production_rep, signed_in):
    ClientFactory.create_batch(51)
    browser = signed_in(production_rep)
    first = browser.get(reverse("client-list"), {"q": "Client"})
    assert len(first.context["clients"]) == 50
    assert "?q=Client&amp;page=2" in first.content.decode()
    second = browser.get(reverse("client-list"), {"q": "Client", "page": 2})
    assert len(second.context["clients"]) == 1


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_costs_the_same_for_5_or_50_clients(rows, production_rep, signed_in, django_assert_num_queries):
    for client in ClientFactory.create_batch(rows):
        ProjectFactory(client=client)
    browser = signed_in(production_rep)
    # The page count, then the clients with their project counts in one grouped query.
    with django_assert_num_queries(PAGE_BASE + 2):
        response = browser.get(reverse("client-list"))
    assert response.status_code == 200
    assert len(re.findall(r'href="/clients/\d+/"', response.content.decode())) == rows


# --- a client's page -----------------------------------------------------------------------------


def test_the_client_page_shows_each_project_and_what_remains_to_invoice_on_each_order(
    mug_order, invoicing_rep, sales_rep, signed_in
):
    # 500 mugs at 4.25 and a 65.00 setup; 200 mugs are invoiced, so 300 × 4.25 + 65.00 = 1,340.00 remain.
    mug_order.order.status = SalesOrder.Status.READY_TO_BE_INVOICED
    mug_order.order.save()
    invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 200)], by=invoicing_rep)
    client = mug_order.order.project.client
    second = ProjectFactory(client=client, number="P-1002", name="Trade show pens")
    pens = SalesOrderFactory(project=second, number="SO-1002")
    SalesOrderItemFactory(sales_order=pens, quantity=1000, unit_price=Decimal("0.80"))
    ProjectFactory(client=client, number="P-1003", name="Not ordered yet")
    ProjectFactory(number="P-1004", name="Someone else's")

    response = signed_in(sales_rep).get(reverse("client-detail", args=[client.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert [project.number for project in response.context["projects"]] == ["P-1003", "P-1002", "P-1001"]
    assert "Someone else" not in page
    for project in response.context["projects"]:
        assert f'href="{reverse("project-detail", args=[project.pk])}"' in page
    rows = dict(re.findall(r'data-so="(SO-\d+)">.*?data-testid="so-remaining">([^<]*)<', page, re.S))
    assert rows == {"SO-1001": "1,340.00", "SO-1002": "800.00"}  # and 1,000 pens at 0.80
    assert f'href="{reverse("sales-order-detail", args=[pens.pk])}"' in page
    assert "No sales orders yet." in page
    assert re.search(r'data-testid="client-remaining">2,140.00 USD<', page)


def test_the_remaining_amount_falls_as_the_client_is_invoiced(mug_order, invoicing_rep, sales_rep, signed_in):
    # The whole order is invoiced at once: nothing remains on it, and the page says so.
    goods_ready(mug_order.order.pk)
    invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    client = mug_order.order.project.client
    page = signed_in(sales_rep).get(reverse("client-detail", args=[client.pk])).content.decode()
    assert re.search(r'data-so="SO-1001">.*?>Fully invoiced<.*?data-testid="so-remaining">0.00<', page, re.S)
    assert re.search(r'data-testid="client-remaining">0.00 USD<', page)


def test_an_unknown_client_is_not_found(production_rep, signed_in):
    assert signed_in(production_rep).get(reverse("client-detail", args=[999_999])).status_code == 404
    assert signed_in(UserFactory(roles=["Sales"])).get(reverse("client-edit", args=[999_999])).status_code == 404


# --- who may do what -----------------------------------------------------------------------------


def test_the_new_and_edit_buttons_show_only_to_those_who_may_write(sales_rep, production_rep, signed_in):
    client = ClientFactory()
    new = f'href="{reverse("client-create")}"'
    edit = f'href="{reverse("client-edit", args=[client.pk])}"'
    as_sales = signed_in(sales_rep)
    as_production = signed_in(production_rep)
    assert new in as_sales.get(reverse("client-list")).content.decode()
    assert edit in as_sales.get(reverse("client-detail", args=[client.pk])).content.decode()
    assert new not in as_production.get(reverse("client-list")).content.decode()
    assert edit not in as_production.get(reverse("client-detail", args=[client.pk])).content.decode()


@pytest.mark.parametrize("roles", [["Production"], ["Invoicing"], []], ids=["production", "invoicing", "no-role"])
def test_others_may_read_but_not_write_clients(roles, signed_in):
    client = ClientFactory(name="Harbour Fair")
    before = stored(client)
    browser = signed_in(UserFactory(roles=roles))
    assert browser.get(reverse("client-list")).status_code == 200
    assert browser.get(reverse("client-detail", args=[client.pk])).status_code == 200
    for url in (reverse("client-create"), reverse("client-edit", args=[client.pk])):
        refused = browser.get(url)
        assert refused.status_code == 403
        assert "This page is for Sales or Managers." in refused.content.decode()
        assert browser.post(url, VALID).status_code == 403
    assert list(Client.objects.values_list("name", flat=True)) == ["Harbour Fair"]
    assert stored(client) == before


def test_signed_out_every_clients_page_sends_to_sign_in(client):
    record = ClientFactory()
    urls = [
        reverse("client-list"),
        reverse("client-detail", args=[record.pk]),
        reverse("client-create"),
        reverse("client-edit", args=[record.pk]),
    ]
    for url in urls:
        for response in (client.get(url), client.post(url, VALID)):
            assert response.status_code == 302
            assert response.url == f"{reverse('login')}?next={url}"
    assert Client.objects.count() == 1

"""The suppliers pages: list and search, a supplier with its purchase orders, the forms."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from purchasing.models import PurchaseOrder, Supplier
from tests.factories import (
    ProjectFactory,
    PurchaseOrderFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    SupplierFactory,
    UserFactory,
)
from tests.pages.helpers import error_next_to

pytestmark = pytest.mark.django_db

# Every signed-in page pays 5 queries before its own: the session, the user, the user's groups
# (for the role checks and the navigation), the unread-notification count and the Recent menu.
PAGE_BASE = 5

VALID = {"name": "Mugs & Co", "email": "orders@mugs.example", "phone": "+1 555 0100"}
MARKUP = '<script>alert("x")</script><b>bold</b>'
ESCAPED_MARKUP = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;"


def stored(supplier: Supplier) -> dict:
    return dict(Supplier.objects.filter(pk=supplier.pk).values(*VALID).get())


# --- creating and editing ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Sales", "Production", "Managers"])
def test_sales_production_and_managers_create_a_supplier_and_land_on_its_page(role, signed_in):
    browser = signed_in(UserFactory(roles=[role]))
    response = browser.post(reverse("supplier-create"), VALID)
    supplier = Supplier.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("supplier-detail", args=[supplier.pk])
    assert stored(supplier) == VALID
    page = browser.get(response.url).content.decode()
    assert "Supplier Mugs &amp; Co is saved." in page
    assert "<h1>Mugs &amp; Co</h1>" in page
    assert '<a href="mailto:orders@mugs.example">orders@mugs.example</a>' in page
    assert "+1 555 0100" in page


def test_the_form_labels_every_field_and_says_where_purchase_orders_go(production_rep, signed_in):
    response = signed_in(production_rep).get(reverse("supplier-create"))
    assert response.status_code == 200
    page = response.content.decode()
    for control, label in {"id_name": "Name", "id_email": "Email", "id_phone": "Phone"}.items():
        assert f'<label for="{control}">{label}</label>' in page
    assert '<p class="help" id="id_email_helptext">Purchase orders are emailed here</p>' in page


def test_a_production_rep_edits_a_supplier_and_may_clear_the_email(production_rep, signed_in):
    supplier = SupplierFactory(name="Mugs and Co", email="old@mugs.example", phone="")
    browser = signed_in(production_rep)
    form = browser.get(reverse("supplier-edit", args=[supplier.pk])).content.decode()
    assert 'value="Mugs and Co"' in form and 'value="old@mugs.example"' in form
    response = browser.post(reverse("supplier-edit", args=[supplier.pk]), {**VALID, "email": ""})
    assert response.status_code == 302
    assert response.url == reverse("supplier-detail", args=[supplier.pk])
    assert stored(supplier) == {**VALID, "email": ""}
    page = browser.get(response.url).content.decode()
    assert "Supplier Mugs &amp; Co is saved." in page
    assert "purchase orders cannot be emailed until one is set" in page


# --- bad input: a message naming the field, next to it, and nothing changes ------------------------

BAD_INPUT = [
    ("name", "x" * 10_000, "Name may hold at most 200 characters; this has 10000."),
    ("name", "", "Name is required."),
    ("name", "   ", "Name is required."),
    ("email", "not-an-email", "Email must be an email address, such as orders@supplier.example."),
    ("email", "orders@", "Email must be an email address, such as orders@supplier.example."),
    ("phone", "5" * 41, "Phone may hold at most 40 characters; this has 41."),
]
BAD_IDS = ["name-10000", "name-empty", "name-blank", "email-bad", "email-no-domain", "phone-long"]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT, ids=BAD_IDS)
def test_a_bad_field_is_refused_next_to_it_and_nothing_is_created(sales_rep, signed_in, field, value, message):
    response = signed_in(sales_rep).post(reverse("supplier-create"), {**VALID, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert error_next_to(response.content.decode(), f"id_{field}", message)
    assert not Supplier.objects.exists()


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUT, ids=BAD_IDS)
def test_a_bad_field_is_refused_on_edit_and_the_supplier_is_unchanged(production_rep, signed_in, field, value, message):
    supplier = SupplierFactory(**VALID)
    before = stored(supplier)
    response = signed_in(production_rep).post(reverse("supplier-edit", args=[supplier.pk]), {**VALID, field: value})
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert error_next_to(response.content.decode(), f"id_{field}", message)
    assert stored(supplier) == before


def test_a_duplicate_name_is_refused_naming_the_supplier(sales_rep, signed_in):
    SupplierFactory(name="Mugs & Co")
    response = signed_in(sales_rep).post(reverse("supplier-create"), VALID)
    assert response.status_code == 400
    message = "A supplier named Mugs & Co already exists."
    assert response.context["form"].errors == {"name": [message]}
    assert error_next_to(response.content.decode(), "id_name", message)
    assert Supplier.objects.count() == 1


def test_renaming_to_another_suppliers_name_is_refused_and_nothing_changes(production_rep, signed_in):
    SupplierFactory(name="Pens Direct")
    supplier = SupplierFactory(**VALID)
    before = stored(supplier)
    response = signed_in(production_rep).post(
        reverse("supplier-edit", args=[supplier.pk]), {**VALID, "name": "Pens Direct", "phone": "+1 555 0199"}
    )
    assert response.status_code == 400
    message = "A supplier named Pens Direct already exists."
    page = response.content.decode()
    assert error_next_to(page, "id_name", message)
    assert '<h1 class="record-title">Edit Mugs &amp; Co</h1>' in page
    assert stored(supplier) == before


def test_markup_in_every_text_field_is_shown_as_text(sales_rep, signed_in):
    supplier = SupplierFactory(name=MARKUP, email='"<b>po</b>"@supplier.example', phone="<i>555</i>")
    browser = signed_in(sales_rep)
    pages = {
        "list": browser.get(reverse("supplier-list")),
        "search": browser.get(reverse("supplier-list"), {"q": "<script>"}),
        "detail": browser.get(reverse("supplier-detail", args=[supplier.pk])),
        "form": browser.get(reverse("supplier-edit", args=[supplier.pk])),
    }
    for name, response in pages.items():
        page = response.content.decode()
        assert response.status_code == 200, name
        assert "<script>alert" not in page, name
        assert "<b>" not in page and "<i>" not in page, name
        assert ESCAPED_MARKUP in page, name
        assert "&quot;&lt;b&gt;po&lt;/b&gt;&quot;@supplier.example" in page, name
        assert "&lt;i&gt;555&lt;/i&gt;" in page, name


def test_a_saved_name_with_markup_is_escaped_in_the_message_too(sales_rep, signed_in):
    response = signed_in(sales_rep).post(reverse("supplier-create"), {**VALID, "name": MARKUP}, follow=True)
    page = response.content.decode()
    assert f"Supplier {ESCAPED_MARKUP} is saved." in page
    assert "<script>alert" not in page


# --- the list ------------------------------------------------------------------------------------


def test_the_list_searches_name_email_and_phone_and_links_each_supplier(invoicing_rep, signed_in):
    mugs = SupplierFactory(name="Mugs & Co", email="orders@mugs.example", phone="+1 555 0100")
    pens = SupplierFactory(name="Pens Direct", email="po@pens.example", phone="+44 20 7946 0000")
    browser = signed_in(invoicing_rep)
    url = reverse("supplier-list")

    def names(**query) -> list[str]:
        return [supplier.name for supplier in browser.get(url, query).context["suppliers"]]

    assert names() == ["Mugs & Co", "Pens Direct"]
    assert names(q="mugs &") == ["Mugs & Co"]
    assert names(q="PO@PENS") == ["Pens Direct"]
    assert names(q="7946") == ["Pens Direct"]
    assert names(q="nothing like it") == []
    page = browser.get(url).content.decode()
    assert '<label for="id_q">Search suppliers</label>' in page
    for supplier, name in ((mugs, "Mugs &amp; Co"), (pens, "Pens Direct")):
        assert f'<a href="{reverse("supplier-detail", args=[supplier.pk])}">{name}</a>' in page


def test_the_list_pages_by_50_and_keeps_the_search(invoicing_rep, signed_in):
    SupplierFactory.create_batch(51)
    browser = signed_in(invoicing_rep)
    first = browser.get(reverse("supplier-list"), {"q": "Supplier"})
    assert len(first.context["suppliers"]) == 50
    assert "?q=Supplier&amp;page=2" in first.content.decode()
    second = browser.get(reverse("supplier-list"), {"q": "Supplier", "page": 2})
    assert len(second.context["suppliers"]) == 1


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_costs_the_same_for_5_or_50_suppliers(rows, invoicing_rep, signed_in, django_assert_num_queries):
    for supplier in SupplierFactory.create_batch(rows):
        PurchaseOrderFactory(supplier=supplier)
    browser = signed_in(invoicing_rep)
    # The page count, then the suppliers with their purchase-order counts in one grouped query.
    with django_assert_num_queries(PAGE_BASE + 2):
        response = browser.get(reverse("supplier-list"))
    assert response.status_code == 200
    assert len(re.findall(r'href="/suppliers/\d+/"', response.content.decode())) == rows


# --- a supplier's page ---------------------------------------------------------------------------


def test_the_supplier_page_lists_its_purchase_orders_with_stage_status_and_what_remains_to_invoice(
    mug_order, invoicing_rep, signed_in
):
    supplier = mug_order.po.supplier
    mug_order.po.status = PurchaseOrder.Status.PROBLEM
    mug_order.po.save()
    # A second PO on the same sales order must not count the order's items twice.
    second = PurchaseOrderFactory(
        number="PO-1002", sales_order=mug_order.order, supplier=supplier, stage=PurchaseOrder.Stage.SHIPPED
    )
    pens_project = ProjectFactory(number="P-1002", name="Trade show pens")
    pens_order = SalesOrderFactory(project=pens_project, number="SO-1002")
    SalesOrderItemFactory(sales_order=pens_order, quantity=1000, unit_price=Decimal("0.80"))
    third = PurchaseOrderFactory(number="PO-1003", sales_order=pens_order, supplier=supplier)
    PurchaseOrderFactory(number="PO-1004")  # another supplier's

    response = signed_in(invoicing_rep).get(reverse("supplier-detail", args=[supplier.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(
        r'data-po="(PO-\d+)">.*?href="/projects/\d+/">(P-\d+)</a>.*?<span class="pill \w+">([^<]+)</span>'
        r"</td>\s*<td><span[^>]*>([^<]+)</span></td>.*?"
        r'data-testid="so-remaining">([^<]*)<',
        page,
        re.S,
    )
    # 500 mugs at 4.25 and a 65.00 setup remain on SO-1001; 1,000 pens at 0.80 on SO-1002.
    assert rows == [
        ("PO-1003", "P-1002", "Created", "—", "800.00"),
        ("PO-1002", "P-1001", "Shipped", "—", "2,190.00"),
        ("PO-1001", "P-1001", "Confirmed", "Problem", "2,190.00"),
    ]
    for po in (mug_order.po, second, third):
        assert f'href="{reverse("purchase-order-detail", args=[po.pk])}"' in page
    assert f'href="{reverse("project-detail", args=[pens_project.pk])}"' in page
    assert f'href="{reverse("sales-order-detail", args=[pens_order.pk])}"' in page
    assert "PO-1004" not in page


def test_a_supplier_without_purchase_orders_says_so(production_rep, signed_in):
    supplier = SupplierFactory()
    page = signed_in(production_rep).get(reverse("supplier-detail", args=[supplier.pk])).content.decode()
    assert "No purchase orders with this supplier yet." in page


def test_an_unknown_supplier_is_not_found(production_rep, signed_in):
    browser = signed_in(production_rep)
    assert browser.get(reverse("supplier-detail", args=[999_999])).status_code == 404
    assert browser.get(reverse("supplier-edit", args=[999_999])).status_code == 404


# --- who may do what -----------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "shown"), [("Sales", True), ("Production", True), ("Invoicing", False)])
def test_the_new_and_edit_buttons_show_only_to_those_who_may_write(role, shown, signed_in):
    supplier = SupplierFactory()
    browser = signed_in(UserFactory(roles=[role]))
    new = f'href="{reverse("supplier-create")}"'
    edit = f'href="{reverse("supplier-edit", args=[supplier.pk])}"'
    assert (new in browser.get(reverse("supplier-list")).content.decode()) is shown
    assert (edit in browser.get(reverse("supplier-detail", args=[supplier.pk])).content.decode()) is shown


@pytest.mark.parametrize("roles", [["Invoicing"], []], ids=["invoicing", "no-role"])
def test_others_may_read_but_not_write_suppliers(roles, signed_in):
    supplier = SupplierFactory(name="Pens Direct")
    before = stored(supplier)
    browser = signed_in(UserFactory(roles=roles))
    assert browser.get(reverse("supplier-list")).status_code == 200
    assert browser.get(reverse("supplier-detail", args=[supplier.pk])).status_code == 200
    for url in (reverse("supplier-create"), reverse("supplier-edit", args=[supplier.pk])):
        refused = browser.get(url)
        assert refused.status_code == 403
        assert "This page is for Production, Sales or Managers." in refused.content.decode()
        assert browser.post(url, VALID).status_code == 403
    assert list(Supplier.objects.values_list("name", flat=True)) == ["Pens Direct"]
    assert stored(supplier) == before


def test_signed_out_every_suppliers_page_sends_to_sign_in(client):
    record = SupplierFactory()
    urls = [
        reverse("supplier-list"),
        reverse("supplier-detail", args=[record.pk]),
        reverse("supplier-create"),
        reverse("supplier-edit", args=[record.pk]),
    ]
    for url in urls:
        for response in (client.get(url), client.post(url, VALID)):
            assert response.status_code == 302
            assert response.url == f"{reverse('login')}?next={url}"
    assert Supplier.objects.count() == 1

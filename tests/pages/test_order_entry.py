"""The sales rep's pages: open a project, write a sales order with items, create its purchase orders."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import escape

from projects.admin import SalesOrderItemInline
from projects.models import Activity, Project, SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem
from tests.factories import (
    ClientFactory,
    ProjectFactory,
    PurchaseOrderFactory,
    PurchaseOrderItemFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    SupplierFactory,
    UserFactory,
    goods_ready,
)
from tests.pages.helpers import error_next_to


@pytest.fixture
def as_sales(signed_in, sales_rep):
    return signed_in(sales_rep)


@pytest.fixture
def project(sales_rep, production_rep, invoicing_rep):
    return ProjectFactory(
        number="P-1001", order_rep=sales_rep, production_rep=production_rep, invoicing_rep=invoicing_rep
    )


@pytest.fixture
def mugs_supplier(db):
    return SupplierFactory(name="Mugs & Co", email="orders@mugs.example.com")


@pytest.fixture
def print_supplier(db):
    return SupplierFactory(name="Ace Print", email="po@aceprint.example.com")


def item_rows(*rows: dict, start: int = 0) -> dict:
    """Form data for item rows, as the editor posts them."""
    data = {}
    for index, row in enumerate(rows, start=start):
        defaults = {"kind": "product", "description": "", "supplier": "", "quantity": "", "unit_price": ""}
        for key, value in {**defaults, **row}.items():
            data[f"items-{index}-{key}"] = "" if value is None else str(value)
    return data


def mug_row(maker, **changes) -> dict:
    return {
        "description": "11 oz mug",
        "supplier": maker.pk,
        "quantity": 500,
        "unit_price": "4.25",
        "unit_cost": "2.10",
        "tax_rate": "8.25",
        **changes,
    }


# --- projects -----------------------------------------------------------------------------------


def test_a_sales_rep_opens_a_project_for_a_client(as_sales, sales_rep, production_rep, invoicing_rep):
    client = ClientFactory(name="Harbor Fair")
    page = as_sales.get(reverse("project-create") + f"?client={client.pk}")
    assert page.status_code == 200
    assert f'<option value="{client.pk}" selected>Harbor Fair</option>' in page.content.decode()

    response = as_sales.post(
        reverse("project-create"),
        {
            "name": "Spring fair mugs",
            "client": client.pk,
            "order_rep": sales_rep.pk,
            "production_rep": production_rep.pk,
            "invoicing_rep": invoicing_rep.pk,
        },
    )

    project = Project.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("project-detail", args=[project.pk])
    assert (project.number, project.name, project.client, project.order_rep) == (
        "P-1001",
        "Spring fair mugs",
        client,
        sales_rep,
    )
    assert Activity.objects.filter(project=project, verb="created").count() == 1
    overview = as_sales.get(response["Location"]).content.decode()
    assert "Project P-1001 is open. Add its first sales order." in overview
    assert reverse("sales-order-create", args=[project.pk]) in overview


@pytest.mark.parametrize(
    ("changes", "control", "message"),
    [
        ({"client": ""}, "id_client", "Choose the client this project is for."),
        ({"name": ""}, "id_name", "This field is required."),
        ({"name": "x" * 10_000}, "id_name", "Ensure this value has at most 200 characters (it has 10000)."),
        ({"invoicing_rep": ""}, "id_invoicing_rep", "Choose the invoicing rep."),
        ({"production_rep": "999999"}, "id_production_rep", "Select a valid choice."),
    ],
)
def test_a_project_form_with_bad_input_names_the_field_and_saves_nothing(
    as_sales, sales_rep, production_rep, invoicing_rep, changes, control, message
):
    client = ClientFactory()
    data = {
        "name": "Spring fair mugs",
        "client": client.pk,
        "order_rep": sales_rep.pk,
        "production_rep": production_rep.pk,
        "invoicing_rep": invoicing_rep.pk,
        **changes,
    }
    response = as_sales.post(reverse("project-create"), data)
    assert response.status_code == 400
    assert error_next_to(response.content.decode(), control, message.split(" That choice")[0])
    assert not Project.objects.exists()


def test_a_project_name_with_html_is_shown_as_text(as_sales, sales_rep, production_rep, invoicing_rep):
    client = ClientFactory()
    as_sales.post(
        reverse("project-create"),
        {
            "name": "<script>alert(1)</script>",
            "client": client.pk,
            "order_rep": sales_rep.pk,
            "production_rep": production_rep.pk,
            "invoicing_rep": invoicing_rep.pk,
        },
    )
    project = Project.objects.get()
    page = as_sales.get(reverse("project-detail", args=[project.pk])).content.decode()
    assert escape("<script>alert(1)</script>") in page
    assert "<script>alert(1)</script>" not in page


def test_a_sales_rep_renames_a_project(as_sales, project):
    response = as_sales.post(
        reverse("project-edit", args=[project.pk]),
        {
            "name": "Autumn fair mugs",
            "client": project.client_id,
            "order_rep": project.order_rep_id,
            "production_rep": project.production_rep_id,
            "invoicing_rep": project.invoicing_rep_id,
        },
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "Autumn fair mugs"


@pytest.mark.parametrize("role", ["Production", "Invoicing"])
def test_other_roles_read_projects_but_may_not_open_or_write_orders(signed_in, project, role):
    client = signed_in(UserFactory(roles=[role]))
    assert client.get(reverse("project-detail", args=[project.pk])).status_code == 200
    for url in (
        reverse("project-create"),
        reverse("project-edit", args=[project.pk]),
        reverse("sales-order-create", args=[project.pk]),
    ):
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "x"}).status_code == 403
    assert not SalesOrder.objects.exists()
    assert (
        reverse("sales-order-create", args=[project.pk])
        not in client.get(reverse("project-detail", args=[project.pk])).content.decode()
    )


# --- the sales-order editor ---------------------------------------------------------------------


def test_a_sales_rep_writes_a_sales_order_with_two_suppliers(as_sales, project, mugs_supplier, print_supplier):
    page = as_sales.get(reverse("sales-order-create", args=[project.pk])).content.decode()
    for label in ("Description", "Supplier", "Quantity", "Unit price", "Unit cost", "Tax %", "In-hands date"):
        assert f">{label}</label>" in page
    data = {
        "in_hands_date": "2030-05-01",
        "ship_to": "Harbor Fair, Pier 9",
        **item_rows(
            mug_row(mugs_supplier),
            {
                "kind": "service",
                "description": "Setup charge",
                "supplier": print_supplier.pk,
                "quantity": 1,
                "unit_price": "65.00",
            },
            {},  # a blank row the rep left is ignored
        ),
    }
    response = as_sales.post(reverse("sales-order-create", args=[project.pk]), data)

    order = SalesOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sales-order-detail", args=[order.pk])
    assert (order.number, order.project, str(order.in_hands_date), order.ship_to) == (
        "SO-1001",
        project,
        "2030-05-01",
        "Harbor Fair, Pier 9",
    )
    items = list(order.items.order_by("position"))
    assert [(i.description, i.supplier, i.quantity, i.unit_price, i.unit_cost, i.tax_rate, i.kind) for i in items] == [
        ("11 oz mug", mugs_supplier, 500, Decimal("4.25"), Decimal("2.10"), Decimal("8.25"), "product"),
        ("Setup charge", print_supplier, 1, Decimal("65.00"), Decimal("0.00"), Decimal("0.00"), "service"),
    ]
    detail = as_sales.get(response["Location"]).content.decode()
    assert "Sales order SO-1001 is written." in detail
    assert reverse("sales-order-purchase-orders", args=[order.pk]) in detail


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"quantity": "0"}, "quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"quantity": "-5"}, "quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"quantity": "2.5"}, "quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"quantity": "10000001"}, "quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"quantity": "lots"}, "quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        # Odd forms Python's int reads as 10: refused, as in the API.
        ({"quantity": "1_0"}, "quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"quantity": "١٠"}, "quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"quantity": " 10"}, "quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"quantity": "10.0"}, "quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"quantity": "1e1"}, "quantity", "Quantity must be a whole number from 1 to 10,000,000."),
        ({"unit_price": "4.255"}, "unit_price", "Unit price may have at most two decimal places."),
        ({"unit_price": "-1"}, "unit_price", "Unit price must not be negative."),
        ({"unit_price": ""}, "unit_price", "Enter the unit price."),
        # Odd forms Python's Decimal reads as 10 or 100: refused, as in the API.
        (
            {"unit_price": "1_0"},
            "unit_price",
            "Unit price must be plain digits, with at most one point and two decimals, such as 4.25.",
        ),
        (
            {"unit_price": "١٠"},
            "unit_price",
            "Unit price must be plain digits, with at most one point and two decimals, such as 4.25.",
        ),
        (
            {"unit_price": "1e2"},
            "unit_price",
            "Unit price must be plain digits, with at most one point and two decimals, such as 4.25.",
        ),
        (
            {"unit_price": " 10"},
            "unit_price",
            "Unit price must be plain digits, with at most one point and two decimals, such as 4.25.",
        ),
        (
            {"unit_price": "+10"},
            "unit_price",
            "Unit price must be plain digits, with at most one point and two decimals, such as 4.25.",
        ),
        (
            {"unit_price": "1,000"},
            "unit_price",
            "Unit price must be plain digits, with at most one point and two decimals, such as 4.25.",
        ),
        ({"unit_price": "1000000000000"}, "unit_price", "Unit price must be at most 999,999,999,999.99."),
        ({"unit_cost": "1.001"}, "unit_cost", "Unit cost may have at most two decimal places."),
        (
            {"unit_cost": "1e2"},
            "unit_cost",
            "Unit cost must be plain digits, with at most one point and two decimals, such as 4.25.",
        ),
        (
            {"tax_rate": "8.25e0"},
            "tax_rate",
            "Tax rate must be plain digits, with at most one point and two decimals, such as 8.25.",
        ),
        ({"tax_rate": "101"}, "tax_rate", "Tax rate must be a percent from 0 to 100."),
        ({"supplier": ""}, "supplier", "Choose the supplier who makes or provides this item."),
        ({"description": ""}, "description", "Describe the item."),
        ({"description": "x" * 10_000}, "description", "Ensure this value has at most 300 characters (it has 10000)."),
    ],
)
def test_bad_item_input_is_shown_next_to_its_field_and_writes_nothing(
    as_sales, project, mugs_supplier, row, field, message
):
    data = item_rows(mug_row(mugs_supplier), mug_row(mugs_supplier, **{"description": "Coaster", **row}))
    response = as_sales.post(reverse("sales-order-create", args=[project.pk]), data)
    assert response.status_code == 400
    assert error_next_to(response.content.decode(), f"id_items-1-{field}", message)
    assert not SalesOrder.objects.exists()
    assert not SalesOrderItem.objects.exists()


def test_an_order_without_items_is_refused(as_sales, project):
    response = as_sales.post(reverse("sales-order-create", args=[project.pk]), item_rows({}))
    assert response.status_code == 400
    assert "Add at least one item: a description, a supplier, a quantity and a unit price." in (
        response.content.decode()
    )
    assert not SalesOrder.objects.exists()


def test_an_order_too_large_for_an_invoice_is_refused_whole(as_sales, project, mugs_supplier):
    data = item_rows(mug_row(mugs_supplier, quantity=10_000_000, unit_price="999999.99", tax_rate="100"))
    response = as_sales.post(reverse("sales-order-create", args=[project.pk]), data)
    assert response.status_code == 400
    assert "The order&#x27;s total with tax must not exceed 999,999,999,999.99." in response.content.decode()
    assert not SalesOrder.objects.exists()


def test_html_in_an_item_description_is_shown_as_text(as_sales, project, mugs_supplier):
    payload = '"><img src=x onerror=alert(1)>'
    as_sales.post(
        reverse("sales-order-create", args=[project.pk]), item_rows(mug_row(mugs_supplier, description=payload))
    )
    order = SalesOrder.objects.get()
    for url in (reverse("sales-order-detail", args=[order.pk]), reverse("sales-order-edit", args=[order.pk])):
        page = as_sales.get(url).content.decode()
        assert escape(payload) in page
        assert payload not in page


def test_the_running_total_is_the_servers_half_up_arithmetic(as_sales, mugs_supplier):
    data = item_rows(
        mug_row(mugs_supplier, quantity=1, unit_price="2.50", tax_rate="5"),  # tax 0.125 rounds half-up to 0.13
        mug_row(mugs_supplier, quantity=3, unit_price="0.35", tax_rate="8.25"),  # 1.05, tax 0.086625 → 0.09
        mug_row(mugs_supplier, quantity="2.", unit_price=""),  # half-typed: not counted yet
    )
    response = as_sales.post(reverse("sales-order-totals"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert '<dd data-testid="order-subtotal">3.55</dd>' in page
    assert '<dd data-testid="order-tax">0.22</dd>' in page
    assert '<dd class="remaining" data-testid="order-total">3.77</dd>' in page
    assert "1 item not counted yet" in page
    assert '<output id="items-0-amount" hx-swap-oob="true"' in page
    assert ">1.05</output>" in page


# Three rows of the largest quantity at the largest price: each row is valid, the order never fits.
NEVER_FITS = {"quantity": "10000000", "unit_price": "999999999999.99", "tax_rate": "0"}
TOO_BIG = "The order's total with tax must not exceed 999,999,999,999.99."


def test_the_running_total_refuses_an_order_saving_refuses_instead_of_showing_its_total(
    as_sales, project, mugs_supplier
):
    rows = item_rows(*[mug_row(mugs_supplier, **NEVER_FITS)] * 3)

    total = as_sales.post(reverse("sales-order-totals"), rows).content.decode()

    # It showed 29,999,999,999,999,700,000.00 for an order no one can save.
    shown = TOO_BIG.replace("'", "&#x27;")
    assert f'<p class="field-error" role="alert" data-testid="order-total-refused">{shown}</p>' in total
    assert 'data-testid="order-total"' not in total
    saved = as_sales.post(reverse("sales-order-create", args=[project.pk]), rows)
    assert saved.status_code == 400 and shown in saved.content.decode()
    assert not SalesOrder.objects.exists()


def test_the_largest_order_that_fits_shows_its_total(as_sales, mugs_supplier):
    rows = item_rows(mug_row(mugs_supplier, quantity="1", unit_price="999999999999.99", tax_rate="0"))

    total = as_sales.post(reverse("sales-order-totals"), rows).content.decode()

    assert '<dd class="remaining" data-testid="order-total">999,999,999,999.99</dd>' in total


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"unit_price": "1e2"},
            "Unit price must be plain digits, with at most one point and two decimals, such as 4.25.",
        ),
        (
            {"unit_price": "1_0"},
            "Unit price must be plain digits, with at most one point and two decimals, such as 4.25.",
        ),
        (
            {"unit_price": "١٠"},
            "Unit price must be plain digits, with at most one point and two decimals, such as 4.25.",
        ),
        (
            {"unit_price": " 10"},
            "Unit price must be plain digits, with at most one point and two decimals, such as 4.25.",
        ),
        ({"quantity": "1_0"}, "Quantity must be a whole number from 1 to 10,000,000."),
        ({"quantity": "١٠"}, "Quantity must be a whole number from 1 to 10,000,000."),
        ({"tax_rate": "1e1"}, "Tax rate must be plain digits, with at most one point and two decimals, such as 8.25."),
    ],
)
def test_the_running_total_names_a_value_saving_refuses(as_sales, mugs_supplier, row, message):
    rows = item_rows(mug_row(mugs_supplier), mug_row(mugs_supplier, description="Coaster", **row))

    total = as_sales.post(reverse("sales-order-totals"), rows).content.decode()

    assert f'data-testid="order-total-refused">Coaster: {message}</p>' in total
    assert 'data-testid="order-total"' not in total


def test_the_running_total_needs_a_sales_rep(signed_in, mugs_supplier):
    response = signed_in(UserFactory(roles=["Production"])).post(
        reverse("sales-order-totals"), item_rows(mug_row(mugs_supplier))
    )
    assert response.status_code == 403


@pytest.fixture
def order_on_a_po(project, mugs_supplier, print_supplier):
    """SO-1001: mugs already on PO-1001, a setup charge not yet ordered."""
    order = SalesOrderFactory(number="SO-1001", project=project)
    mugs = SalesOrderItemFactory(sales_order=order, description="11 oz mug", supplier=mugs_supplier, position=0)
    setup = SalesOrderItemFactory(
        sales_order=order, description="Setup charge", supplier=print_supplier, quantity=1, position=1
    )
    po = PurchaseOrderFactory(number="PO-1001", sales_order=order, supplier=mugs_supplier)
    PurchaseOrderItemFactory(purchase_order=po, sales_order_item=mugs)
    return order, mugs, setup


def test_items_on_a_purchase_order_are_locked_and_the_page_says_why(as_sales, order_on_a_po):
    order, mugs, setup = order_on_a_po
    reason = "On PO-1001: a purchase order covers it, so it can no longer change here."
    detail = as_sales.get(reverse("sales-order-detail", args=[order.pk])).content.decode()
    # The order's page says it once, naming the PO with a link; the editor says it beside the locked row.
    assert detail.count('data-testid="items-locked"') == 1
    assert '">PO-1001</a> can no longer change here' in detail
    editor = as_sales.get(reverse("sales-order-edit", args=[order.pk])).content.decode()
    assert reason in editor
    assert f'value="{setup.pk}"' in editor  # the setup charge is an editable row
    assert f'name="items-0-id" value="{mugs.pk}"' not in editor

    # Someone posts a change to the locked item anyway: refused whole, naming it.
    data = item_rows({"id": mugs.pk, **mug_row(mugs.supplier, quantity=9)})
    response = as_sales.post(reverse("sales-order-edit", args=[order.pk]), data)
    assert response.status_code == 409
    assert escape(f"11 oz mug: {reason}") in response.content.decode()
    mugs.refresh_from_db()
    assert mugs.quantity == 100
    assert SalesOrderItem.objects.filter(pk=setup.pk).exists()


def test_a_rep_changes_adds_and_removes_the_items_no_po_covers(as_sales, order_on_a_po, print_supplier):
    order, mugs, setup = order_on_a_po
    data = {
        "in_hands_date": "2030-06-01",
        **item_rows(
            {
                "id": setup.pk,
                "description": "Setup charge, 2 colours",
                "supplier": print_supplier.pk,
                "quantity": 2,
                "unit_price": "65.00",
            },
        ),
    }
    response = as_sales.post(reverse("sales-order-edit", args=[order.pk]), data)
    assert response.status_code == 302
    setup.refresh_from_db()
    assert (setup.description, setup.quantity) == ("Setup charge, 2 colours", 2)

    # Removing the setup row and adding a lanyard: the mugs on the PO stay as they were.
    data = item_rows(
        {"description": "Lanyard", "supplier": print_supplier.pk, "quantity": 250, "unit_price": "1.10"}, start=3
    )
    response = as_sales.post(reverse("sales-order-edit", args=[order.pk]), data)
    assert response.status_code == 302
    assert sorted(order.items.values_list("description", "quantity")) == [("11 oz mug", 100), ("Lanyard", 250)]
    assert Activity.objects.filter(verb="changed items of").count() == 2


def test_an_item_of_another_order_is_refused_naming_the_field(as_sales, order_on_a_po, print_supplier):
    order, _, _ = order_on_a_po
    stranger = SalesOrderItemFactory()
    data = item_rows(
        {"id": stranger.pk, "description": "X", "supplier": print_supplier.pk, "quantity": 1, "unit_price": "1"}
    )
    response = as_sales.post(reverse("sales-order-edit", args=[order.pk]), data)
    assert response.status_code == 400
    assert f"Item {stranger.pk} is not on SO-1001." in response.content.decode()
    stranger.refresh_from_db()
    assert stranger.description != "X"


def test_an_invoiced_order_offers_no_editing(as_sales, mug_order):
    from invoicing.services.issue import invoice_create

    goods_ready(mug_order.order.pk)
    invoice_create(sales_order=mug_order.order, by=UserFactory(roles=["Invoicing"]))
    detail = as_sales.get(reverse("sales-order-detail", args=[mug_order.order.pk])).content.decode()
    assert "Sales order SO-1001 has an invoice: its items, quantities and prices can no longer change." in detail
    assert reverse("sales-order-edit", args=[mug_order.order.pk]) not in detail


def test_the_admin_inline_is_read_only_once_a_po_covers_an_item(order_on_a_po, manager):
    order, _, _ = order_on_a_po
    request = RequestFactory().get("/admin/")
    request.user = manager
    inline = SalesOrderItemInline(SalesOrder, admin.site)
    assert not inline.has_change_permission(request, order)
    assert not inline.has_delete_permission(request, order)
    assert not inline.has_add_permission(request, order)
    fresh = SalesOrderFactory()
    assert inline.has_change_permission(request, fresh)


# --- create purchase orders ---------------------------------------------------------------------


def test_create_purchase_orders_shows_one_per_supplier_then_writes_them(
    as_sales, project, mugs_supplier, print_supplier
):
    order = SalesOrderFactory(number="SO-1001", project=project)
    mugs = SalesOrderItemFactory(sales_order=order, description="11 oz mug", supplier=mugs_supplier, quantity=500)
    coasters = SalesOrderItemFactory(sales_order=order, description="Coaster", supplier=mugs_supplier, quantity=200)
    setup = SalesOrderItemFactory(sales_order=order, description="Setup charge", supplier=print_supplier, quantity=1)
    loose = SalesOrderItemFactory(sales_order=order, description="Gift wrap", supplier=None)
    url = reverse("sales-order-purchase-orders", args=[order.pk])

    review = as_sales.get(url).content.decode()
    assert review.count('data-testid="po-draft"') == 2
    assert "To Ace Print" in review and "To Mugs &amp; Co" in review
    assert "Gift wrap: no supplier chosen." in review
    assert "Create 2 purchase orders" in review
    assert not PurchaseOrder.objects.exists()  # nothing is saved by looking

    data = {"item": [mugs.pk, coasters.pk, setup.pk], f"expected-{print_supplier.pk}": "2030-04-20"}
    response = as_sales.post(url, data)

    assert response.status_code == 302
    pos = {po.supplier: po for po in PurchaseOrder.objects.all()}
    assert set(pos) == {mugs_supplier, print_supplier}
    assert sorted(pos[mugs_supplier].items.values_list("sales_order_item__description", "quantity")) == [
        ("11 oz mug", 500),
        ("Coaster", 200),
    ]
    assert list(pos[print_supplier].items.values_list("sales_order_item_id", "quantity")) == [(setup.pk, 1)]
    assert str(pos[print_supplier].expected_date) == "2030-04-20"
    assert pos[mugs_supplier].ship_to == project.client.billing_address
    assert sorted(po.number for po in pos.values()) == ["PO-1001", "PO-1002"]
    assert not PurchaseOrderItem.objects.filter(sales_order_item=loose).exists()
    message = as_sales.get(response["Location"]).content.decode()
    assert "Created 2 purchase orders: PO-1001 to Ace Print, PO-1002 to Mugs &amp; Co." in message

    # Clicking again (a second tab, a double click) never orders the same lines twice.
    again = as_sales.post(url, data)
    assert again.status_code == 409
    assert PurchaseOrderItem.objects.count() == 3
    assert "Every item with a supplier is already on a purchase order" in as_sales.get(url).content.decode()


def test_a_review_gone_stale_is_shown_again_not_saved(as_sales, project, mugs_supplier):
    order = SalesOrderFactory(project=project)
    mugs = SalesOrderItemFactory(sales_order=order, supplier=mugs_supplier)
    SalesOrderItemFactory(sales_order=order, supplier=mugs_supplier)  # added after the rep opened the review
    response = as_sales.post(reverse("sales-order-purchase-orders", args=[order.pk]), {"item": [mugs.pk]})
    assert response.status_code == 409
    assert "The order&#x27;s items changed since this page was opened. Review the purchase orders again." in (
        response.content.decode()
    )
    assert not PurchaseOrder.objects.exists()


def test_only_sales_and_managers_create_purchase_orders_from_an_order(signed_in, project, mugs_supplier):
    order = SalesOrderFactory(project=project)
    item = SalesOrderItemFactory(sales_order=order, supplier=mugs_supplier)
    url = reverse("sales-order-purchase-orders", args=[order.pk])
    production = signed_in(UserFactory(roles=["Production"]))
    assert production.get(url).status_code == 403
    assert production.post(url, {"item": [item.pk]}).status_code == 403
    assert signed_in(UserFactory(roles=["Managers"])).post(url, {"item": [item.pk]}).status_code == 302
    assert PurchaseOrder.objects.count() == 1


# --- order entry in fewer fields ----------------------------------------------------------------


def test_a_new_order_starts_with_the_clients_default_tax_rate(as_sales, project):
    project.client.default_tax_rate = Decimal("8.25")
    project.client.save()

    page = as_sales.get(reverse("sales-order-create", args=[project.pk])).content.decode()

    # The first row and the row new ones are cloned from both carry it.
    assert page.count('name="items-0-tax_rate" value="8.25"') == 1
    assert page.count('name="items-__prefix__-tax_rate" value="8.25"') == 1


def test_a_row_holding_only_the_carried_supplier_and_tax_rate_is_left_out(as_sales, project, mugs_supplier):
    data = item_rows(mug_row(mugs_supplier), {"supplier": mugs_supplier.pk, "tax_rate": "8.25"})

    response = as_sales.post(reverse("sales-order-create", args=[project.pk]), data)

    assert response.status_code == 302
    assert [item.description for item in SalesOrderItem.objects.all()] == ["11 oz mug"]


def test_items_are_saved_in_the_order_they_stand_on_the_page(as_sales, project, mugs_supplier):
    # A duplicated row is placed right after its original with the next free index: items-5 stands second.
    data = {
        **item_rows(mug_row(mugs_supplier, description="Mug")),
        **item_rows(mug_row(mugs_supplier, description="Mug, blue"), start=5),
        **item_rows(mug_row(mugs_supplier, description="Coaster"), start=1),
    }

    as_sales.post(reverse("sales-order-create", args=[project.pk]), data)

    order = SalesOrder.objects.get()
    assert [item.description for item in order.items.order_by("position")] == ["Mug", "Mug, blue", "Coaster"]


def test_the_editor_offers_the_clients_and_the_reps_recent_items(as_sales, project, sales_rep, mugs_supplier):
    older = SalesOrderFactory(project=project)
    SalesOrderItemFactory(sales_order=older, description="11 oz mug", supplier=mugs_supplier, unit_price="4.00")
    latest = SalesOrderFactory(project=project)
    SalesOrderItemFactory(sales_order=latest, description="11 oz mug", supplier=mugs_supplier, unit_price="4.25")
    SalesOrderItemFactory(
        sales_order=latest, description="Setup charge", supplier=mugs_supplier, unit_price="65.00", unit_cost="20.00"
    )
    elsewhere = SalesOrderFactory(project=ProjectFactory(order_rep=sales_rep))
    SalesOrderItemFactory(sales_order=elsewhere, description="Tote bag", supplier=mugs_supplier)
    someone_elses = SalesOrderFactory(project=ProjectFactory())
    SalesOrderItemFactory(sales_order=someone_elses, description="Lanyard", supplier=mugs_supplier)

    page = as_sales.get(reverse("sales-order-create", args=[project.pk])).content.decode()

    picks = page[page.index('data-testid="recent-items"') :]
    assert f"{escape(project.client.name)} ordered lately" in picks
    assert "You sold lately" in picks
    # Each item once, at its latest price; the rep's other clients' items too; no other rep's.
    assert picks.count('data-description="11 oz mug"') == 1
    assert 'data-unit-price="4.25"' in picks and 'data-unit-price="4.00"' not in picks
    assert 'data-description="Setup charge"' in picks and 'data-unit-cost="20.00"' in picks
    assert picks.index("Setup charge") < picks.index("You sold lately") < picks.index("Tote bag")
    assert "Lanyard" not in picks


def test_a_client_with_no_history_shows_no_recent_items(as_sales, sales_rep):
    project = ProjectFactory(order_rep=UserFactory(roles=["Sales"]))

    page = as_sales.get(reverse("sales-order-create", args=[project.pk])).content.decode()

    assert 'data-testid="recent-items"' not in page


def test_the_running_total_shows_each_lines_margin_and_the_orders(as_sales, mugs_supplier):
    data = item_rows(
        mug_row(mugs_supplier, quantity=100, unit_price="4.25", unit_cost="2.10"),  # 425.00 less 210.00
        mug_row(mugs_supplier, quantity=3, unit_price="0.35", unit_cost="0.30"),  # 1.05 less 0.90
        mug_row(mugs_supplier, quantity=1, unit_price="65.00", unit_cost=""),  # no cost: no margin
    )

    page = as_sales.post(reverse("sales-order-totals"), data).content.decode()

    assert '<output id="items-0-margin" hx-swap-oob="true" aria-labelledby="items-0-margin-label"' in page
    assert 'data-testid="row-margin">215.00 <span class="muted">(50.6%)</span></output>' in page
    assert 'data-testid="row-margin">0.15 <span class="muted">(14.3%)</span></output>' in page
    no_cost = 'id="items-2-margin" hx-swap-oob="true" aria-labelledby="items-2-margin-label" data-testid="row-margin">—'
    assert no_cost in page
    # 215.15 of 426.05 priced with a cost: 50.499…% rounds to 50.5; the setup charge is named as left out.
    assert '<dd data-testid="order-margin">215.15 <span class="muted">(50.5%)</span>' in page
    assert "1 item with no cost left out" in page


def test_an_order_with_no_costs_says_how_to_see_its_margin(as_sales, mugs_supplier):
    page = as_sales.post(
        reverse("sales-order-totals"), item_rows(mug_row(mugs_supplier, unit_cost=""))
    ).content.decode()

    assert "type unit costs to see it" in page


def test_an_existing_orders_rows_show_their_margin(as_sales, project, mugs_supplier):
    order = SalesOrderFactory(project=project)
    SalesOrderItemFactory(sales_order=order, quantity=10, unit_price="5.00", unit_cost="3.00", supplier=mugs_supplier)

    page = as_sales.get(reverse("sales-order-edit", args=[order.pk])).content.decode()

    assert 'id="items-0-margin" aria-labelledby="items-0-margin-label" data-testid="row-margin">20.00' in page

"""The supplier's product and part ids of an item, typed on the order entry page: optional, checked, kept."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from projects.models import SalesOrder, SalesOrderItem
from tests.factories import ProjectFactory, SalesOrderFactory, SalesOrderItemFactory, SupplierFactory
from tests.pages.helpers import error_next_to
from tests.pages.test_order_entry import item_rows, mug_row

pytestmark = pytest.mark.usefixtures("postgres")


@pytest.fixture
def as_sales(signed_in, sales_rep):
    return signed_in(sales_rep)


@pytest.fixture
def project(sales_rep):
    return ProjectFactory(order_rep=sales_rep)


@pytest.fixture
def maker(db):
    return SupplierFactory(name="Mugs & Co")


def test_the_editor_labels_the_two_boxes_and_saves_what_is_typed(as_sales, project, maker):
    editor = as_sales.get(reverse("sales-order-create", args=[project.pk])).content.decode()
    assert '<label for="id_items-0-supplier_product_id">Product id</label>' in editor
    assert '<label for="id_items-0-supplier_part_id">Part id</label>' in editor
    assert 'maxlength="64"' in editor

    data = item_rows(
        mug_row(maker, supplier_product_id=" MUG11 ", supplier_part_id="MUG11-WHT"),
        mug_row(maker, description="Coaster"),
    )
    response = as_sales.post(reverse("sales-order-create", args=[project.pk]), data)
    assert response.status_code == 302
    assert list(SalesOrderItem.objects.order_by("position").values_list("supplier_product_id", "supplier_part_id")) == [
        ("MUG11", "MUG11-WHT"),
        ("", ""),
    ]
    # The edit page shows them again, the box of ids opened where an item has them.
    order = SalesOrder.objects.get()
    editor = as_sales.get(reverse("sales-order-edit", args=[order.pk])).content.decode()
    assert 'name="items-0-supplier_product_id" value="MUG11"' in editor
    assert 'name="items-0-supplier_part_id" value="MUG11-WHT"' in editor
    assert editor.count('<details class="item-more" open>') == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"supplier_product_id": "M" * 65},
            "supplier_product_id",
            "The supplier's product id may hold at most 64 characters; this has 65.",
        ),
        (
            {"supplier_part_id": "<b>WHT</b>"},
            "supplier_part_id",
            "The supplier's part id must be plain text: a code such as MUG11 or BLK-L, without <, > or control "
            "characters.",
        ),
        (
            {"supplier_product_id": "MUG\u000b11"},
            "supplier_product_id",
            "The supplier's product id must be plain text: a code such as MUG11 or BLK-L, without <, > or control "
            "characters.",
        ),
    ],
)
def test_a_bad_id_is_named_next_to_its_box_and_nothing_is_written(as_sales, project, maker, changes, field, message):
    data = item_rows(mug_row(maker), mug_row(maker, description="Coaster", **changes))
    response = as_sales.post(reverse("sales-order-create", args=[project.pk]), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert error_next_to(page, f"id_items-1-{field}", message)
    assert '<details class="item-more" open>' in page
    assert not SalesOrder.objects.exists()
    assert not SalesOrderItem.objects.exists()


def test_editing_keeps_changes_or_clears_the_ids_and_a_post_without_the_boxes_keeps_them(as_sales, sales_rep, maker):
    order = SalesOrderFactory(project__order_rep=sales_rep)
    item = SalesOrderItemFactory(
        sales_order=order, supplier=maker, description="11 oz mug", supplier_product_id="MUG11", supplier_part_id="WHT"
    )
    row = {"id": item.pk, "description": "11 oz mug", "supplier": maker.pk, "quantity": 10, "unit_price": "4.25"}
    url = reverse("sales-order-edit", args=[order.pk])

    # A post that has no boxes for them (a script's, or an older page) leaves them as they were.
    assert as_sales.post(url, item_rows(row)).status_code == 302
    item.refresh_from_db()
    assert (item.supplier_product_id, item.supplier_part_id) == ("MUG11", "WHT")

    changed = item_rows({**row, "supplier_product_id": "MUG12", "supplier_part_id": ""})
    assert as_sales.post(url, changed).status_code == 302
    item.refresh_from_db()
    assert (item.supplier_product_id, item.supplier_part_id) == ("MUG12", "")


def test_an_id_with_markup_in_the_database_is_shown_as_text(as_sales, sales_rep, maker):
    order = SalesOrderFactory(project__order_rep=sales_rep)
    SalesOrderItemFactory(sales_order=order, supplier=maker, supplier_product_id='"><script>x()</script>')
    editor = as_sales.get(reverse("sales-order-edit", args=[order.pk])).content.decode()
    assert escape('"><script>x()</script>') in editor
    assert "<script>x()" not in editor


def test_units_per_pack_are_typed_checked_and_kept(as_sales, project, maker):
    url = reverse("sales-order-create", args=[project.pk])
    refused = as_sales.post(url, item_rows(mug_row(maker, supplier_units_per_pack="0")))
    assert refused.status_code == 400
    assert error_next_to(
        refused.content.decode(),
        "id_items-0-supplier_units_per_pack",
        "Units per supplier's pack must be a whole number from 1 to 100,000.",
    )
    assert not SalesOrder.objects.exists()

    assert as_sales.post(url, item_rows(mug_row(maker, supplier_units_per_pack="24"))).status_code == 302
    item = SalesOrderItem.objects.get()
    assert item.supplier_units_per_pack == 24
    editor = as_sales.get(reverse("sales-order-edit", args=[item.sales_order_id])).content.decode()
    assert 'name="items-0-supplier_units_per_pack" value="24"' in editor

    # a post without the box keeps it; a blank box clears it
    row = {"id": item.pk, "description": "11 oz mug", "supplier": maker.pk, "quantity": 10, "unit_price": "4.25"}
    edit = reverse("sales-order-edit", args=[item.sales_order_id])
    assert as_sales.post(edit, item_rows(row)).status_code == 302
    item.refresh_from_db()
    assert item.supplier_units_per_pack == 24
    assert as_sales.post(edit, item_rows({**row, "supplier_units_per_pack": ""})).status_code == 302
    item.refresh_from_db()
    assert item.supplier_units_per_pack is None

"""Sales orders: items with their figures, statuses by the transition table, and refusals that change nothing."""

import pytest

from invoicing.services.issue import invoice_create
from projects.models import SalesOrder, SalesOrderItem
from projects.services.sales_orders import sales_order_status_change
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change
from tests.factories import ProjectFactory, SalesOrderFactory, SalesOrderItemFactory, SupplierFactory

MUG = {"description": "11 oz mug", "quantity": 500, "unit_price": "4.25", "unit_cost": "2.10", "tax_rate": "8.25"}


def order_body(project, **item) -> dict:
    return {"project": project.pk, "in_hands_date": "2030-05-01", "items": [{**MUG, **item}]}


def test_sales_writes_an_order_and_reads_its_figures(as_sales):
    project = ProjectFactory()
    supplier = SupplierFactory()
    response = as_sales.post("/api/sales-orders/", order_body(project, supplier=supplier.pk), format="json")
    assert response.status_code == 201
    order = response.json()
    assert {key: order[key] for key in ("number", "project", "status", "billing_status", "in_hands_date")} == {
        "number": "SO-1001",
        "project": project.pk,
        "status": "new",
        "billing_status": "not_invoiced",
        "in_hands_date": "2030-05-01",
    }
    assert (order["subtotal"], order["remaining_amount"], order["remaining_amount_gross"]) == (
        "2125.00",
        "2125.00",
        "2300.31",  # 2125.00 + 175.3125 rounded half-up
    )
    [item] = order["items"]
    assert item == {
        "id": item["id"],
        "position": 0,
        "kind": "product",
        "description": "11 oz mug",
        "supplier": supplier.pk,
        "supplier_product_id": "",
        "supplier_part_id": "",
        "supplier_units_per_pack": None,
        "quantity": 500,
        "unit_price": "4.25",
        "unit_cost": "2.10",
        "tax_rate": "8.25",
        "ordered": 500,
        "invoiced": 0,
        "backordered": 0,
        "cancelled": 0,
        "remaining": 500,
        "ready": 500,
        "remaining_amount": "2125.00",
        "remaining_amount_gross": "2300.31",
        "ready_amount": "2125.00",
    }
    assert as_sales.get(f"/api/sales-orders/{order['id']}/").json() == order


QUANTITY = "Quantity must be a whole number from 1 to 10,000,000."
PRICE = "Unit price must be plain digits, with at most one point and two decimals, such as 4.25."
COST = "Unit cost must be plain digits, with at most one point and two decimals, such as 4.25."
TAX = "Tax rate must be plain digits, with at most one point and two decimals, such as 8.25."


@pytest.mark.parametrize(
    ("item", "field", "message"),
    [
        ({"quantity": "abc"}, "items[0].quantity", QUANTITY),
        ({"quantity": 2.5}, "items[0].quantity", QUANTITY),
        ({"quantity": -1}, "items[0].quantity", QUANTITY),
        ({"quantity": 0}, "items[0].quantity", QUANTITY),
        ({"quantity": 10**12}, "items[0].quantity", QUANTITY),
        # Odd forms Python's int reads as 10: refused, as on the page.
        ({"quantity": "1_0"}, "items[0].quantity", QUANTITY),
        ({"quantity": "١٠"}, "items[0].quantity", QUANTITY),
        ({"quantity": " 10"}, "items[0].quantity", QUANTITY),
        ({"quantity": "10.0"}, "items[0].quantity", QUANTITY),
        ({"quantity": 10.0}, "items[0].quantity", QUANTITY),
        ({"quantity": "+10"}, "items[0].quantity", QUANTITY),
        ({"quantity": True}, "items[0].quantity", QUANTITY),
        ({"unit_price": "-1.00"}, "items[0].unit_price", "Unit price must not be negative."),
        ({"unit_price": "4.255"}, "items[0].unit_price", "Unit price may have at most two decimal places."),
        ({"unit_price": "1e400"}, "items[0].unit_price", PRICE),
        ({"unit_price": "NaN"}, "items[0].unit_price", PRICE),
        # Odd forms Python's Decimal reads as 10 or 100: refused, as on the page.
        ({"unit_price": "1_0"}, "items[0].unit_price", PRICE),
        ({"unit_price": "١٠"}, "items[0].unit_price", PRICE),
        ({"unit_price": "1e2"}, "items[0].unit_price", PRICE),
        ({"unit_price": " 10"}, "items[0].unit_price", PRICE),
        ({"unit_price": "10 "}, "items[0].unit_price", PRICE),
        ({"unit_price": "+10"}, "items[0].unit_price", PRICE),
        ({"unit_price": "1,000.00"}, "items[0].unit_price", PRICE),
        ({"unit_price": ".5"}, "items[0].unit_price", PRICE),
        ({"unit_price": 4.25}, "items[0].unit_price", PRICE),  # a JSON number: money is a string
        ({"unit_price": "1000000000000.00"}, "items[0].unit_price", "Unit price must be at most 999,999,999,999.99."),
        ({"unit_cost": "1e2"}, "items[0].unit_cost", COST),
        ({"tax_rate": "101"}, "items[0].tax_rate", "Tax rate must be at most 100."),
        ({"tax_rate": "8.25e0"}, "items[0].tax_rate", TAX),
        ({"kind": "gift"}, "items[0].kind", '"gift" is not a valid choice.'),
        ({"description": "  "}, "items[0].description", "This field may not be blank."),
        (
            {"quantity": 10_000_000, "unit_price": "999999.00"},
            "items",
            "The order's total with tax must not exceed 999,999,999,999.99.",
        ),
    ],
)
def test_an_order_with_a_bad_item_is_refused_naming_the_field(as_sales, item, field, message):
    response = as_sales.post("/api/sales-orders/", order_body(ProjectFactory(), **item), format="json")
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not SalesOrder.objects.exists() and not SalesOrderItem.objects.exists()


def test_plain_amounts_and_quantities_are_taken_as_typed(as_sales):
    body = order_body(ProjectFactory(), quantity="12", unit_price="4", unit_cost="0.5", tax_rate="8.25")
    response = as_sales.post("/api/sales-orders/", body, format="json")
    assert response.status_code == 201, response.content
    item = response.json()["items"][0]
    assert (item["quantity"], item["unit_price"], item["unit_cost"], item["tax_rate"]) == (12, "4.00", "0.50", "8.25")


def test_an_item_carries_the_suppliers_product_and_part_ids(as_sales):
    body = order_body(ProjectFactory(), supplier_product_id=" MUG11 ", supplier_part_id="MUG11-WHT")
    response = as_sales.post("/api/sales-orders/", body, format="json")
    assert response.status_code == 201, response.content
    item = response.json()["items"][0]
    assert (item["supplier_product_id"], item["supplier_part_id"]) == ("MUG11", "MUG11-WHT")


def test_an_order_needs_an_item_and_a_known_project(as_sales):
    response = as_sales.post("/api/sales-orders/", {"project": 424242, "items": []}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "project": ['Invalid pk "424242" - object does not exist.'],
        "items": ["This list may not be empty."],
    }


def test_patch_changes_the_date_and_replaces_the_items_before_any_invoice(as_sales):
    order = SalesOrderFactory()
    SalesOrderItemFactory(sales_order=order, quantity=10)
    response = as_sales.patch(
        f"/api/sales-orders/{order.pk}/",
        {"in_hands_date": "2031-01-31", "items": [{**MUG, "quantity": 20}]},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["in_hands_date"] == "2031-01-31"
    assert [(item["description"], item["quantity"]) for item in body["items"]] == [("11 oz mug", 20)]


def test_patch_does_not_change_a_status(as_sales):
    order = SalesOrderFactory()
    response = as_sales.patch(f"/api/sales-orders/{order.pk}/", {"status": "closed"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": ["Change the status with POST …/status/."]}
    order.refresh_from_db()
    assert order.status == SalesOrder.Status.NEW


def test_patch_of_items_after_an_invoice_is_a_conflict(as_sales, mug_order, production_rep, invoicing_rep):
    purchase_order_stage_change(purchase_order=mug_order.po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )
    invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    response = as_sales.patch(f"/api/sales-orders/{mug_order.order.pk}/", {"items": [MUG]}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Sales order SO-1001 has an invoice: its items, quantities and prices can no longer change."
    }
    assert mug_order.order.items.count() == 2


def test_status_moves_forward_by_the_sales_rep(as_sales):
    order = SalesOrderFactory()
    response = as_sales.post(f"/api/sales-orders/{order.pk}/status/", {"status": "client_approved"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "client_approved"


def test_an_unknown_status_is_refused(as_sales):
    order = SalesOrderFactory()
    response = as_sales.post(f"/api/sales-orders/{order.pk}/status/", {"status": "done"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": ['"done" is not a valid choice.']}


def test_ready_to_be_invoiced_is_production_s_move_not_sales(as_sales, mug_order):
    url = f"/api/sales-orders/{mug_order.order.pk}/status/"
    response = as_sales.post(url, {"status": "ready_to_be_invoiced"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Your role may not move sales order SO-1001 from In Production to Ready to be Invoiced."
    }
    mug_order.refresh()
    assert mug_order.order.status == SalesOrder.Status.IN_PRODUCTION


def test_production_readies_an_order_in_production(as_production, mug_order):
    url = f"/api/sales-orders/{mug_order.order.pk}/status/"
    response = as_production.post(url, {"status": "ready_to_be_invoiced"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "ready_to_be_invoiced"


def test_a_move_nobody_may_make_is_a_conflict_naming_the_state(as_manager, mug_order):
    url = f"/api/sales-orders/{mug_order.order.pk}/status/"
    response = as_manager.post(url, {"status": "invoiced"}, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "Sales order SO-1001 is In Production; you may not move it to Invoiced."}
    mug_order.refresh()
    assert mug_order.order.status == SalesOrder.Status.IN_PRODUCTION


def test_orders_filter_by_project_status_and_billing_status(as_invoicing, mug_order, production_rep, invoicing_rep):
    other = SalesOrderFactory(status=SalesOrder.Status.NEW)
    SalesOrderItemFactory(sales_order=other)
    purchase_order_stage_change(purchase_order=mug_order.po, stage=PurchaseOrder.Stage.SHIPPED, by=production_rep)
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )

    def numbers(**params) -> list[str]:
        response = as_invoicing.get("/api/sales-orders/", params)
        assert response.status_code == 200
        return [order["number"] for order in response.json()["results"]]

    assert numbers(project=mug_order.order.project_id) == ["SO-1001"]
    assert numbers(status="ready_to_be_invoiced") == ["SO-1001"]
    assert numbers(billing_status="not_invoiced") == [other.number, "SO-1001"]
    invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    assert numbers(billing_status="fully_invoiced") == ["SO-1001"]


def test_a_bad_status_filter_is_refused(as_invoicing):
    response = as_invoicing.get("/api/sales-orders/", {"billing_status": "half"})
    assert response.status_code == 400
    assert response.json() == {"billing_status": ["Select a valid choice. half is not one of the available choices."]}


def test_lists_page_with_page_and_page_size_up_to_200(as_invoicing):
    for _ in range(3):
        SalesOrderItemFactory()
    page = as_invoicing.get("/api/sales-orders/", {"page_size": 2, "page": 2}).json()
    assert (page["count"], len(page["results"]), page["next"]) == (3, 1, None)
    assert page["previous"].endswith("/api/sales-orders/?page_size=2")
    assert as_invoicing.get("/api/sales-orders/", {"page": 9}).status_code == 404
    assert len(as_invoicing.get("/api/sales-orders/", {"page_size": 1000}).json()["results"]) == 3


@pytest.mark.parametrize("value", ["0", "-1", "1_0", "١", " 1", "1.0", "1e1", "+1", "two", "0x1"])
@pytest.mark.parametrize("url", ["/api/sales-orders/", "/api/projects/", "/api/backorders/", "/api/reports/invoices/"])
def test_a_page_size_or_number_not_in_plain_digits_answers_400_naming_it(as_manager, url, value):
    size = as_manager.get(url, {"page_size": value})
    assert size.status_code == 400
    assert size.json() == {"page_size": ["Give a page size from 1 to 200, in plain digits."]}
    if url != "/api/reports/invoices/":  # paged by cursor: page=last only, refused in its own words
        number = as_manager.get(url, {"page": value})
        assert number.status_code == 400
        assert number.json() == {"page": ["Give a page number from 1, in plain digits, or last."]}


def test_a_page_number_past_the_last_answers_404_however_long(as_manager):
    SalesOrderItemFactory()
    for page in ("2", "9" * 30, "9" * 5000):
        assert as_manager.get("/api/sales-orders/", {"page": page}).status_code == 404
    assert as_manager.get("/api/sales-orders/", {"page": "last"}).json()["count"] == 1
    assert as_manager.get("/api/sales-orders/", {"page_size": "9" * 5000}).status_code == 200


@pytest.mark.parametrize(
    ("item", "key", "message"),
    [
        ({"supplier_product_id": "M" * 65}, "supplier_product_id", "Ensure this field has no more than 64 characters."),
        (
            {"supplier_part_id": "<i>WHT</i>"},
            "supplier_part_id",
            "The supplier's part id must be plain text: a code such as MUG11 or BLK-L, without <, > or control "
            "characters.",
        ),
    ],
)
def test_a_bad_supplier_id_is_refused_naming_it_and_writes_nothing(as_sales, item, key, message):
    response = as_sales.post("/api/sales-orders/", order_body(ProjectFactory(), **item), format="json")
    assert response.status_code == 400
    assert message in str(response.json()), response.json()
    assert key in str(response.json())
    assert not SalesOrder.objects.exists()


def test_the_schema_documents_the_supplier_ids_of_an_item():
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert components["SalesOrderItemInputRequest"]["properties"]["supplier_product_id"]["maxLength"] == 64
    for name in ("SalesOrderItem", "SalesOrderItemInputRequest"):
        properties = components[name]["properties"]
        assert "productId" in properties["supplier_product_id"]["description"], name
        assert "partId" in properties["supplier_part_id"]["description"], name


def test_an_item_carries_its_units_per_supplier_pack(as_sales):
    response = as_sales.post(
        "/api/sales-orders/", order_body(ProjectFactory(), supplier_units_per_pack=12), format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["items"][0]["supplier_units_per_pack"] == 12
    refused = as_sales.post(
        "/api/sales-orders/", order_body(ProjectFactory(), supplier_units_per_pack=0), format="json"
    )
    assert refused.status_code == 400
    assert "supplier_units_per_pack" in str(refused.json())
    assert SalesOrder.objects.count() == 1

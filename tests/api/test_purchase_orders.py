"""Purchase orders: created for an order's items, stages moved forward (back by managers), status flags."""

from purchasing.models import PurchaseOrder
from tests.factories import SalesOrderItemFactory, SupplierFactory


def test_sales_creates_a_po_for_items_of_the_order(as_sales):
    item = SalesOrderItemFactory(quantity=100)
    supplier = SupplierFactory()
    response = as_sales.post(
        "/api/purchase-orders/",
        {
            "sales_order": item.sales_order_id,
            "supplier": supplier.pk,
            "items": [{"sales_order_item": item.pk, "quantity": 60}],
        },
        format="json",
    )
    assert response.status_code == 201
    po = response.json()
    assert {key: po[key] for key in ("number", "project", "sales_order", "supplier", "stage", "status")} == {
        "number": "PO-1001",
        "project": item.sales_order.project_id,
        "sales_order": item.sales_order_id,
        "supplier": supplier.pk,
        "stage": "created",
        "status": "none",
    }
    assert po["production_rep"] == item.sales_order.project.production_rep_id
    assert [(line["sales_order_item"], line["quantity"]) for line in po["items"]] == [(item.pk, 60)]
    assert as_sales.get(f"/api/purchase-orders/{po['id']}/").json() == po


def test_a_po_item_from_another_order_is_refused(as_sales):
    item, stranger = SalesOrderItemFactory(), SalesOrderItemFactory()
    response = as_sales.post(
        "/api/purchase-orders/",
        {
            "sales_order": item.sales_order_id,
            "supplier": SupplierFactory().pk,
            "items": [{"sales_order_item": stranger.pk, "quantity": 1}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "items[0].sales_order_item": [f"Item {stranger.pk} is not on {item.sales_order.number}."]
    }
    assert not PurchaseOrder.objects.exists()


def test_production_moves_a_stage_forward(as_production, mug_order):
    response = as_production.post(f"/api/purchase-orders/{mug_order.po.pk}/stage/", {"stage": "shipped"}, format="json")
    assert response.status_code == 200
    assert response.json()["stage"] == "shipped"


def test_an_unknown_stage_is_refused(as_production, mug_order):
    response = as_production.post(f"/api/purchase-orders/{mug_order.po.pk}/stage/", {"stage": "lost"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"stage": ['"lost" is not a valid choice.']}


def test_only_managers_move_a_stage_back(as_production, as_manager, mug_order):
    url = f"/api/purchase-orders/{mug_order.po.pk}/stage/"
    response = as_production.post(url, {"stage": "submitted"}, format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Only Managers may move purchase order PO-1001 back from Confirmed to Submitted."
    }
    mug_order.refresh()
    assert mug_order.po.stage == PurchaseOrder.Stage.CONFIRMED
    assert as_manager.post(url, {"stage": "submitted"}, format="json").json()["stage"] == "submitted"


def test_moving_to_the_current_stage_is_a_conflict(as_production, mug_order):
    response = as_production.post(
        f"/api/purchase-orders/{mug_order.po.pk}/stage/", {"stage": "confirmed"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {"detail": "Purchase order PO-1001 is Confirmed; it cannot move to Confirmed."}


def test_production_flags_and_clears_a_po_status(as_production, mug_order):
    url = f"/api/purchase-orders/{mug_order.po.pk}/status/"
    assert as_production.post(url, {"status": "follow_up"}, format="json").json()["status"] == "follow_up"
    assert as_production.post(url, {"status": "none"}, format="json").json()["status"] == "none"


def test_a_po_status_that_does_not_exist_is_refused(as_production, mug_order):
    response = as_production.post(f"/api/purchase-orders/{mug_order.po.pk}/status/", {"status": 7}, format="json")
    assert response.status_code == 400
    assert response.json() == {"status": ['"7" is not a valid choice.']}


def test_setting_the_status_it_has_is_a_conflict(as_production, mug_order):
    response = as_production.post(f"/api/purchase-orders/{mug_order.po.pk}/status/", {"status": "none"}, format="json")
    assert response.status_code == 409
    assert response.json() == {"detail": "Purchase order PO-1001 is already None."}


def test_pos_filter_by_project_stage_status_and_supplier(as_invoicing, mug_order):
    other = SalesOrderItemFactory()
    SupplierFactory()

    def numbers(**params) -> list[str]:
        response = as_invoicing.get("/api/purchase-orders/", params)
        assert response.status_code == 200
        return [po["number"] for po in response.json()["results"]]

    assert numbers(project=mug_order.po.project_id) == ["PO-1001"]
    assert numbers(stage="confirmed", status="none") == ["PO-1001"]
    assert numbers(supplier=mug_order.po.supplier_id) == ["PO-1001"]
    assert numbers(project=other.sales_order.project_id) == []
    assert as_invoicing.get("/api/purchase-orders/", {"stage": "lost"}).status_code == 400

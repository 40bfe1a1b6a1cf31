"""The purchase-order list and page: filters, stage and status controls with only the allowed moves."""

import pytest
from django.urls import reverse

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.services.issue import invoice_create
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder
from tests.factories import PurchaseOrderFactory, SupplierFactory, goods_ready
from tests.pages.helpers import error_next_to

pytestmark = pytest.mark.django_db


def po_url(mug_order) -> str:
    return reverse("purchase-order-detail", args=[mug_order.po.pk])


def flag_two(mug_order, production_rep, next_week) -> None:
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[
            BackorderRequest(mug_order.po_mugs, 200, next_week, "Short"),
            BackorderRequest(mug_order.po_setup, 1, next_week, "Short"),
        ],
        note="@sam @ivy 300 mugs ready",
        ready_to_invoice=False,
        by=production_rep,
    )


def test_the_list_filters_by_stage_status_and_supplier(mug_order, production_rep, signed_in):
    acme = SupplierFactory(name="Acme Mugs")
    shipped = PurchaseOrderFactory(number="PO-2001", stage=PurchaseOrder.Stage.SHIPPED, supplier=acme)
    flagged = PurchaseOrderFactory(number="PO-2002", status=PurchaseOrder.Status.FOLLOW_UP)
    client = signed_in(production_rep)
    url = reverse("purchase-order-list")

    def numbers(**query) -> list[str]:
        return [po.number for po in client.get(url, query).context["orders"]]

    assert numbers() == ["PO-2002", "PO-2001", "PO-1001"]
    assert numbers(stage="shipped") == [shipped.number]
    assert numbers(status="follow_up") == [flagged.number]
    assert numbers(supplier=acme.pk) == [shipped.number]
    assert numbers(q="P-1001") == ["PO-1001"]
    page = client.get(url).content.decode()
    for control in ("id_q", "id_stage", "id_status", "id_supplier"):
        assert f'<label for="{control}">' in page


def test_the_page_shows_supplier_items_and_each_items_remaining(mug_order, production_rep, signed_in):
    response = signed_in(production_rep).get(po_url(mug_order))
    assert response.status_code == 200
    page = response.content.decode()
    assert mug_order.po.supplier.name in page
    items = {item.sales_order_item.description: item for item in response.context["items"]}
    assert items["11 oz mug, 2-colour print"].quantity == 500
    assert items["11 oz mug, 2-colour print"].figures.remaining == 500
    # The setup charge is on this PO too: ready once the PO ships (or its rest is declared shipping).
    assert items["Setup charge"].figures.ready == 0


def test_the_stage_control_offers_only_the_moves_allowed(mug_order, production_rep, manager, signed_in):
    # confirmed: a production rep moves forward only; a manager may also move back.
    production = signed_in(production_rep).get(po_url(mug_order)).context["stage_form"]
    assert [value for value, _ in production.fields["stage"].widget.choices] == [
        "",
        "shipped",
        "ready_for_billing",
        "billed",
    ]
    managing = signed_in(manager).get(po_url(mug_order)).context["stage_form"]
    assert [value for value, _ in managing.fields["stage"].widget.choices] == [
        "",
        "created",
        "submitted",
        "shipped",
        "ready_for_billing",
        "billed",
    ]


def test_the_status_control_offers_the_other_statuses(mug_order, production_rep, signed_in):
    form = signed_in(production_rep).get(po_url(mug_order)).context["status_form"]
    assert [value for value, _ in form.fields["status"].widget.choices] == ["", "problem", "follow_up"]


def test_setting_the_status(mug_order, production_rep, signed_in):
    client = signed_in(production_rep)
    response = client.post(reverse("purchase-order-status", args=[mug_order.po.pk]), {"status": "follow_up"})
    assert response.status_code == 302
    mug_order.refresh()
    assert mug_order.po.status == PurchaseOrder.Status.FOLLOW_UP
    assert "PO-1001 status is now Follow Up." in client.get(response.url).content.decode()


def test_a_production_rep_cannot_move_the_stage_back_and_nothing_changes(mug_order, production_rep, signed_in):
    response = signed_in(production_rep).post(
        reverse("purchase-order-stage", args=[mug_order.po.pk]), {"stage": "submitted"}
    )
    assert response.status_code == 409
    assert response.context["stage_form"].non_field_errors() == [
        "Purchase order PO-1001 is Confirmed; it cannot move to Submitted."
    ]
    mug_order.refresh()
    assert mug_order.po.stage == PurchaseOrder.Stage.CONFIRMED


def test_a_stage_must_be_chosen(mug_order, production_rep, signed_in):
    response = signed_in(production_rep).post(reverse("purchase-order-stage", args=[mug_order.po.pk]), {"stage": ""})
    assert response.status_code == 400
    assert error_next_to(response.content.decode(), "id_stage", "Choose the stage to move the purchase order to.")


def test_ready_for_billing_says_the_order_moved_and_the_backorders_were_resolved(
    mug_order, production_rep, invoicing_rep, signed_in, next_week
):
    # given two open backorders, and a partial invoice that left the order waiting in production
    flag_two(mug_order, production_rep, next_week)
    goods_ready(mug_order.order.pk)
    invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    mug_order.refresh()
    assert mug_order.order.status == SalesOrder.Status.IN_PRODUCTION
    client = signed_in(production_rep)

    # when the production rep sets the PO to Ready for Billing
    response = client.post(reverse("purchase-order-stage", args=[mug_order.po.pk]), {"stage": "ready_for_billing"})

    # then the next page says what the rules did, and it is so
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert (
        "PO-1001 moved from Confirmed to Ready for Billing. Sales order SO-1001 moved to Ready to be Invoiced "
        "and 2 backorders were resolved." in page
    )
    mug_order.refresh()
    assert mug_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED
    assert set(Backorder.objects.values_list("status", flat=True)) == {Backorder.Status.RESOLVED}


def test_ready_for_billing_when_the_order_is_already_ready(mug_order, production_rep, signed_in, next_week):
    flag_two(mug_order, production_rep, next_week)
    goods_ready(mug_order.order.pk)
    client = signed_in(production_rep)
    response = client.post(reverse("purchase-order-stage", args=[mug_order.po.pk]), {"stage": "ready_for_billing"})
    assert (
        "2 backorders were resolved; sales order SO-1001 stays Ready to be Invoiced."
        in client.get(response.url).content.decode()
    )


@pytest.mark.parametrize("role", ["sales_rep", "invoicing_rep"])
def test_other_roles_read_the_page_but_may_not_move_it(request, role, mug_order, signed_in):
    client = signed_in(request.getfixturevalue(role))
    page = client.get(po_url(mug_order))
    assert page.status_code == 200
    assert page.context["stage_form"] is None and page.context["status_form"] is None
    stage = client.post(reverse("purchase-order-stage", args=[mug_order.po.pk]), {"stage": "shipped"})
    status = client.post(reverse("purchase-order-status", args=[mug_order.po.pk]), {"status": "problem"})
    assert (stage.status_code, status.status_code) == (403, 403)
    mug_order.refresh()
    assert (mug_order.po.stage, mug_order.po.status) == (PurchaseOrder.Stage.CONFIRMED, PurchaseOrder.Status.NONE)


def test_an_unknown_purchase_order_is_not_found(production_rep, signed_in):
    assert signed_in(production_rep).get(reverse("purchase-order-detail", args=[999])).status_code == 404


# --- moving several POs from the list --------------------------------------------------------------------


@pytest.fixture
def three_pos(mug_order):
    """The mug order's PO (Confirmed) and two more: one Submitted, one already Shipped."""
    submitted = PurchaseOrderFactory(number="PO-2001", stage=PurchaseOrder.Stage.SUBMITTED)
    shipped = PurchaseOrderFactory(number="PO-2002", stage=PurchaseOrder.Stage.SHIPPED)
    return mug_order.po, submitted, shipped


def bulk_move(client, pos, stage, query=""):
    url = reverse("purchase-order-stage-bulk") + (f"?{query}" if query else "")
    return client.post(url, {"po": [po.pk for po in pos], "stage": stage})


def stages(*pos) -> list[str]:
    return [PurchaseOrder.objects.get(pk=po.pk).stage for po in pos]


def test_production_moves_several_pos_at_once_from_the_list(three_pos, production_rep, signed_in):
    confirmed, submitted, _shipped = three_pos
    client = signed_in(production_rep)
    # The list offers the move: a box per row named by the PO's number, a stage and a button.
    page = client.get(reverse("purchase-order-list")).content.decode()
    assert '<label for="bulk_stage">Move selected to</label>' in page
    assert f'value="{confirmed.pk}" form="bulk-stage" id="pick-po-{confirmed.pk}" aria-label="Select PO-1001"' in page
    assert ">Move selected</button>" in page

    response = bulk_move(client, [confirmed, submitted], "shipped", query="stage=&q=PO")

    assert response.status_code == 302
    assert response.url == reverse("purchase-order-list") + "?stage=&q=PO"
    assert stages(confirmed, submitted) == ["shipped", "shipped"]
    # Each move went through the PO stage service: its activity row and the rules that follow a stage.
    assert confirmed.project.activities.filter(verb="moved stage of", to_value="Shipped").count() == 1
    page = client.get(response.url).content.decode()
    assert "Moved to Shipped: PO-1001 (from Confirmed), PO-2001 (from Submitted)." in page


def test_a_po_that_cannot_move_is_named_and_the_others_still_move(three_pos, production_rep, signed_in):
    confirmed, submitted, shipped = three_pos
    client = signed_in(production_rep)
    # A production rep moves forward only: PO-2002 is Shipped already, past Confirmed.
    response = bulk_move(client, [confirmed, submitted, shipped], "confirmed")
    assert response.status_code == 302
    assert stages(confirmed, submitted, shipped) == ["confirmed", "confirmed", "shipped"]
    page = client.get(response.url).content.decode()
    assert "Moved to Confirmed: PO-2001 (from Submitted)." in page
    assert "Not moved: Purchase order PO-1001 is Confirmed; it cannot move to Confirmed." in page
    assert "Not moved: Purchase order PO-2002 is Shipped; it cannot move to Confirmed." in page


def test_a_manager_may_move_pos_back(three_pos, manager, signed_in):
    confirmed, submitted, shipped = three_pos
    response = bulk_move(signed_in(manager), [confirmed, shipped], "submitted")
    assert response.status_code == 302
    assert stages(confirmed, submitted, shipped) == ["submitted", "submitted", "submitted"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stage": "shipped"}, "Tick the purchase orders to move, in the PO column."),
        ({"po": ["{po}"], "stage": ""}, "Choose the stage to move the selected purchase orders to."),
        ({"po": ["{po}"], "stage": "lost"}, "Select a valid choice. lost is not one of the available choices."),
        ({"po": ["{po}", "999999"], "stage": "shipped"}, "No purchase order has the id 999999"),
        ({"po": ["{po}", "PO-1001"], "stage": "shipped"}, "PO-1001 is not a purchase order id"),
        ({"po": ["{po}", "9" * 30], "stage": "shipped"}, "is not a purchase order id"),
    ],
)
def test_bad_input_is_refused_naming_it_and_nothing_moves(data, message, three_pos, production_rep, signed_in):
    confirmed, submitted, shipped = three_pos
    data = {
        key: [v.format(po=confirmed.pk) for v in value] if isinstance(value, list) else value
        for key, value in data.items()
    }
    response = signed_in(production_rep).post(reverse("purchase-order-stage-bulk"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stages(confirmed, submitted, shipped) == ["confirmed", "submitted", "shipped"]


def test_a_refused_form_keeps_the_ticks(three_pos, production_rep, signed_in):
    confirmed, _submitted, _shipped = three_pos
    response = bulk_move(signed_in(production_rep), [confirmed], "")
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="pick-po-{confirmed.pk}" aria-label="Select PO-1001" checked' in page
    assert error_next_to(page, "bulk_stage", "Choose the stage to move the selected purchase orders to.")


@pytest.mark.parametrize("role", ["sales_rep", "invoicing_rep"])
def test_other_roles_see_no_bulk_move_and_may_not_post_it(request, role, three_pos, signed_in):
    confirmed, submitted, shipped = three_pos
    client = signed_in(request.getfixturevalue(role))
    page = client.get(reverse("purchase-order-list"))
    assert page.context["bulk_form"] is None
    assert 'form="bulk-stage"' not in page.content.decode()
    assert bulk_move(client, [confirmed, submitted], "shipped").status_code == 403
    assert stages(confirmed, submitted, shipped) == ["confirmed", "submitted", "shipped"]


def test_the_bulk_move_is_post_only(production_rep, signed_in):
    assert signed_in(production_rep).get(reverse("purchase-order-stage-bulk")).status_code == 405

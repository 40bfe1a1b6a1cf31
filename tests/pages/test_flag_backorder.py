"""The Flag backorder form on the purchase-order page: one submit does rule 1, refusals change nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from backorders.models import Backorder
from notifications.models import Notification
from projects.models import Activity, Note, SalesOrder
from purchasing.models import PurchaseOrder
from tests.factories import goods_ready
from tests.pages.helpers import error_next_to

pytestmark = pytest.mark.django_db


def flag_data(mug_order, next_week, **overrides) -> dict:
    """What a production rep submits: 200 mugs backordered, Problem, a tagged pinned note, the SO move."""
    mugs = f"item-{mug_order.po_mugs.pk}-"
    data = {
        mugs + "backordered": "on",
        mugs + "quantity": "200",
        mugs + "expected_date": next_week.isoformat(),
        "reason": "Supplier short on white mugs",
        "status": "problem",
        "note": "@sam @ivy Ready to invoice now: 300 × 11 oz mug, 2-colour print, 1 × Setup charge.",
        "pin": "on",
        "ready_to_invoice": "on",
        "action": "flag",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def flag_url(mug_order) -> str:
    return reverse("backorder-flag", args=[mug_order.po.pk])


def snapshot(mug_order) -> tuple:
    mug_order.refresh()
    return (
        mug_order.po.status,
        mug_order.order.status,
        mug_order.mugs.backordered_quantity,
        Backorder.objects.count(),
        Note.objects.count(),
        Activity.objects.count(),
        Notification.objects.count(),
    )


def test_the_form_starts_with_the_reps_tagged_and_what_can_be_invoiced_now(mug_order, production_rep, signed_in):
    response = signed_in(production_rep).get(reverse("purchase-order-detail", args=[mug_order.po.pk]))
    form = response.context["flag_form"]
    assert form["note"].value() == (
        "@sam @ivy Ready to invoice now: 500 × 11 oz mug, 2-colour print, 1 × Setup charge. "
    )
    assert form["pin"].value() is True
    assert form["ready_to_invoice"].value() is True
    page = response.content.decode()
    assert 'id="flag-form"' in page
    # Every input of the form has a label.
    for name in form.fields:
        if name == "status":
            assert [f'for="{radio.id_for_label}"' in page for radio in form[name]] == [True, True]
        else:
            assert f'for="{form[name].id_for_label}"' in page, name


def test_one_submit_flags_the_backorder_tags_pins_and_readies_the_order(
    mug_order, production_rep, invoicing_rep, sales_rep, signed_in, next_week
):
    client = signed_in(production_rep)
    response = client.post(flag_url(mug_order), flag_data(mug_order, next_week))
    assert response.status_code == 302
    # The page opens on its backorders, where the new row and the message are.
    assert response.url == reverse("purchase-order-detail", args=[mug_order.po.pk]) + "#backorders"
    mug_order.refresh()
    assert mug_order.po.status == PurchaseOrder.Status.PROBLEM
    assert mug_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED
    backorder = Backorder.objects.get()
    assert (backorder.quantity, backorder.expected_date, backorder.reason) == (
        200,
        next_week,
        "Supplier short on white mugs",
    )
    note = Note.objects.get()
    assert note.pinned is True
    assert set(note.mentions.all()) == {sales_rep, invoicing_rep}
    page = client.get(response.url).content.decode()
    message = (
        "Flagged 1 backorder on PO-1001; its status is Problem. The note is pinned to the project overview. "
        "Sales order SO-1001 is now Ready to be Invoiced."
    )
    # Said once, in the backorders section above the new row, not on top of the page.
    assert page.count(message) == 1
    section = page.split('id="backorders"', 1)[1]
    assert section.index(message) < section.index(f'data-backorder="{backorder.pk}"')
    assert page.count('role="status"') == 1


def test_two_items_share_the_reason(mug_order, production_rep, signed_in, next_week):
    setup = f"item-{mug_order.po_setup.pk}-"
    data = flag_data(
        mug_order,
        next_week,
        **{setup + "backordered": "on", setup + "quantity": "1", setup + "expected_date": next_week.isoformat()},
        ready_to_invoice=None,
    )
    response = signed_in(production_rep).post(flag_url(mug_order), data)
    assert response.status_code == 302
    assert sorted(Backorder.objects.values_list("quantity", "reason")) == [
        (1, "Supplier short on white mugs"),
        (200, "Supplier short on white mugs"),
    ]
    mug_order.refresh()
    assert mug_order.order.status == SalesOrder.Status.IN_PRODUCTION  # the move was unticked


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"status": None}, "status", "Choose Problem or Follow Up for the purchase order."),
        (
            "quantity=501",
            "quantity",
            "Backordered quantity must be from 1 to 500 (the PO item's quantity less its other open backorders).",
        ),
        ("quantity=", "quantity", "Give the backordered quantity."),
        ("quantity=two", "quantity", "Backordered quantity must be a whole number in plain digits, such as 200."),
        ("quantity=1_0", "quantity", "Backordered quantity must be a whole number in plain digits, such as 200."),
        ("quantity=١٠", "quantity", "Backordered quantity must be a whole number in plain digits, such as 200."),
        ("expected_date=", "expected_date", "Give the date the supplier expects to ship."),
        ("expected_date=past", "expected_date", None),
        ({"reason": ""}, "reason", "Say why the goods are short."),
        ({"note": "@sam @nobody see this"}, "note", "No active user is called @nobody."),
    ],
)
def test_a_refused_flag_shows_the_error_next_to_its_field_keeps_the_input_and_changes_nothing(
    mug_order, production_rep, signed_in, next_week, overrides, field, message
):
    mugs = f"item-{mug_order.po_mugs.pk}-"
    if isinstance(overrides, str):
        name, value = overrides.split("=")
        if value == "past":
            past = timezone.localdate() - timedelta(days=1)
            value = past.isoformat()
            message = f"The expected date {date_format(past)} is in the past."
        overrides = {mugs + name: value}
        field = mugs + field
    before = snapshot(mug_order)
    data = flag_data(mug_order, next_week, **overrides)
    response = signed_in(production_rep).post(flag_url(mug_order), data)
    assert response.status_code == 400
    form = response.context["flag_form"]
    assert form.errors[field] == [message]
    # The page shows the message in the field's own block, and what the user typed is still there.
    page = response.content.decode()
    control = f"id_{field}_0" if field == "status" else f"id_{field}"
    assert error_next_to(page, control, message)
    assert form["reason"].value() == data["reason"]
    assert form["note"].value() == data["note"]
    assert snapshot(mug_order) == before


def test_nothing_ticked_is_refused_above_the_items(mug_order, production_rep, signed_in, next_week):
    mugs = f"item-{mug_order.po_mugs.pk}-"
    data = flag_data(
        mug_order, next_week, **{mugs + "backordered": None, mugs + "quantity": None, mugs + "expected_date": None}
    )
    response = signed_in(production_rep).post(flag_url(mug_order), data)
    assert response.status_code == 400
    assert response.context["flag_form"].non_field_errors() == ["Tick at least one item that is backordered."]


def test_a_quantity_without_a_tick_is_not_silently_dropped(mug_order, production_rep, signed_in, next_week):
    mugs = f"item-{mug_order.po_mugs.pk}-"
    response = signed_in(production_rep).post(
        flag_url(mug_order), flag_data(mug_order, next_week, **{mugs + "backordered": None})
    )
    assert response.status_code == 400
    assert response.context["flag_form"].errors[mugs + "backordered"] == [
        "Tick the item to backorder it, or clear its quantity."
    ]
    assert not Backorder.objects.exists()


def test_the_error_of_the_second_ticked_item_lands_on_its_own_row(mug_order, production_rep, signed_in, next_week):
    setup = f"item-{mug_order.po_setup.pk}-"
    data = flag_data(
        mug_order,
        next_week,
        **{setup + "backordered": "on", setup + "quantity": "2", setup + "expected_date": next_week.isoformat()},
    )
    response = signed_in(production_rep).post(flag_url(mug_order), data)
    assert response.status_code == 400
    errors = response.context["flag_form"].errors
    assert errors == {
        setup + "quantity": [
            "Backordered quantity must be from 1 to 1 (the PO item's quantity less its other open backorders)."
        ]
    }
    assert not Backorder.objects.exists()


def test_the_move_cannot_be_made_when_nothing_is_ready(mug_order, production_rep, signed_in, next_week):
    mugs, setup = f"item-{mug_order.po_mugs.pk}-", f"item-{mug_order.po_setup.pk}-"
    data = flag_data(
        mug_order,
        next_week,
        **{
            mugs + "quantity": "500",
            setup + "backordered": "on",
            setup + "quantity": "1",
            setup + "expected_date": next_week.isoformat(),
        },
    )
    before = snapshot(mug_order)
    response = signed_in(production_rep).post(flag_url(mug_order), data)
    assert response.status_code == 400
    assert response.context["flag_form"].errors["ready_to_invoice"] == [
        "Nothing on sales order SO-1001 is ready to invoice; untick the move."
    ]
    assert snapshot(mug_order) == before


def test_a_po_ready_for_billing_offers_no_flag_form_and_refuses_a_post(mug_order, production_rep, signed_in, next_week):
    PurchaseOrder.objects.filter(pk=mug_order.po.pk).update(stage=PurchaseOrder.Stage.READY_FOR_BILLING)
    client = signed_in(production_rep)
    page = client.get(reverse("purchase-order-detail", args=[mug_order.po.pk]))
    assert page.context["flag_form"] is None
    assert "its goods are ready, so nothing can be backordered on it" in page.content.decode()
    response = client.post(flag_url(mug_order), flag_data(mug_order, next_week))
    assert response.status_code == 409
    assert response.context["flag_form"].non_field_errors() == [
        "Purchase order PO-1001 is Ready for Billing: its goods are ready, so nothing can be backordered on it."
    ]
    assert not Backorder.objects.exists()


def test_the_note_can_be_rewritten_from_the_ticked_rows_without_javascript(
    mug_order, production_rep, signed_in, next_week
):
    data = flag_data(mug_order, next_week, action="compose", note="@sam @ivy old text")
    response = signed_in(production_rep).post(flag_url(mug_order), data)
    assert response.status_code == 200
    assert response.context["flag_form"]["note"].value() == (
        "@sam @ivy Ready to invoice now: 300 × 11 oz mug, 2-colour print, 1 × Setup charge. "
        f"Backordered: 200 × 11 oz mug, 2-colour print expected {next_week.isoformat()}. "
    )
    assert not Backorder.objects.exists()


@pytest.mark.parametrize("role", ["sales_rep", "invoicing_rep"])
def test_only_production_and_managers_may_flag(request, role, mug_order, signed_in, next_week):
    client = signed_in(request.getfixturevalue(role))
    assert client.post(flag_url(mug_order), flag_data(mug_order, next_week)).status_code == 403
    assert not Backorder.objects.exists()
    # They still read the PO, without the controls.
    page = client.get(reverse("purchase-order-detail", args=[mug_order.po.pk]))
    assert page.status_code == 200
    assert page.context["flag_form"] is None
    assert 'id="flag-form"' not in page.content.decode()


def test_a_manager_may_flag(mug_order, manager, signed_in, next_week):
    response = signed_in(manager).post(flag_url(mug_order), flag_data(mug_order, next_week))
    assert response.status_code == 302
    assert Backorder.objects.count() == 1


def test_signed_out_people_are_sent_to_sign_in(mug_order, client, next_week):
    response = client.post(flag_url(mug_order), flag_data(mug_order, next_week))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_order_already_ready_offers_no_move(mug_order, production_rep, signed_in):
    goods_ready(mug_order.order.pk)
    page = signed_in(production_rep).get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()
    assert "SO-1001 is already Ready to be Invoiced." in page
    assert 'name="ready_to_invoice"' not in page


@pytest.mark.parametrize(
    "status",
    [
        SalesOrder.Status.NEW,
        SalesOrder.Status.PENDING_CLIENT_APPROVAL,
        SalesOrder.Status.CLIENT_CHANGE_REQUESTED,
        SalesOrder.Status.CLIENT_APPROVED,
        SalesOrder.Status.INVOICED,
        SalesOrder.Status.CLOSED,
    ],
)
def test_an_order_outside_production_offers_no_move(mug_order, production_rep, signed_in, status):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=status)
    response = signed_in(production_rep).get(reverse("purchase-order-detail", args=[mug_order.po.pk]))
    assert response.context["flag_form"]["ready_to_invoice"].value() is False
    assert 'name="ready_to_invoice"' not in response.content.decode()


def test_a_shipped_order_offers_the_move_ticked(mug_order, production_rep, signed_in):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=SalesOrder.Status.SHIPPED)
    response = signed_in(production_rep).get(reverse("purchase-order-detail", args=[mug_order.po.pk]))
    assert response.context["flag_form"]["ready_to_invoice"].value() is True
    assert 'name="ready_to_invoice"' in response.content.decode()


def test_the_move_posted_anyway_before_production_is_refused_next_to_it(
    mug_order, production_rep, signed_in, next_week
):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=SalesOrder.Status.CLIENT_APPROVED)
    before = snapshot(mug_order)
    response = signed_in(production_rep).post(flag_url(mug_order), flag_data(mug_order, next_week))
    assert response.status_code == 400
    message = (
        "Sales order SO-1001 is Client Approved; only an order In Production or Shipped moves to Ready to be "
        "Invoiced. Untick the move."
    )
    assert response.context["flag_form"].errors == {"ready_to_invoice": [message]}
    assert error_next_to(response.content.decode(), "id_ready_to_invoice", message)
    assert snapshot(mug_order) == before

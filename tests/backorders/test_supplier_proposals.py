"""What a supplier's status proposes, confirmed or dismissed in one click on the PO page; expected dates by hand.

Confirming goes through the service a person would use by hand: the flag (rule 1) for a backorder,
backorder_expected_date_change for a later date, the stage move to Ready for Billing (rule 2) for
goods ready. Every decision is on the PO's activity, with who made it.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from backorders.models import Backorder, SupplierProposal
from backorders.order_status_sync import supplier_order_status_sync
from backorders.services import BackorderRequest, backorder_expected_date_change, backorder_flag
from core.errors import TransitionNotAllowed, ValidationFailed
from notifications.models import Notification
from projects.models import Activity, Note, SalesOrder
from purchasing.models import PurchaseOrder
from purchasing.promostandards.simulator import SimulatedOrder
from tests.pages.helpers import error_next_to

pytestmark = pytest.mark.django_db

Kind = SupplierProposal.Kind


def sync(supplier, simulator, **order) -> SupplierProposal:
    simulator.app.orders["PO-1001"] = SimulatedOrder(**order)
    result = supplier_order_status_sync(supplier=supplier)
    assert result.error == ""
    [proposal] = result.proposals
    return proposal


def decisions(po) -> list[tuple]:
    return list(
        Activity.objects.filter(
            subject_type=ContentType.objects.get_for_model(PurchaseOrder),
            subject_id=po.pk,
            verb__in=["confirmed the supplier's proposal on", "dismissed the supplier's proposal on"],
        )
        .order_by("id")
        .values_list("actor__username", "verb", "to_value")
    )


def flag_mugs(mug_order, by, expected):
    [backorder] = backorder_flag(
        purchase_order=mug_order.po,
        status="problem",
        items=[BackorderRequest(mug_order.po_mugs, 200, expected, "Short of blue")],
        note="",
        by=by,
        ready_to_invoice=False,
    ).backorders
    return backorder


# --- the PO page ---------------------------------------------------------------------------------


def test_the_production_rep_confirms_a_proposed_backorder_in_one_click(
    order_status_supplier, simulator, mug_order, production_rep, signed_in
):
    ships = timezone.localdate() + timedelta(days=21)
    proposal = sync(order_status_supplier, simulator, status_id=44, expected_ship_date=ships, explanation="Blue short")
    browser = signed_in(production_rep)
    po_url = reverse("purchase-order-detail", args=[mug_order.po.pk])

    # the PO page shows what the supplier reported and what it proposes, with Confirm and Dismiss
    page = browser.get(po_url).content.decode()
    assert 'data-testid="po-supplier-status">44 Back Order Hold' in page
    section = page[page.index('id="supplier-proposals"') :]
    assert "Backorder 500 × 11 oz mug, 2-colour print, expected" in section
    assert "The supplier reported 44 Back Order Hold: Blue short" in section
    assert "and SO-1001 moves to Ready to be Invoiced" in section
    assert f'action="{reverse("supplier-proposal-confirm", args=[proposal.pk])}"' in section
    assert f'action="{reverse("supplier-proposal-dismiss", args=[proposal.pk])}"' in section

    # when the rep clicks Confirm
    response = browser.post(reverse("supplier-proposal-confirm", args=[proposal.pk]))

    # then the backorder is flagged as the Flag backorder form would have: quantity, date, reason, PO status
    assert response.status_code == 302 and response.url == po_url + "#supplier-proposals"
    [backorder] = Backorder.objects.all()
    assert (backorder.purchase_order_item, backorder.quantity, backorder.expected_date) == (
        mug_order.po_mugs,
        500,
        ships,
    )
    assert backorder.first_expected_date == ships and backorder.raised_by == production_rep
    assert backorder.reason == f"{order_status_supplier.name} reported 44 Back Order Hold: Blue short"
    mug_order.refresh()
    assert mug_order.po.status == PurchaseOrder.Status.PROBLEM
    assert mug_order.mugs.backordered_quantity == 500
    # with the pinned note tagging the order and invoicing reps, who are notified
    note = Note.objects.get()
    assert note.pinned and note.body.startswith("@sam @ivy")
    assert "Backordered: 500 × 11 oz mug, 2-colour print" in note.body
    assert set(Notification.objects.values_list("recipient__username", flat=True)) >= {"sam", "ivy"}
    # and the setup charge, ready to invoice, moves the order on
    assert mug_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED
    # and the proposal is confirmed by the rep, on the PO's activity
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (SupplierProposal.Status.CONFIRMED, production_rep)
    assert proposal.decided_at is not None
    assert decisions(mug_order.po) == [("pat", "confirmed the supplier's proposal on", "Backorder")]
    page = browser.get(response.url).content.decode()
    assert "Confirmed on PO-1001: Backorder 500 × 11 oz mug, 2-colour print" in page
    assert 'id="supplier-proposals"' not in page  # nothing left waiting


def test_a_proposed_backorder_without_a_date_asks_for_one_next_to_the_field(
    order_status_supplier, simulator, mug_order, production_rep, signed_in, next_week
):
    proposal = sync(order_status_supplier, simulator, status_id=44)
    browser = signed_in(production_rep)
    url = reverse("supplier-proposal-confirm", args=[proposal.pk])
    field = f"id_proposal-{proposal.pk}-expected_date"
    page = browser.get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()
    assert f'<label for="{field}">Expected date</label>' in page

    response = browser.post(url)
    assert response.status_code == 400
    assert error_next_to(response.content.decode(), field, "Give the date the supplier expects to ship.")
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = browser.post(url, {f"proposal-{proposal.pk}-expected_date": past})
    assert response.status_code == 400
    assert re.search(r"The expected date \w{3} \d{1,2}, \d{4} is in the past\.", response.content.decode())
    assert not Backorder.objects.exists()

    response = browser.post(url, {f"proposal-{proposal.pk}-expected_date": next_week.isoformat()})
    assert response.status_code == 302
    assert Backorder.objects.get().expected_date == next_week


def test_confirming_a_later_date_moves_the_backorder_and_counts_the_move(
    order_status_supplier, simulator, mug_order, production_rep, signed_in, next_week
):
    backorder = flag_mugs(mug_order, production_rep, next_week)
    later = next_week + timedelta(days=10)
    proposal = sync(order_status_supplier, simulator, status_id=44, expected_ship_date=later)
    assert proposal.kind == Kind.EXPECTED_DATE

    response = signed_in(production_rep).post(reverse("supplier-proposal-confirm", args=[proposal.pk]))

    assert response.status_code == 302
    backorder.refresh_from_db()
    assert (backorder.expected_date, backorder.first_expected_date, backorder.expected_date_changes) == (
        later,
        next_week,
        1,
    )
    moved = Activity.objects.get(verb="changed the expected date of")
    assert moved.actor == production_rep and moved.detail.startswith(f"{order_status_supplier.name} reported 44")
    assert decisions(mug_order.po) == [("pat", "confirmed the supplier's proposal on", "Later expected date")]


def test_confirming_goods_ready_moves_the_po_to_ready_for_billing_and_resolves_its_backorders(
    order_status_supplier, simulator, mug_order, production_rep, signed_in, next_week
):
    backorder = flag_mugs(mug_order, production_rep, next_week)
    proposal = sync(order_status_supplier, simulator, status_id=80)

    response = signed_in(production_rep).post(reverse("supplier-proposal-confirm", args=[proposal.pk]))

    assert response.status_code == 302
    mug_order.refresh()
    assert mug_order.po.stage == PurchaseOrder.Stage.READY_FOR_BILLING
    backorder.refresh_from_db()
    assert backorder.status == Backorder.Status.RESOLVED  # rule 2, through the stage service's signal
    assert mug_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED
    assert Activity.objects.filter(verb="moved stage of", actor=production_rep, to_value="Ready for Billing").exists()


def test_dismissing_changes_nothing_but_the_proposal(
    order_status_supplier, simulator, mug_order, production_rep, signed_in
):
    proposal = sync(order_status_supplier, simulator, status_id=75)
    browser = signed_in(production_rep)

    response = browser.post(reverse("supplier-proposal-dismiss", args=[proposal.pk]))

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by) == (SupplierProposal.Status.DISMISSED, production_rep)
    mug_order.refresh()
    assert mug_order.po.stage == PurchaseOrder.Stage.CONFIRMED
    assert decisions(mug_order.po) == [("pat", "dismissed the supplier's proposal on", "Goods ready")]
    page = browser.get(response.url).content.decode()
    assert "Dismissed on PO-1001: Move PO-1001 to Ready for Billing. Nothing was changed." in page
    # and a second click, from a page left open, is refused on top of the page
    response = browser.post(reverse("supplier-proposal-confirm", args=[proposal.pk]), follow=True)
    assert "That proposal on PO-1001 was already dismissed; it cannot be confirmed." in response.content.decode()
    assert mug_order.refresh().po.stage == PurchaseOrder.Stage.CONFIRMED


def test_only_production_and_managers_see_the_buttons_and_may_decide(
    order_status_supplier, simulator, mug_order, sales_rep, invoicing_rep, manager, signed_in
):
    proposal = sync(order_status_supplier, simulator, status_id=80)
    page = signed_in(sales_rep).get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()
    assert "Move PO-1001 to Ready for Billing" in page  # everyone reads the proposal
    assert reverse("supplier-proposal-confirm", args=[proposal.pk]) not in page

    for user in (sales_rep, invoicing_rep):
        for name in ("supplier-proposal-confirm", "supplier-proposal-dismiss"):
            assert signed_in(user).post(reverse(name, args=[proposal.pk])).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == SupplierProposal.Status.PENDING

    assert signed_in(manager).post(reverse("supplier-proposal-dismiss", args=[proposal.pk])).status_code == 302


# --- expected dates by hand ----------------------------------------------------------------------


def test_the_production_rep_moves_a_backorders_expected_date_on_the_po_page(
    mug_order, production_rep, signed_in, next_week
):
    backorder = flag_mugs(mug_order, production_rep, next_week)
    browser = signed_in(production_rep)
    field = f"expected-{backorder.pk}-expected_date"
    page = browser.get(reverse("purchase-order-detail", args=[mug_order.po.pk])).content.decode()
    assert f'<label for="id_{field}">New expected date</label>' in page

    later = next_week + timedelta(days=3)
    response = browser.post(reverse("backorder-expected-date", args=[backorder.pk]), {field: later.isoformat()})

    assert response.status_code == 302
    backorder.refresh_from_db()
    assert (backorder.expected_date, backorder.first_expected_date, backorder.expected_date_changes) == (
        later,
        next_week,
        1,
    )
    page = browser.get(response.url).content.decode()
    assert re.search(r"is now expected \w{3} \d{1,2}, \d{4} \(was \w{3} \d{1,2}, \d{4}\)\.", page)

    # a date in the past is refused next to the field, and changes nothing
    past = timezone.localdate() - timedelta(days=2)
    response = browser.post(reverse("backorder-expected-date", args=[backorder.pk]), {field: past.isoformat()})
    assert response.status_code == 400
    assert error_next_to(
        response.content.decode(), f"id_{field}", f"The expected date {past:%b} {past.day}, {past.year} is in the past."
    )
    response = browser.post(reverse("backorder-expected-date", args=[backorder.pk]), {field: ""})
    assert error_next_to(response.content.decode(), f"id_{field}", "Give the new date the supplier expects to ship.")
    backorder.refresh_from_db()
    assert (backorder.expected_date, backorder.expected_date_changes) == (later, 1)


def test_a_sales_rep_may_not_move_an_expected_date(mug_order, production_rep, sales_rep, signed_in, next_week):
    backorder = flag_mugs(mug_order, production_rep, next_week)
    response = signed_in(sales_rep).post(
        reverse("backorder-expected-date", args=[backorder.pk]),
        {f"expected-{backorder.pk}-expected_date": (next_week + timedelta(days=1)).isoformat()},
    )
    assert response.status_code == 403
    backorder.refresh_from_db()
    assert backorder.expected_date == next_week


def test_the_expected_date_service_refuses_a_closed_backorder_and_the_same_date(mug_order, production_rep, next_week):
    backorder = flag_mugs(mug_order, production_rep, next_week)
    with pytest.raises(ValidationFailed) as same:
        backorder_expected_date_change(backorder=backorder, expected_date=next_week, by=production_rep)
    assert same.value.errors == {
        "expected_date": [f"The backorder is already expected on {next_week:%b} {next_week.day}, {next_week.year}."]
    }
    Backorder.objects.filter(pk=backorder.pk).update(status=Backorder.Status.RESOLVED)
    with pytest.raises(TransitionNotAllowed, match="The backorder is Resolved; it cannot be given a new expected"):
        backorder_expected_date_change(
            backorder=backorder, expected_date=next_week + timedelta(days=1), by=production_rep
        )
    backorder.refresh_from_db()
    assert backorder.expected_date_changes == 0

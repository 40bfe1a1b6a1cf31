"""A settled PO drops its flag: Problem / Follow Up back to none, its pinned backorder notes unpinned.

Settled means the PO reached Ready for Billing (its goods are ready), or an invoice left nothing of its
items to invoice. Both are done by the desk itself, so the activity log says "automatic".
"""

import pytest
from django.contrib.contenttypes.models import ContentType

from backorders.services import BackorderRequest, backorder_flag, backorder_resolve
from invoicing.services.issue import invoice_create
from projects.models import Activity, Note, SalesOrder
from projects.services.notes import note_create
from projects.services.sales_orders import sales_order_status_change
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change
from tests.factories import PurchaseOrderFactory, PurchaseOrderItemFactory, SalesOrderItemFactory, goods_ready

pytestmark = pytest.mark.django_db


def flag(po, po_item, by, next_week, quantity=200, **options):
    return backorder_flag(
        purchase_order=po,
        status=options.pop("status", PurchaseOrder.Status.PROBLEM),
        items=[BackorderRequest(po_item, quantity, next_week, "Supplier short")],
        note=options.pop("note", "@sam @ivy 300 mugs can be invoiced now."),
        by=by,
        **options,
    )


def automatic(verb: str, subject) -> list[Activity]:
    return list(
        Activity.objects.filter(
            verb=verb,
            actor=None,
            subject_type=ContentType.objects.get_for_model(subject),
            subject_id=subject.pk,
        )
    )


@pytest.fixture
def second_po(mug_order):
    """Another PO of the same project, with a flag of its own that must stay."""
    boxes = SalesOrderItemFactory(sales_order=mug_order.order, description="Gift box", quantity=50, position=2)
    po = PurchaseOrderFactory(number="PO-1002", sales_order=mug_order.order, stage=PurchaseOrder.Stage.CONFIRMED)
    return po, PurchaseOrderItemFactory(purchase_order=po, sales_order_item=boxes, quantity=50)


def test_the_flag_note_names_its_purchase_order_in_the_activity(mug_order, production_rep, next_week):
    note = flag(mug_order.po, mug_order.po_mugs, production_rep, next_week).note
    [wrote] = Activity.objects.filter(verb="wrote", subject_id=note.pk)
    assert wrote.to_value == "PO-1001"


def test_ready_for_billing_clears_the_status_and_unpins_the_flag_notes(
    mug_order, second_po, production_rep, sales_rep, next_week
):
    po, boxes = second_po
    mugs_note = flag(mug_order.po, mug_order.po_mugs, production_rep, next_week).note
    boxes_note = flag(po, boxes, production_rep, next_week, quantity=10, note="@ivy boxes late").note
    own_note = note_create(project=mug_order.order.project, body="Client called", by=sales_rep, pinned=True)

    purchase_order_stage_change(
        purchase_order=mug_order.po, stage=PurchaseOrder.Stage.READY_FOR_BILLING, by=production_rep
    )

    mug_order.refresh()
    assert mug_order.po.status == PurchaseOrder.Status.NONE
    assert Note.objects.get(pk=mugs_note.pk).pinned is False
    # The other PO's flag and a note nobody wrote with a flag stay as they were.
    assert PurchaseOrder.objects.get(pk=po.pk).status == PurchaseOrder.Status.PROBLEM
    assert Note.objects.get(pk=boxes_note.pk).pinned is True
    assert Note.objects.get(pk=own_note.pk).pinned is True
    [cleared] = automatic("set status of", mug_order.po)
    assert (cleared.from_value, cleared.to_value, cleared.detail) == (
        "Problem",
        "None",
        "PO-1001 reached Ready for Billing",
    )
    [unpinned] = automatic("unpinned", mugs_note)
    assert unpinned.detail == "PO-1001 reached Ready for Billing"


def test_a_po_already_clear_writes_nothing_more(mug_order, production_rep, next_week):
    purchase_order_stage_change(
        purchase_order=mug_order.po, stage=PurchaseOrder.Stage.READY_FOR_BILLING, by=production_rep
    )
    assert automatic("set status of", mug_order.po) == []
    assert not Activity.objects.filter(verb="unpinned").exists()


def test_an_unpinned_flag_note_stays_unpinned_and_follow_up_is_cleared(mug_order, production_rep, next_week):
    note = flag(
        mug_order.po, mug_order.po_mugs, production_rep, next_week, status=PurchaseOrder.Status.FOLLOW_UP, pin=False
    ).note
    purchase_order_stage_change(purchase_order=mug_order.po, stage=PurchaseOrder.Stage.BILLED, by=production_rep)
    assert PurchaseOrder.objects.get(pk=mug_order.po.pk).status == PurchaseOrder.Status.NONE
    assert automatic("set status of", mug_order.po)[0].from_value == "Follow Up"
    assert Note.objects.get(pk=note.pk).pinned is False
    assert automatic("unpinned", note) == []


def test_the_invoice_that_leaves_nothing_of_the_po_to_invoice_clears_it(
    mug_order, production_rep, invoicing_rep, next_week
):
    result = flag(mug_order.po, mug_order.po_mugs, production_rep, next_week)
    # The partial invoice leaves the 200 backordered mugs: the flag stays.
    invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    mug_order.refresh()
    assert mug_order.po.status == PurchaseOrder.Status.PROBLEM
    assert Note.objects.get(pk=result.note.pk).pinned is True

    # The goods come in without a stage move; the final invoice takes the rest.
    backorder_resolve(backorder=result.backorders[0], by=production_rep)
    sales_order_status_change(
        sales_order=mug_order.order, status=SalesOrder.Status.READY_TO_BE_INVOICED, by=production_rep
    )
    invoice_create(sales_order=mug_order.order, by=invoicing_rep)

    mug_order.refresh()
    assert mug_order.order.status == SalesOrder.Status.INVOICED
    assert mug_order.po.status == PurchaseOrder.Status.NONE
    assert Note.objects.get(pk=result.note.pk).pinned is False
    # Resolving the PO's last open backorder already cleared its Problem and unpinned the note.
    [cleared] = automatic("set status of", mug_order.po)
    assert cleared.detail == "the last backorder on PO-1001 was resolved"
    assert automatic("unpinned", result.note)[0].detail == "the last backorder on PO-1001 was resolved"


def test_an_invoice_leaves_the_flag_of_a_po_with_items_still_to_invoice(
    mug_order, second_po, production_rep, invoicing_rep, next_week
):
    po, boxes = second_po
    flag(po, boxes, production_rep, next_week, quantity=10, note="@ivy boxes late")
    result = flag(mug_order.po, mug_order.po_mugs, production_rep, next_week, ready_to_invoice=False)
    goods_ready(mug_order.order.pk)
    # The invoice takes everything ready: all of PO-1001 but its 200 mugs, and 40 of PO-1002's 50 boxes.
    invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    assert PurchaseOrder.objects.get(pk=po.pk).status == PurchaseOrder.Status.PROBLEM
    assert PurchaseOrder.objects.get(pk=mug_order.po.pk).status == PurchaseOrder.Status.PROBLEM
    assert Note.objects.get(pk=result.note.pk).pinned is True

"""The whole backorder story at service level, as the production and invoicing reps live it."""

from decimal import Decimal

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.models import Invoice
from invoicing.services.issue import LineRequest, invoice_create
from notifications.models import Notification
from projects.models import Activity, SalesOrder
from projects.selectors import sales_order_detail
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change


def test_partial_then_final_invoice_leaves_nothing_to_invoice(mug_order, production_rep, invoicing_rep, next_week):
    # given an order of 500 mugs and a setup charge, 200 mugs backordered by the supplier
    result = backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short on white mugs")],
        note="@sam @ivy 300 mugs and the setup charge can be invoiced now; 200 mugs follow.",
        by=production_rep,
    )
    mug_order.refresh()
    assert mug_order.po.status == PurchaseOrder.Status.PROBLEM
    assert result.note.pinned is True
    assert mug_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED
    order = sales_order_detail(pk=mug_order.order.pk)
    mugs = next(item for item in order.items.all() if item.pk == mug_order.mugs.pk)
    assert (mugs.ordered, mugs.backordered, mugs.remaining, mugs.ready) == (500, 200, 500, 300)

    # when the invoicing rep invoices what is ready
    partial = invoice_create(sales_order=mug_order.order, by=invoicing_rep)

    # then 200 mugs remain and the order waits in production for them
    assert partial.kind == Invoice.Kind.PARTIAL
    assert [(line.description, line.quantity) for line in partial.lines.all()] == [
        ("11 oz mug, 2-colour print", 300),
        ("Setup charge", 1),
    ]
    assert partial.subtotal == Decimal("1340.00")  # 300 × 4.25 + 65.00
    assert partial.tax == Decimal("110.55")  # 105.19 (1275 × 8.25 %, half-up) + 5.36 (65 × 8.25 %, half-up)
    assert partial.total == Decimal("1450.55")
    order = sales_order_detail(pk=mug_order.order.pk)
    assert order.status == SalesOrder.Status.IN_PRODUCTION
    assert order.billing_status == SalesOrder.BillingStatus.PARTIALLY_INVOICED
    assert order.remaining_amount == Decimal("850.00")
    assert order.remaining_amount_gross == Decimal("920.13")  # 850 + 70.125 rounded half-up

    # when the backordered mugs are ready and the PO reaches Ready for Billing
    purchase_order_stage_change(
        purchase_order=mug_order.po, stage=PurchaseOrder.Stage.READY_FOR_BILLING, by=production_rep
    )

    # then the backorder is resolved, the order is Ready to be Invoiced and the invoicing rep is told
    assert Backorder.objects.get().status == Backorder.Status.RESOLVED
    mug_order.refresh()
    assert mug_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED
    assert Notification.objects.filter(recipient=invoicing_rep, kind=Notification.Kind.READY_TO_INVOICE).count() == 1

    # when the invoicing rep issues the final invoice for the rest (the proposal is exactly the rest)
    final = invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 200)], by=invoicing_rep)

    # then nothing remains: one partial and one final invoice, the order is invoiced
    assert final.kind == Invoice.Kind.FINAL
    assert final.total == Decimal("920.13")
    order = sales_order_detail(pk=mug_order.order.pk)
    assert order.status == SalesOrder.Status.INVOICED
    assert order.billing_status == SalesOrder.BillingStatus.FULLY_INVOICED
    assert order.remaining_amount == Decimal("0.00")
    assert sorted(Invoice.objects.values_list("kind", flat=True)) == ["final", "partial"]
    assert [partial.number, final.number] == ["INV-000001", "INV-000002"]
    verbs = list(Activity.objects.order_by("id").values_list("verb", flat=True))
    assert "flagged" in verbs and "issued partial invoice" in verbs and "issued final invoice" in verbs

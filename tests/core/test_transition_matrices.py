"""Every (from, to) pair of the SO status, PO stage and invoice status tables, for every role.

The expected sets are written out here independently of the services' own tables, so a change to
either shows up as a failing pair.
"""

import pytest

from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from invoicing.models import Invoice
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.marks import invoice_status_change
from invoicing.services.sending import invoice_send
from invoicing.services.void import invoice_void
from projects.models import Activity, SalesOrder
from projects.services.sales_orders import sales_order_status_change
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change

S = SalesOrder.Status
ALL_SO = list(S)
BEFORE_READY = [
    S.NEW,
    S.PENDING_CLIENT_APPROVAL,
    S.CLIENT_CHANGE_REQUESTED,
    S.CLIENT_APPROVED,
    S.IN_PRODUCTION,
    S.SHIPPED,
]


def expected_so_moves(role: str) -> set[tuple[str, str]]:
    forward = {(a, b) for i, a in enumerate(BEFORE_READY) for b in BEFORE_READY[i + 1 :]}
    back_to_approval = {(S.CLIENT_CHANGE_REQUESTED, S.PENDING_CLIENT_APPROVAL)}
    ready = {(S.IN_PRODUCTION, S.READY_TO_BE_INVOICED), (S.SHIPPED, S.READY_TO_BE_INVOICED)}
    if role == "Sales":
        return forward | back_to_approval
    if role == "Production":
        return ready
    if role == "Managers":
        every = {(a, b) for a in ALL_SO for b in ALL_SO if a != b and b != S.INVOICED}
        # Ready to be Invoiced is reached from production onwards, never straight from an early status.
        early = {(a, S.READY_TO_BE_INVOICED) for a in BEFORE_READY[:4]}
        return every - early
    return set()


@pytest.mark.parametrize("role", ["Sales", "Production", "Invoicing", "Managers"])
def test_sales_order_status_matrix(role, mug_order, django_user_model):
    from tests.factories import UserFactory

    user = UserFactory(roles=[role])
    allowed = expected_so_moves(role)
    order = mug_order.order
    for current in ALL_SO:
        for target in ALL_SO:
            SalesOrder.objects.filter(pk=order.pk).update(status=current)
            order.refresh_from_db()
            activities = Activity.objects.count()
            if (current, target) in allowed:
                sales_order_status_change(sales_order=order, status=target, by=user)
                order.refresh_from_db()
                assert order.status == target, (role, current, target)
                assert Activity.objects.count() > activities
            else:
                with pytest.raises(TransitionNotAllowed):
                    sales_order_status_change(sales_order=order, status=target, by=user)
                order.refresh_from_db()
                assert order.status == current, (role, current, target)
                assert Activity.objects.count() == activities


def test_sales_order_refusal_names_the_current_state(mug_order, sales_rep):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=S.SHIPPED)
    mug_order.order.refresh_from_db()
    with pytest.raises(TransitionNotAllowed) as refused:
        sales_order_status_change(sales_order=mug_order.order, status=S.NEW, by=sales_rep)
    assert str(refused.value) == "Sales order SO-1001 is Shipped; you may not move it to New."


def test_unknown_sales_order_status_is_refused_naming_the_field(mug_order, manager):
    with pytest.raises(ValidationFailed) as refused:
        sales_order_status_change(sales_order=mug_order.order, status="lost", by=manager)
    assert list(refused.value.errors) == ["status"]


STAGES = list(PurchaseOrder.Stage)


@pytest.mark.parametrize("role", ["Production", "Managers", "Sales", "Invoicing"])
def test_purchase_order_stage_matrix(role, mug_order):
    from tests.factories import UserFactory

    user = UserFactory(roles=[role])
    po = mug_order.po
    for current in STAGES:
        for target in STAGES:
            PurchaseOrder.objects.filter(pk=po.pk).update(stage=current)
            po.refresh_from_db()
            forward = STAGES.index(target) > STAGES.index(current)
            allowed = (role == "Managers" and current != target) or (role == "Production" and forward)
            if allowed:
                purchase_order_stage_change(purchase_order=po, stage=target, by=user)
                po.refresh_from_db()
                assert po.stage == target, (role, current, target)
            else:
                with pytest.raises((TransitionNotAllowed, RoleRequired)):
                    purchase_order_stage_change(purchase_order=po, stage=target, by=user)
                po.refresh_from_db()
                assert po.stage == current, (role, current, target)


def test_production_rep_cannot_move_a_stage_back(mug_order, production_rep):
    with pytest.raises(TransitionNotAllowed) as refused:
        purchase_order_stage_change(purchase_order=mug_order.po, stage=PurchaseOrder.Stage.CREATED, by=production_rep)
    assert str(refused.value) == "Purchase order PO-1001 is Confirmed; it cannot move to Created."


IS = Invoice.Status
INVOICE_MOVES = {
    # (from, action) pairs that succeed; everything else is refused.
    (IS.OPEN, "exported"),
    (IS.OPEN, "paid"),
    (IS.OPEN, "sent_to_client"),
    (IS.OPEN, "void"),
    (IS.SENT_TO_CLIENT, "exported"),
    (IS.SENT_TO_CLIENT, "paid"),
    (IS.SENT_TO_CLIENT, "sent_to_client"),
    (IS.SENT_TO_CLIENT, "void"),
    (IS.EXPORTED, "paid"),
}


# An issued invoice is never a draft again (a CHECK keeps numbers on issued invoices only); drafts
# have tests of their own in tests/invoicing/test_drafts.py.
@pytest.mark.parametrize("current", [status for status in IS if status != IS.DRAFT])
@pytest.mark.parametrize("action", ["sent_to_client", "exported", "paid", "void"])
def test_invoice_status_matrix(current, action, mug_order, manager, invoicing_rep):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=S.READY_TO_BE_INVOICED)
    invoice = invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 10)], by=invoicing_rep)
    Invoice.objects.filter(pk=invoice.pk).update(status=current)
    invoice.refresh_from_db()

    def act():
        if action == "void":
            return invoice_void(invoice=invoice, reason="Wrong quantity", by=manager)
        if action == "sent_to_client":
            return invoice_send(invoice=invoice, by=invoicing_rep)
        return invoice_status_change(invoice=invoice, status=action, by=invoicing_rep)

    if (current, action) in INVOICE_MOVES:
        act()
        invoice.refresh_from_db()
        assert invoice.status == action.replace("void", IS.VOID)
    else:
        with pytest.raises(TransitionNotAllowed):
            act()
        invoice.refresh_from_db()
        assert invoice.status == current
        mug_order.refresh()
        assert mug_order.mugs.invoiced_quantity == 10


def test_only_managers_void(mug_order, invoicing_rep):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=S.READY_TO_BE_INVOICED)
    invoice = invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.mugs, 10)], by=invoicing_rep)
    with pytest.raises(RoleRequired):
        invoice_void(invoice=invoice, reason="Oops", by=invoicing_rep)
    invoice.refresh_from_db()
    assert invoice.status == IS.OPEN

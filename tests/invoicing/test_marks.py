"""Marking an invoice exported or paid: asked to confirm first, and undone by a manager on the same day."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from invoicing.models import Invoice
from invoicing.services.marks import invoice_mark_undo, invoice_status_change
from invoicing.services.sending import invoice_send
from invoicing.services.void import invoice_void
from projects.models import Activity

pytestmark = pytest.mark.django_db

EXPORTED, PAID = Invoice.Status.EXPORTED, Invoice.Status.PAID


def _url(invoice, name="invoice-detail"):
    return reverse(name, args=[invoice.pk])


def _made_yesterday(invoice, field: str) -> str:
    """Move the mark one day back; return the day as the refusal names it."""
    yesterday = timezone.now() - timedelta(days=1)
    Invoice.objects.filter(pk=invoice.pk).update(**{field: yesterday})
    return timezone.localtime(yesterday).strftime("%b %-d, %Y")


# The service -------------------------------------------------------------------------------------


def test_marks_are_dated(partial_invoice, invoicing_rep):
    invoice_status_change(invoice=partial_invoice, status=EXPORTED, by=invoicing_rep)
    invoice_status_change(invoice=partial_invoice, status=PAID, by=invoicing_rep)

    partial_invoice.refresh_from_db()
    assert partial_invoice.exported_at is not None and partial_invoice.paid_at is not None


@pytest.mark.parametrize(
    ("sent", "marks", "back_to"),
    [
        (False, [EXPORTED], Invoice.Status.OPEN),
        (True, [EXPORTED], Invoice.Status.SENT_TO_CLIENT),
        (False, [PAID], Invoice.Status.OPEN),
        (True, [PAID], Invoice.Status.SENT_TO_CLIENT),
        (False, [EXPORTED, PAID], Invoice.Status.EXPORTED),
    ],
)
def test_undo_goes_back_to_the_status_before_the_mark(partial_invoice, invoicing_rep, manager, sent, marks, back_to):
    if sent:
        invoice_send(invoice=partial_invoice, by=invoicing_rep)
    for mark in marks:
        invoice_status_change(invoice=partial_invoice, status=mark, by=invoicing_rep)

    invoice_mark_undo(invoice=partial_invoice, reason="Marked the wrong invoice", by=manager)

    partial_invoice.refresh_from_db()
    assert partial_invoice.status == back_to
    undone = Activity.objects.get(verb="undid the mark")
    assert (undone.actor, undone.from_value, undone.to_value, undone.detail) == (
        manager,
        Invoice.Status(marks[-1]).label,
        Invoice.Status(back_to).label,
        "Marked the wrong invoice",
    )


def test_both_marks_can_be_undone_one_after_the_other_and_the_invoice_voided(partial_invoice, invoicing_rep, manager):
    invoice_status_change(invoice=partial_invoice, status=EXPORTED, by=invoicing_rep)
    invoice_status_change(invoice=partial_invoice, status=PAID, by=invoicing_rep)

    invoice_mark_undo(invoice=partial_invoice, reason="Not paid yet", by=manager)
    invoice_mark_undo(invoice=partial_invoice, reason="Exported by mistake", by=manager)
    invoice_void(invoice=partial_invoice, reason="Wrong quantities", by=manager)

    partial_invoice.refresh_from_db()
    assert partial_invoice.status == Invoice.Status.VOID
    assert (partial_invoice.exported_at, partial_invoice.paid_at) == (None, None)


def test_undo_after_the_day_of_the_mark_is_refused_naming_the_day(partial_invoice, invoicing_rep, manager):
    invoice_status_change(invoice=partial_invoice, status=PAID, by=invoicing_rep)
    day = _made_yesterday(partial_invoice, "paid_at")

    with pytest.raises(TransitionNotAllowed) as refused:
        invoice_mark_undo(invoice=partial_invoice, reason="Bounced", by=manager)

    assert str(refused.value) == (
        f"Invoice INV-000001 was marked Paid on {day}; a mark can be undone only on the day it was made."
    )
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == PAID


def test_only_a_mark_can_be_undone(partial_invoice, manager):
    with pytest.raises(TransitionNotAllowed) as refused:
        invoice_mark_undo(invoice=partial_invoice, reason="Why not", by=manager)

    assert str(refused.value) == "Invoice INV-000001 is Open; only an Exported or Paid mark can be undone."


def test_only_managers_undo_and_always_with_a_reason(partial_invoice, invoicing_rep, manager):
    invoice_status_change(invoice=partial_invoice, status=PAID, by=invoicing_rep)

    with pytest.raises(RoleRequired) as refused:
        invoice_mark_undo(invoice=partial_invoice, reason="Mine", by=invoicing_rep)
    assert str(refused.value) == "Only Managers may undo a mark."
    with pytest.raises(ValidationFailed) as refused:
        invoice_mark_undo(invoice=partial_invoice, reason="   ", by=manager)
    assert refused.value.errors == {"reason": ["Say why the mark is undone."]}
    with pytest.raises(ValidationFailed) as refused:
        invoice_mark_undo(invoice=partial_invoice, reason="x" * 501, by=manager)
    assert refused.value.errors == {"reason": ["The reason may hold at most 500 characters."]}

    partial_invoice.refresh_from_db()
    assert partial_invoice.status == PAID
    assert not Activity.objects.filter(verb="undid the mark").exists()


# The page ----------------------------------------------------------------------------------------


def test_the_mark_buttons_ask_in_a_dialog_opened_by_the_pages_script(partial_invoice, ivy_client):
    html = ivy_client.get(_url(partial_invoice)).content.decode()

    assert '<dialog class="confirm-dialog" id="confirm-dialog"' in html
    assert (
        'data-confirm-dialog="Mark INV-000001 exported? It can no longer be voided once exported. '
        'A manager can undo the mark today only."'
    ) in html
    assert 'data-confirm-dialog="Mark INV-000001 paid? It can no longer be voided once paid. ' in html
    assert '<input type="hidden" name="confirm" value="" data-confirm-field>' in html
    assert "<script>" not in html and "onclick" not in html


def test_without_the_dialog_the_server_asks_before_marking(partial_invoice, ivy_client):
    response = ivy_client.post(_url(partial_invoice, "invoice-status"), {"status": "paid"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Mark INV-000001 paid? It can no longer be voided once paid." in html
    assert '<input type="hidden" name="status" value="paid">' in html
    assert '<button type="submit" class="primary" name="confirm" value="1">Mark paid</button>' in html
    assert f'<a class="button" href="{_url(partial_invoice)}">Go back</a>' in html
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == Invoice.Status.OPEN


def test_confirmed_the_mark_is_made(partial_invoice, ivy_client):
    response = ivy_client.post(_url(partial_invoice, "invoice-status"), {"status": "paid", "confirm": "1"}, follow=True)

    assert "Invoice INV-000001 is now Paid." in response.content.decode()
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == PAID


def test_a_manager_undoes_a_mark_from_the_page_the_same_day(partial_invoice, invoicing_rep, max_client):
    invoice_status_change(invoice=partial_invoice, status=PAID, by=invoicing_rep)
    page = max_client.get(_url(partial_invoice)).content.decode()
    assert "Undo the Paid mark" in page

    response = max_client.post(_url(partial_invoice, "invoice-undo"), {"reason": "Cheque bounced"}, follow=True)

    assert "Invoice INV-000001 is Open again: the Paid mark was undone." in response.content.decode()
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == Invoice.Status.OPEN


def test_the_page_refuses_an_undo_after_the_day_with_409_naming_it(partial_invoice, invoicing_rep, max_client):
    invoice_status_change(invoice=partial_invoice, status=PAID, by=invoicing_rep)
    day = _made_yesterday(partial_invoice, "paid_at")
    assert "Undo the Paid mark" not in max_client.get(_url(partial_invoice)).content.decode()

    response = max_client.post(_url(partial_invoice, "invoice-undo"), {"reason": "Cheque bounced"})

    assert response.status_code == 409
    assert (
        f"Invoice INV-000001 was marked Paid on {day}; a mark can be undone only on the day it was made."
    ) in response.content.decode()
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == PAID


def test_an_undo_without_a_reason_is_refused_next_to_the_field(partial_invoice, invoicing_rep, max_client):
    invoice_status_change(invoice=partial_invoice, status=EXPORTED, by=invoicing_rep)

    response = max_client.post(_url(partial_invoice, "invoice-undo"), {"reason": ""})

    assert response.status_code == 400
    assert 'id="undo-reason-error" role="alert">Say why the mark is undone.' in response.content.decode()
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == EXPORTED


def test_an_invoicing_rep_may_not_undo(partial_invoice, invoicing_rep, ivy_client):
    invoice_status_change(invoice=partial_invoice, status=EXPORTED, by=invoicing_rep)
    assert "Undo the Exported mark" not in ivy_client.get(_url(partial_invoice)).content.decode()

    assert ivy_client.post(_url(partial_invoice, "invoice-undo"), {"reason": "Oops"}).status_code == 403
    partial_invoice.refresh_from_db()
    assert partial_invoice.status == EXPORTED

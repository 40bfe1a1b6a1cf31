"""The credit note pages: the manager's Credit… form, the credit note page, its PDF, and the invoice page's part."""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from invoicing.credit_notes import credit_note_create
from invoicing.models import CreditNote, Invoice
from invoicing.services.void import invoice_void
from projects.models import SalesOrder

pytestmark = pytest.mark.django_db


def form_url(invoice: Invoice) -> str:
    return reverse("credit-note-create", args=[invoice.pk])


def lines_of(invoice: Invoice) -> tuple:
    mugs, setup = invoice.lines.order_by("id")
    return mugs, setup


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- the invoice page ----------------------------------------------------------------------------


def test_a_manager_is_offered_credit_on_the_invoice_page_and_others_are_not(partial_invoice, client, manager):
    client.force_login(manager)
    html = client.get(reverse("invoice-detail", args=[partial_invoice.pk])).content.decode()
    assert f'href="{form_url(partial_invoice)}">Credit…</a>' in html
    assert "Nothing credited on this invoice." in html

    client.force_login(partial_invoice.issued_by)  # the invoicing rep
    html = client.get(reverse("invoice-detail", args=[partial_invoice.pk])).content.decode()
    assert "Credit…" not in html
    assert 'id="credit-notes"' not in html  # nothing credited, nothing to offer: no section


def test_the_invoice_page_lists_its_credit_notes_with_what_remains(partial_invoice, max_client, manager):
    mugs, _ = lines_of(partial_invoice)
    credit_note_create(invoice=partial_invoice, lines=[(mugs.pk, 100)], reason="100 mugs chipped", by=manager)

    html = max_client.get(reverse("invoice-detail", args=[partial_invoice.pk])).content.decode()

    assert 'data-testid="credited-amount">460.06<' in html
    assert 'data-testid="invoice-after-credits">990.49<' in html  # 1,450.55 - 460.06
    note = CreditNote.objects.get()
    assert f'<a href="{note.get_absolute_url()}">CN-000001</a>' in html
    assert "100 mugs chipped" in html
    # Credited, so it can no longer be voided: the page does not offer it.
    assert "Void invoice" not in html
    # The order is Ready to be Invoiced again with the 100 mugs back: 300 × 4.25 remain.
    assert 'data-testid="order-remaining">1,275.00<' in html


# --- the form ------------------------------------------------------------------------------------


def test_the_form_labels_each_quantity_with_its_line_and_what_can_be_credited(partial_invoice, max_client):
    mugs, setup = lines_of(partial_invoice)
    response = max_client.get(form_url(partial_invoice))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Credit invoice INV-000001" in html
    label = '<label class="visually-hidden" for="credit-line_{}">{}: quantity to credit (at most {})</label>'
    assert label.format(mugs.pk, "11 oz mug, 2-colour print", 300) in html
    assert label.format(setup.pk, "Setup charge", 1) in html
    assert 'for="credit-whole"' in html and "Credit the whole invoice" in html
    assert "All of it: 1,450.55 with tax." in html
    assert '<label for="credit-reason">Reason</label>' in html
    assert 'data-testid="creditable-amount">1,450.55<' in html


def test_crediting_one_line_leads_to_the_credit_note_page(partial_invoice, backordered_mug_order, max_client):
    mugs, setup = lines_of(partial_invoice)
    response = max_client.post(
        form_url(partial_invoice),
        {f"line_{mugs.pk}": "100", f"line_{setup.pk}": "", "reason": "100 mugs chipped in transit"},
        follow=True,
    )

    note = CreditNote.objects.get()
    assert response.redirect_chain == [(note.get_absolute_url(), 302)]
    html = response.content.decode()
    assert (
        "Issued credit note CN-000001 for 460.06 on INV-000001; "
        "the credited quantities are back on SO-1001 to invoice again." in html
    )
    assert "Credit note CN-000001" in html
    assert f'<a href="{partial_invoice.get_absolute_url()}" data-testid="credit-note-invoice">INV-000001</a>' in html
    assert "11 oz mug, 2-colour print" in html and "Setup charge" not in html
    assert 'data-testid="credit-note-subtotal">425.00<' in html
    assert 'data-testid="credit-note-tax">35.06<' in html
    assert 'data-testid="credit-note-total">460.06<' in html
    assert 'data-testid="credit-note-reason">100 mugs chipped in transit<' in html
    assert f'href="{reverse("credit-note-pdf", args=[note.pk])}"' in html
    assert backordered_mug_order.refresh().order.status == SalesOrder.Status.READY_TO_BE_INVOICED


def test_crediting_the_whole_invoice(partial_invoice, max_client):
    response = max_client.post(form_url(partial_invoice), {"whole": "on", "reason": "Order cancelled"})
    note = CreditNote.objects.get()
    assert response.status_code == 302 and response["Location"] == note.get_absolute_url()
    assert note.total == Decimal("1450.55")
    # Credited in full, nothing is left to offer.
    html = max_client.get(reverse("invoice-detail", args=[partial_invoice.pk])).content.decode()
    assert "Credit…" not in html
    assert 'data-testid="invoice-after-credits">0.00<' in html


@pytest.mark.parametrize(
    ("mugs_value", "field_error"),
    [
        ("301", "Enter a whole number from 0 to 300 for 11 oz mug, 2-colour print."),
        ("-1", "Enter a whole number from 0 to 300 for 11 oz mug, 2-colour print."),
        ("2.5", "Enter a whole number from 0 to 300 for 11 oz mug, 2-colour print."),
        ("lots", "Enter a whole number from 0 to 300 for 11 oz mug, 2-colour print."),
        # Odd forms Python's int reads as 10: refused, as in the API.
        ("1_0", "Enter a whole number from 0 to 300 for 11 oz mug, 2-colour print."),
        ("١٠", "Enter a whole number from 0 to 300 for 11 oz mug, 2-colour print."),
        (" 10", "Enter a whole number from 0 to 300 for 11 oz mug, 2-colour print."),
    ],
)
def test_a_bad_quantity_is_shown_next_to_its_field(partial_invoice, max_client, mugs_value, field_error):
    mugs, _ = lines_of(partial_invoice)
    response = max_client.post(form_url(partial_invoice), {f"line_{mugs.pk}": mugs_value, "reason": "Chipped"})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'<p class="field-error" id="credit-line_{mugs.pk}_error" role="alert">{field_error}</p>' in html
    assert f'value="{mugs_value}"' in html  # what was typed stays to be corrected
    assert CreditNote.objects.count() == 0


def test_a_reason_and_a_choice_are_required(partial_invoice, max_client):
    mugs, _ = lines_of(partial_invoice)
    response = max_client.post(form_url(partial_invoice), {f"line_{mugs.pk}": "", "reason": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert '<p class="field-error" id="credit-reason_error" role="alert">Say why the invoice is credited.</p>' in html
    assert (
        '<p class="field-error" id="credit-whole_error" role="alert">Enter a quantity to credit on at least one '
        "line, or tick Credit the whole invoice.</p>" in html
    )
    response = max_client.post(form_url(partial_invoice), {"whole": "on", f"line_{mugs.pk}": "3", "reason": "Chipped"})
    assert response.status_code == 400
    assert "Credit the whole invoice or enter quantities per line, not both." in response.content.decode()
    assert CreditNote.objects.count() == 0


def test_more_than_the_unpaid_balance_is_refused_next_to_the_line(partial_invoice, max_client):
    Invoice.objects.filter(pk=partial_invoice.pk).update(paid_amount=Decimal("1000.00"))  # as a payment would
    mugs, _ = lines_of(partial_invoice)
    response = max_client.post(form_url(partial_invoice), {f"line_{mugs.pk}": "100", "reason": "Chipped"})
    assert response.status_code == 400
    html = response.content.decode()
    assert (
        '<p class="form-error" role="alert">This credit of 460.06 is more than the 450.55 left to credit on '
        "invoice INV-000001: the client has paid 1,000.00 of it. Credit less, or refund the client outside the "
        "desk.</p>"
    ) in html
    assert 'data-testid="creditable-amount">450.55<' in html
    assert CreditNote.objects.count() == 0


def test_only_managers_reach_the_form(partial_invoice, ivy_client):
    assert ivy_client.get(form_url(partial_invoice)).status_code == 403
    assert ivy_client.post(form_url(partial_invoice), {"whole": "on", "reason": "x"}).status_code == 403
    assert CreditNote.objects.count() == 0


def test_a_void_invoice_says_why_it_cannot_be_credited(partial_invoice, max_client, manager):
    invoice_void(invoice=partial_invoice, reason="Issued twice", by=manager)
    for response in (
        max_client.get(form_url(partial_invoice)),
        max_client.post(form_url(partial_invoice), {"whole": "on", "reason": "x"}),
    ):
        assert response.status_code == 409
        assert (
            "Invoice INV-000001 is Void; only an issued invoice that is not void can be credited."
            in response.content.decode()
        )
    assert CreditNote.objects.count() == 0


def test_signed_out_visitors_see_no_credit_note(partial_invoice, client, manager):
    note = credit_note_create(invoice=partial_invoice, whole=True, reason="Cancelled", by=manager)
    for url in (note.get_absolute_url(), reverse("credit-note-pdf", args=[note.pk]), form_url(partial_invoice)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# --- the PDF -------------------------------------------------------------------------------------


def test_the_pdf_is_a_credit_note_referring_to_its_invoice(partial_invoice, ivy_client, manager):
    mugs, setup = lines_of(partial_invoice)
    note = credit_note_create(
        invoice=partial_invoice, lines=[(mugs.pk, 100), (setup.pk, 1)], reason="Chipped mugs; setup waived", by=manager
    )

    response = ivy_client.get(reverse("credit-note-pdf", args=[note.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="CN-000001.pdf"'
    text = pdf_text(response.content)
    for expected in (
        "CREDIT NOTE",
        "CN-000001",
        "INV-000001",
        "11 oz mug, 2-colour print",
        "Setup charge",
        "425.00",
        "35.06",
        "65.00",
        "5.36",
        "Subtotal",
        "490.00",
        "40.42",
        "Total credited",
        "530.42",
        "Reason: Chipped mugs; setup waived",
        partial_invoice.bill_to.name,
    ):
        assert expected in text, expected
    assert "Please pay" not in text
    download = ivy_client.get(reverse("credit-note-pdf", args=[note.pk]), {"download": "1"})
    assert download["Content-Disposition"] == 'attachment; filename="CN-000001.pdf"'


def test_an_unknown_credit_note_is_not_found(max_client):
    assert max_client.get(reverse("credit-note-detail", args=[999])).status_code == 404
    assert max_client.get(reverse("credit-note-pdf", args=[999])).status_code == 404

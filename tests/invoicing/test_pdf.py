"""The invoice PDF: a valid document a client would accept, drawn from the stored lines."""

import io
import os
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from invoicing.models import Invoice
from invoicing.pdf import invoice_pdf_bytes
from invoicing.services import LineRequest, invoice_create
from projects.models import SalesOrder, SalesOrderItem
from projects.pdf import latin
from tests.factories import SalesOrderFactory, SalesOrderItemFactory

pytestmark = pytest.mark.django_db

SAMPLES = Path(os.environ.get("TEST_OUTPUT_DIR", "test-results")) / "pdf"


def _text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_partial_invoice_pdf_is_a_real_invoice(partial_invoice, settings):
    # given the partial invoice of 300 mugs and the setup charge
    pdf = invoice_pdf_bytes(partial_invoice)
    SAMPLES.mkdir(parents=True, exist_ok=True)
    (SAMPLES / "invoice-partial-sample.pdf").write_bytes(pdf)  # kept with the test output for a look

    # then it is a PDF with everything a client needs to pay it
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    reader, text = _text(pdf)
    flat = _flat(text)
    assert len(reader.pages) == 1
    assert reader.metadata.title == "Invoice INV-000001"
    assert "INV-000001" in text
    assert "1,450.55" in text  # the total
    assert "1,340.00" in text and "110.55" in text  # subtotal and tax
    assert settings.DISTRIBUTOR_NAME in text
    assert "120 Harbor Street" in text
    assert "Net 30 days" in text
    assert partial_invoice.sales_order.project.client.name in text
    assert "11 oz mug, 2-colour print" in text and "1,275.00" in text and "105.19" in text
    assert "Setup charge" in text and "65.00" in text and "8.25%" in text
    assert "sales order SO-1001 has a remaining balance still to be invoiced" in flat


def test_final_invoice_pdf_has_no_remaining_balance_line(backordered_mug_order, issue):
    order = backordered_mug_order.order
    # given everything invoiced at once (the backordered mugs too: the rep may invoice all that remains)
    invoice = issue(order, (backordered_mug_order.mugs, 500), (backordered_mug_order.setup, 1))
    assert invoice.kind == Invoice.Kind.FINAL

    _, text = _text(invoice_pdf_bytes(invoice))

    assert "remaining balance" not in _flat(text)
    assert "2,370.67" in text  # 2,190.00 + 180.67 (175.31 on 2,125 + 5.36 on 65, each half-up)


def test_pdf_wraps_long_descriptions_and_breaks_pages(invoicing_rep):
    # given an order of 60 items, one of them with a very long description
    order = SalesOrderFactory(status=SalesOrder.Status.READY_TO_BE_INVOICED)
    long_description = (
        "Insulated stainless steel bottle, 20 oz, powder coated in the client's brand colours, "
        "laser-engraved logo on two sides, individually boxed with a printed sleeve"
    )
    items = [
        SalesOrderItemFactory(
            sales_order=order,
            description=long_description if index == 0 else f"Product line {index + 1}",
            quantity=10 + index,
            unit_price=Decimal("1.99"),
            position=index,
        )
        for index in range(60)
    ]
    invoice = invoice_create(sales_order=order, lines=[LineRequest(item, 5) for item in items], by=invoicing_rep)

    reader, text = _text(invoice_pdf_bytes(invoice))

    # then every line is there, on as many pages as it takes, and the long description is whole
    assert len(reader.pages) >= 2
    assert "Product line 60" in text
    assert "Page 1 of " in text and f"Page {len(reader.pages)} of {len(reader.pages)}" in text
    assert long_description in _flat(text)
    # the table headings repeat on the next page
    assert "Description" in reader.pages[1].extract_text()
    assert f"{invoice.total:,.2f}" in text


def test_pdf_spells_characters_the_core_fonts_lack():
    assert latin("Mug – “Deluxe” 500 ml … ő €") == 'Mug - "Deluxe" 500 ml ... o EUR '
    assert latin("Café ×2") == "Café ×2"
    assert latin("漢字") == "??"


def test_pdf_is_drawn_from_stored_lines_not_the_order(partial_invoice, backordered_mug_order):
    # given the item's description changes after the invoice (an admin fix)
    SalesOrderItem.objects.filter(pk=backordered_mug_order.mugs.pk).update(description="Renamed later")

    _, text = _text(invoice_pdf_bytes(Invoice.objects.get(pk=partial_invoice.pk)))

    assert "11 oz mug, 2-colour print" in text
    assert "Renamed later" not in text


def test_void_invoice_pdf_says_void(partial_invoice, manager):
    from invoicing.services import invoice_void

    invoice_void(invoice=partial_invoice, reason="Wrong client address", by=manager)

    _, text = _text(invoice_pdf_bytes(Invoice.objects.get(pk=partial_invoice.pk)))

    assert "VOID: Wrong client address" in text

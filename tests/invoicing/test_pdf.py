"""The invoice PDF: a valid document a client would accept, drawn from the stored lines."""

import io
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.pdf import display_date
from invoicing.models import Invoice
from invoicing.pdf import invoice_pdf_bytes
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.void import invoice_void
from projects.models import CompanySettings, SalesOrder, SalesOrderItem
from tests.factories import ClientFactory, ProjectFactory, SalesOrderFactory, SalesOrderItemFactory, goods_ready

pytestmark = pytest.mark.django_db

SAMPLES = Path(os.environ.get("TEST_OUTPUT_DIR", "test-results")) / "pdf"


def _text(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def company(db) -> CompanySettings:
    """The seller as the admin sets it up: every field filled, invoicing in euros."""
    company = CompanySettings.load()
    company.name = "Harbor & Pine Promotions"
    company.address = "77 Dock Road\r\nRotterdam 3011 AB\r\nNetherlands"  # as a browser's text area sends it
    company.tax_id = "NL853912384B01"
    company.email = "billing@harborpine.example.com"
    company.phone = "+31 10 555 0188"
    company.website = "www.harborpine.example.com"
    company.currency = "EUR"
    company.remit_to = "ING Bank, Rotterdam\nIBAN NL91 INGB 0002 4458 88\nBIC INGBNL2A"
    company.save()
    return company


def test_company_settings_start_from_the_environment_once(settings, db):
    # given a desk whose environment named the distributor before the admin had company settings
    CompanySettings.objects.all().delete()
    settings.DISTRIBUTOR_NAME = "Old Name Promotions"
    settings.DISTRIBUTOR_ADDRESS = "1 Old Street\nOldtown"

    first = CompanySettings.load()
    assert (first.pk, first.name, first.address) == (1, "Old Name Promotions", "1 Old Street\nOldtown")

    # when the admin renames the company, the environment no longer decides
    first.name = "New Name Promotions"
    first.save()
    settings.DISTRIBUTOR_NAME = "Yet Another Name"
    assert CompanySettings.load().name == "New Name Promotions"
    assert CompanySettings.objects.count() == 1


def test_invoice_pdf_carries_the_seller_currency_po_ship_to_due_date_and_remit_to(partial_invoice, company):
    order = partial_invoice.sales_order
    SalesOrder.objects.filter(pk=order.pk).update(
        client_po_number="PO-ACME-4471", ship_to="Acme Events Warehouse\nDock 4, 900 Fair Way\nPortland, OR 97209"
    )
    invoice = Invoice.objects.get(pk=partial_invoice.pk)

    _, text = _text(invoice_pdf_bytes(invoice))
    flat = _flat(text)

    # the seller: name, address, contact and tax id, from the company settings
    assert "Harbor & Pine Promotions" in text
    assert "77 Dock Road" in text and "Rotterdam 3011 AB" in text and "\r" not in text
    assert "billing@harborpine.example.com" in text and "+31 10 555 0188" in flat
    assert "www.harborpine.example.com" in text
    assert "Tax id: NL853912384B01" in flat
    # the currency beside the facts, the amounts and the request to pay
    assert "Currency EUR" in flat
    assert "Total due (EUR) 1,450.55" in flat
    assert f"Please pay EUR 1,450.55 by {display_date(invoice.due_date)}" in flat
    # the client's PO number and where the goods went
    assert "Your PO number PO-ACME-4471" in flat
    assert "SHIP TO" in text and "Dock 4, 900 Fair Way" in text and "Acme Events Warehouse" in text
    # the due date the client's terms give
    assert f"Due date {display_date(invoice.date + timedelta(days=30))}" in flat
    assert "Terms Net 30 days" in flat
    # where to send the money
    assert "REMIT TO / BANK DETAILS" in text
    assert "IBAN NL91 INGB 0002 4458 88" in text and "BIC INGBNL2A" in text


def test_ship_to_is_the_billing_address_when_the_order_names_none(partial_invoice, company):
    _, text = _text(invoice_pdf_bytes(partial_invoice))
    ship_to = text[text.index("SHIP TO") :]

    assert partial_invoice.sales_order.ship_to == ""
    assert partial_invoice.bill_to_address.splitlines()[0] in ship_to
    assert "Your PO number" not in text  # the order has none


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
    assert settings.DISTRIBUTOR_NAME in text  # the company settings start from the environment
    assert "120 Harbor Street" in text
    assert "Currency USD" in flat
    assert "Net 30 days" in text
    assert partial_invoice.sales_order.project.client.name in text
    assert "11 oz mug, 2-colour print" in text and "1,275.00" in text and "105.19" in text
    assert "Setup charge" in text and "65.00" in text and "8.25%" in text
    assert "sales order SO-1001 has a remaining balance still to be invoiced" in flat
    # 200 mugs at 4.25 remain after it
    assert "USD 850.00 (net, before tax) after this invoice" in flat


def test_partial_invoice_keeps_its_own_remaining_balance_after_later_invoices(ready_order, issue, manager):
    caps, bags = ready_order.items.order_by("position")
    # given three invoices on the order of 100 caps at 12.00 and 40 bags at 3.35 (1,334.00 net)
    first = issue(ready_order, (caps, 40))
    goods_ready(ready_order.pk)
    second = issue(ready_order, (caps, 10), (bags, 40))
    goods_ready(ready_order.pk)
    third = issue(ready_order, (caps, 50))
    assert (first.kind, second.kind, third.kind) == (Invoice.Kind.PARTIAL, Invoice.Kind.PARTIAL, Invoice.Kind.FINAL)

    # then each partial invoice, printed now, shows what remained once it was issued
    _, first_text = _text(invoice_pdf_bytes(first))
    _, second_text = _text(invoice_pdf_bytes(second))
    assert "USD 854.00 (net, before tax) after this invoice" in _flat(first_text)  # 60 caps and 40 bags
    assert "USD 600.00 (net, before tax) after this invoice" in _flat(second_text)  # 50 caps

    # and once the final invoice is void, its 50 caps are remaining again and the first still reads 854.00
    invoice_void(invoice=third, reason="Issued twice", by=manager)
    _, first_text = _text(invoice_pdf_bytes(Invoice.objects.get(pk=first.pk)))
    assert "USD 854.00 (net, before tax) after this invoice" in _flat(first_text)


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


def _font_names(reader: PdfReader) -> set[str]:
    return {
        str(font["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].get_object().values()
    }


@pytest.mark.parametrize("name", ["Zażółć gęślą jaźń", "Αλέξανδρος", "Дмитрий", "王小明"])
def test_names_in_any_script_print_as_written(name, invoicing_rep, company):
    # given a client, its address and a line description in Polish, Greek, Cyrillic or Chinese (the
    # address starting with the name: the lines after a line that opens in the CJK font stay readable)
    client = ClientFactory(name=f"{name} Trading", billing_address=f"{name} Street 5\nGdańsk")
    order = SalesOrderFactory(status=SalesOrder.Status.READY_TO_BE_INVOICED, project=ProjectFactory(client=client))
    item = SalesOrderItemFactory(sales_order=order, description=f"Mug for {name} – “Deluxe”")
    invoice = invoice_create(sales_order=order, lines=[LineRequest(item, 1)], by=invoicing_rep)

    reader, text = _text(invoice_pdf_bytes(invoice))

    # then the name is there exactly as written: in bold in the bill-to and ship-to, and in the line
    assert f"{name} Trading" in text
    assert f"{name} Street 5" in text and "Gdańsk" in text
    assert f"Mug for {name} – “Deluxe”" in text
    assert text.count(name) == 5  # bill to and ship to (name and street each), the line
    assert "?" not in text
    # drawn with the embedded DejaVu Sans, and the CJK fallback only where DejaVu has no glyph
    fonts = _font_names(reader)
    assert any(font.endswith("+DejaVuSansBook") for font in fonts)
    assert any(font.endswith("+DejaVuSansBold") for font in fonts)
    assert any("DroidSansFallback" in font for font in fonts) == (name == "王小明")


def test_a_document_without_cjk_text_does_not_embed_the_cjk_font(partial_invoice):
    reader, _ = _text(invoice_pdf_bytes(partial_invoice))

    assert not any("DroidSansFallback" in font for font in _font_names(reader))


def test_pdf_is_drawn_from_stored_lines_not_the_order(partial_invoice, backordered_mug_order):
    # given the item's description changes after the invoice (an admin fix)
    SalesOrderItem.objects.filter(pk=backordered_mug_order.mugs.pk).update(description="Renamed later")

    _, text = _text(invoice_pdf_bytes(Invoice.objects.get(pk=partial_invoice.pk)))

    assert "11 oz mug, 2-colour print" in text
    assert "Renamed later" not in text


def test_void_invoice_pdf_says_void_on_every_page_and_asks_for_no_payment(invoicing_rep, manager, company):
    # given a void invoice long enough for two pages
    order = SalesOrderFactory(status=SalesOrder.Status.READY_TO_BE_INVOICED)
    items = [SalesOrderItemFactory(sales_order=order, description=f"Item {n}", position=n) for n in range(60)]
    invoice = invoice_create(sales_order=order, lines=[LineRequest(item, 1) for item in items], by=invoicing_rep)
    invoice_void(invoice=invoice, reason="Wrong client address", by=manager)

    pdf = invoice_pdf_bytes(Invoice.objects.get(pk=invoice.pk))
    SAMPLES.mkdir(parents=True, exist_ok=True)
    (SAMPLES / "invoice-void-sample.pdf").write_bytes(pdf)
    reader, text = _text(pdf)

    # then every page carries the large VOID across it, and nothing asks to be paid
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert "VOID" in page.extract_text().replace("INVOICE (VOID)", "").replace("VOID:", "")
        assert b"130.00 Tf" in page.get_contents().get_data()  # the watermark's size: drawn large
    assert "VOID: Wrong client address" in text
    assert "Please pay" not in _flat(text)
    assert "REMIT TO" not in text and "IBAN" not in text
    assert "This invoice is void and is not to be paid." in _flat(text)


def test_void_partial_invoice_pdf_names_no_remaining_balance(partial_invoice, manager):
    invoice_void(invoice=partial_invoice, reason="Wrong client address", by=manager)

    _, text = _text(invoice_pdf_bytes(Invoice.objects.get(pk=partial_invoice.pk)))

    assert "VOID: Wrong client address" in text
    assert "Please pay" not in _flat(text)
    assert "after this invoice" not in _flat(text)


def test_an_open_invoice_has_no_watermark(partial_invoice, company):
    reader, text = _text(invoice_pdf_bytes(partial_invoice))

    assert "VOID" not in text
    assert b"130.00 Tf" not in reader.pages[0].get_contents().get_data()

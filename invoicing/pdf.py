"""The invoice as a PDF a client would accept, drawn from the invoice's stored lines only."""

from decimal import Decimal

from django.conf import settings
from fpdf import FPDF

from invoicing.models import Invoice


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _latin(text: str) -> str:
    # The core PDF fonts cover Latin-1; anything else is shown as '?', never as an error.
    return str(text).encode("latin-1", "replace").decode("latin-1")


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """Render one invoice to PDF bytes."""
    order = invoice.sales_order
    project = order.project
    client = project.client
    pdf = FPDF(format="Letter")
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.set_author(settings.DISTRIBUTOR_NAME)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()

    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(120, 8, _latin(settings.DISTRIBUTOR_NAME))
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(0, 8, "INVOICE", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    y = pdf.get_y()
    pdf.multi_cell(110, 4.5, _latin(settings.DISTRIBUTOR_ADDRESS))
    pdf.set_xy(130, y)
    details = [
        ("Invoice", invoice.number),
        ("Date", invoice.date.isoformat()),
        ("Due date", invoice.due_date.isoformat()),
        ("Terms", f"Net {(invoice.due_date - invoice.date).days} days"),
        ("Sales order", order.number),
        ("Project", f"{project.number}"),
        ("Kind", invoice.get_kind_display()),
    ]
    for label, value in details:
        pdf.set_x(130)
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(25, 4.5, label)
        pdf.set_font("Helvetica", "", 9)
        pdf.cell(0, 4.5, _latin(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 5, "Bill to", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    pdf.multi_cell(110, 4.5, _latin(f"{client.name}\n{client.billing_address}".strip()))
    pdf.cell(0, 4.5, _latin(client.billing_email), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    widths = (86, 18, 28, 22, 32)
    headings = ("Description", "Qty", "Unit price", "Tax", "Amount")
    pdf.set_font("Helvetica", "B", 9)
    pdf.set_fill_color(235, 238, 242)
    for width, heading in zip(widths, headings, strict=True):
        pdf.cell(width, 7, heading, border="B", fill=True, align="L" if heading == "Description" else "R")
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for line in invoice.lines.all():
        pdf.cell(widths[0], 6, _latin(line.description[:60]))
        pdf.cell(widths[1], 6, str(line.quantity), align="R")
        pdf.cell(widths[2], 6, _money(line.unit_price), align="R")
        pdf.cell(widths[3], 6, f"{line.tax_rate}%", align="R")
        pdf.cell(widths[4], 6, _money(line.amount), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for label, value, bold in (
        ("Subtotal", invoice.subtotal, False),
        ("Tax", invoice.tax, False),
        ("Total due", invoice.total, True),
    ):
        pdf.set_font("Helvetica", "B" if bold else "", 10 if bold else 9)
        pdf.cell(sum(widths[:4]), 6, label, align="R")
        pdf.cell(widths[4], 6, _money(invoice.total if bold else value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 9)
    if invoice.kind == Invoice.Kind.PARTIAL:
        pdf.multi_cell(
            0,
            4.5,
            f"This is a partial invoice: sales order {order.number} has a remaining balance that will be "
            "invoiced when the rest of the goods are ready.",
        )
    if invoice.status == Invoice.Status.VOID:
        pdf.set_font("Helvetica", "B", 14)
        pdf.set_text_color(180, 0, 0)
        pdf.cell(0, 10, "VOID", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

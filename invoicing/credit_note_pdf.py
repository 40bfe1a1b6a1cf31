"""The credit note as a PDF, on the desk's letterhead, drawn from its stored lines only."""

from decimal import Decimal

from core.pdf import DeskDocument, display_date, money
from invoicing.models import CreditNote
from projects.models import CompanySettings


def _rate(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def credit_note_pdf_bytes(credit_note: CreditNote) -> bytes:
    """Render one credit note to PDF bytes."""
    note = credit_note
    invoice = note.invoice
    order = invoice.sales_order
    project = order.project
    client = invoice.bill_to  # as it was when the invoice was issued
    lines = list(note.lines.all())

    pdf = DeskDocument(
        label=f"Credit note {note.number}",
        subject=f"Credit note {note.number} for {client.name}",
        company=CompanySettings.load(),
    )
    pdf.add_page()
    width = pdf.epw
    pdf.letterhead(
        title="CREDIT NOTE",
        facts=[
            ("Credit note", note.number),
            ("Date", display_date(note.date)),
            ("Credits invoice", invoice.number or ""),
            ("Invoice date", display_date(invoice.date)),
            ("Sales order", order.number),
            ("Project", f"{project.number} {project.name}"),
        ],
    )
    bottom = pdf.address_block(
        heading="Credit to",
        name=client.name,
        lines=[client.billing_address, client.billing_email],
        x=pdf.l_margin,
        width=width * 0.6,
    )
    pdf.set_y(bottom)
    pdf.ln(6)
    pdf.paragraph(
        f"This credit note reduces invoice {invoice.number} of {display_date(invoice.date)} "
        f"by {money(note.total)}, tax included.",
        bold=True,
    )
    pdf.ln(3)

    pdf.lines_table(
        headings=("Description", "Qty", "Unit price", "Tax rate", "Tax", "Amount"),
        col_widths=(width * 0.40, width * 0.09, width * 0.14, width * 0.09, width * 0.12, width * 0.16),
        rows=[
            (
                line.description,
                f"{line.quantity:,}",
                money(line.unit_price),
                _rate(line.tax_rate),
                money(line.tax),
                money(line.amount),
            )
            for line in lines
        ],
    )
    pdf.lines_table(
        headings=("Totals", "Amount"),
        col_widths=(width * 0.84, width * 0.16),
        rows=[
            ("Subtotal", money(note.subtotal)),
            ("Tax", money(note.tax)),
            ("Total credited", money(note.total)),
        ],
    )
    pdf.ln(3)
    pdf.paragraph(f"Reason: {note.reason}")
    pdf.ln(2)
    pdf.paragraph(
        f"Please quote credit note {note.number} and invoice {invoice.number} in any correspondence about it."
    )
    return bytes(pdf.output())

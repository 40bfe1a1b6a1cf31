"""The invoice as a PDF a client would accept, drawn from the invoice's stored lines only."""

from decimal import Decimal

from invoicing.models import Invoice
from projects.pdf import FONT, HEADING_FILL, INK, DeskDocument, display_date, latin, money


def _rate(value: Decimal) -> str:
    # 8.25 stays 8.25, 8.00 becomes 8: a rate reads as people write it.
    return f"{value.normalize():f}%"


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """Render one invoice to PDF bytes."""
    order = invoice.sales_order
    project = order.project
    client = invoice.bill_to  # as it was at issue
    lines = list(invoice.lines.all())

    pdf = DeskDocument(label=f"Invoice {invoice.number}", subject=f"Invoice {invoice.number} for {client.name}")
    pdf.add_page()
    width = pdf.epw

    terms_days = (invoice.due_date - invoice.date).days
    pdf.letterhead(
        title="INVOICE" if invoice.status != Invoice.Status.VOID else "INVOICE (VOID)",
        facts=[
            ("Invoice number", invoice.number),
            ("Invoice date", display_date(invoice.date)),
            ("Due date", display_date(invoice.due_date)),
            ("Terms", "Due on receipt" if terms_days == 0 else f"Net {terms_days} days"),
            ("Sales order", order.number),
            ("Project", f"{project.number} {project.name}"),
            ("Invoice kind", invoice.get_kind_display()),
        ],
    )

    # Bill to.
    bill_to = [client.billing_address, client.billing_email]
    pdf.set_y(pdf.address_block(heading="Bill to", name=client.name, lines=bill_to, x=pdf.l_margin, width=width * 0.6))
    pdf.ln(7)

    # The lines: the table wraps long descriptions and repeats its headings on every new page.
    col_widths = (width * 0.40, width * 0.09, width * 0.14, width * 0.09, width * 0.12, width * 0.16)
    pdf.lines_table(
        headings=("Description", "Qty", "Unit price", "Tax rate", "Tax", "Amount"),
        col_widths=col_widths,
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

    # Totals, kept together on one page.
    if pdf.will_page_break(3 * 6.5 + 4):
        pdf.add_page()
    label_width = col_widths[3] + col_widths[4] + col_widths[2]
    totals_x = pdf.l_margin + width - label_width - col_widths[5]
    for label, value, bold in (
        ("Subtotal", invoice.subtotal, False),
        ("Tax", invoice.tax, False),
        ("Total due", invoice.total, True),
    ):
        pdf.set_x(totals_x)
        pdf.set_font(FONT, "B" if bold else "", 11 if bold else 9)
        if bold:
            pdf.set_fill_color(*HEADING_FILL)
        pdf.cell(label_width, 6.5, label, align="R", fill=bold)
        pdf.cell(col_widths[5], 6.5, money(value), align="R", fill=bold, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    if invoice.kind == Invoice.Kind.PARTIAL:
        pdf.paragraph(
            f"Partial invoice: sales order {order.number} has a remaining balance still to be invoiced. "
            "The rest will be invoiced when the remaining goods are ready.",
            bold=True,
        )
        pdf.ln(2)
    due = display_date(invoice.due_date)
    pdf.paragraph(f"Please pay {money(invoice.total)} by {due} and quote invoice {invoice.number} with your payment.")
    if invoice.status == Invoice.Status.VOID:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 14)
        pdf.set_text_color(180, 35, 24)
        pdf.multi_cell(0, 7, latin(f"VOID: {invoice.void_reason}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
    return bytes(pdf.output())

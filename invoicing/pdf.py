"""The invoice as a PDF a client would accept, drawn from the invoice's stored lines only."""

from decimal import Decimal

from core.pdf import FONT, HEADING_FILL, INK, MUTED, DeskDocument, display_date, money, plain
from invoicing.models import Invoice
from invoicing.selectors import sales_order_remaining_amount_after
from projects.models import CompanySettings

VOID_INK = (180, 35, 24)


def _rate(value: Decimal) -> str:
    # 8.25 stays 8.25, 8.00 becomes 8: a rate reads as people write it.
    return f"{value.normalize():f}%"


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """Render one invoice to PDF bytes."""
    order = invoice.sales_order
    project = order.project
    client = invoice.bill_to  # as it was at issue
    lines = list(invoice.lines.all())
    is_void = invoice.status == Invoice.Status.VOID

    pdf = DeskDocument(
        label=f"Invoice {invoice.number}",
        subject=f"Invoice {invoice.number} for {client.name}",
        company=CompanySettings.load(),
        watermark="VOID" if is_void else "",
    )
    currency = pdf.company.currency
    pdf.add_page()
    width = pdf.epw

    terms_days = (invoice.due_date - invoice.date).days
    facts = [
        ("Invoice number", invoice.number),
        ("Invoice date", display_date(invoice.date)),
        ("Due date", display_date(invoice.due_date)),
        ("Terms", "Due on receipt" if terms_days == 0 else f"Net {terms_days} days"),
        ("Currency", currency),
    ]
    if order.client_po_number:
        facts.append(("Your PO number", order.client_po_number))
    facts += [
        ("Sales order", order.number),
        ("Project", f"{project.number} {project.name}"),
        ("Invoice kind", invoice.get_kind_display()),
    ]
    pdf.letterhead(title="INVOICE (VOID)" if is_void else "INVOICE", facts=facts)

    # Bill to on the left, where the goods went on the right.
    top = pdf.get_y()
    column = width * 0.47
    bill_to_bottom = pdf.address_block(
        heading="Bill to",
        name=client.name,
        lines=[client.billing_address, client.billing_email],
        x=pdf.l_margin,
        width=column,
    )
    pdf.set_y(top)
    ship_to_bottom = pdf.address_block(
        heading="Ship to",
        name=client.name,
        lines=(order.ship_to.strip() or client.billing_address).splitlines(),
        x=pdf.l_margin + width - column,
        width=column,
    )
    pdf.set_y(max(bill_to_bottom, ship_to_bottom) + 7)

    # The lines: the table wraps long descriptions and repeats its headings on every new page.
    col_widths = (width * 0.36, width * 0.08, width * 0.14, width * 0.11, width * 0.12, width * 0.19)
    pdf.lines_table(
        headings=("Description", "Qty", "Unit price", "Tax rate", "Tax", f"Amount ({currency})"),
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

    # Totals, kept together on one page; payments and credits, once there are any, below the total.
    totals: list[tuple[str, Decimal, bool]] = [("Subtotal", invoice.subtotal, False), ("Tax", invoice.tax, False)]
    settled = invoice.credited_amount or invoice.paid_amount
    totals.append((f"Total ({currency})" if settled else f"Total due ({currency})", invoice.total, not settled))
    if settled:
        if invoice.credited_amount:
            totals.append(("Credited", -invoice.credited_amount, False))
        if invoice.paid_amount:
            totals.append(("Paid", -invoice.paid_amount, False))
        totals.append((f"Balance due ({currency})", invoice.balance_due, True))
    if pdf.will_page_break(len(totals) * 6.5 + 4):
        pdf.add_page()
    label_width = col_widths[2] + col_widths[3] + col_widths[4]
    totals_x = pdf.l_margin + width - label_width - col_widths[5]
    for label, value, bold in totals:
        pdf.set_x(totals_x)
        pdf.set_font(FONT, "B" if bold else "", 11 if bold else 9)
        if bold:
            pdf.set_fill_color(*HEADING_FILL)
        pdf.cell(label_width, 6.5, label, align="R", fill=bold)
        pdf.cell(col_widths[5], 6.5, money(value), align="R", fill=bold, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    if invoice.kind == Invoice.Kind.PARTIAL and not is_void:
        remaining = sales_order_remaining_amount_after(invoice=invoice)
        pdf.paragraph(
            f"Partial invoice: sales order {order.number} has a remaining balance still to be invoiced: "
            f"{currency} {money(remaining)} (net, before tax) after this invoice. "
            "The rest will be invoiced when the remaining goods are ready.",
            bold=True,
        )
        pdf.ln(2)

    if is_void:
        # A void invoice asks for nothing: no payment request, no bank details.
        pdf.set_font(FONT, "B", 14)
        pdf.set_text_color(*VOID_INK)
        pdf.multi_cell(0, 7, plain(f"VOID: {invoice.void_reason}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.paragraph("This invoice is void and is not to be paid.")
        return bytes(pdf.output())

    if invoice.balance_due <= 0:
        pdf.paragraph("Nothing is due on this invoice. Thank you.", bold=True)
    else:
        due = display_date(invoice.due_date)
        pdf.paragraph(
            f"Please pay {currency} {money(invoice.balance_due)} by {due} "
            f"and quote invoice {invoice.number} with your payment."
        )
    remit_to = pdf.company.remit_to.strip()
    if remit_to:
        pdf.ln(4)
        if pdf.will_page_break(5 + 4.5 * (len(remit_to.splitlines()) + 1)):
            pdf.add_page()
        pdf.set_font(FONT, "B", 8)
        pdf.set_text_color(*MUTED)
        pdf.cell(0, 5, "REMIT TO / BANK DETAILS", new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
        pdf.set_font(FONT, "", 9)
        pdf.multi_cell(width * 0.6, 4.5, plain(remit_to), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())

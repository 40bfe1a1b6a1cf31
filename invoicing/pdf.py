"""The invoice as a PDF a client would accept, drawn from the invoice's stored lines only."""

import unicodedata
from decimal import Decimal

from django.conf import settings
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout

from invoicing.models import Invoice

FONT = "Helvetica"
INK = (29, 37, 48)
MUTED = (91, 102, 117)
RULE = (217, 222, 229)
HEADING_FILL = (235, 238, 242)

# Typographic characters people paste into descriptions, spelled in what the core fonts can draw.
_PLAIN = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2026": "...",
        "\u2022": "-",
        "\u20ac": "EUR ",
        "\u2122": "(TM)",
        "\u00a0": " ",
    }
)


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def _rate(value: Decimal) -> str:
    # 8.25 stays 8.25, 8.00 becomes 8: a rate reads as people write it.
    return f"{value.normalize():f}%"


def _date(value) -> str:
    return f"{value:%B} {value.day}, {value.year}"


def _latin(text: str) -> str:
    """Spell text in Latin-1, which the built-in PDF fonts cover; never fail on a character."""
    text = str(text).translate(_PLAIN)
    try:
        return text.encode("latin-1").decode("latin-1")
    except UnicodeEncodeError:
        pass
    spelled = []
    for char in text:
        if ord(char) < 256:
            spelled.append(char)
            continue
        # ő becomes o, ﬁ becomes fi; anything with no Latin-1 spelling becomes '?'.
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        spelled.append(plain if plain and all(ord(c) < 256 for c in plain) else "?")
    return "".join(spelled)


class InvoiceDocument(FPDF):
    """Letter pages with the invoice number on every page after the first and 'Page n of m' below."""

    def __init__(self, invoice: Invoice):
        super().__init__(format="Letter", unit="mm")
        self.invoice = invoice
        self.alias_nb_pages()
        self.set_margins(left=16, top=16, right=16)
        self.set_auto_page_break(auto=True, margin=20)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, _latin(f"{settings.DISTRIBUTOR_NAME}  ·  Invoice {self.invoice.number} (continued)"))
        self.ln(9)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, _latin(f"Invoice {self.invoice.number}"), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """Render one invoice to PDF bytes."""
    order = invoice.sales_order
    project = order.project
    client = invoice.bill_to  # as it was at issue
    lines = list(invoice.lines.all())

    pdf = InvoiceDocument(invoice)
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.set_author(_latin(settings.DISTRIBUTOR_NAME))
    pdf.set_subject(_latin(f"Invoice {invoice.number} for {client.name}"))
    pdf.set_creator("Backorder Desk")
    pdf.set_text_color(*INK)
    pdf.add_page()
    width = pdf.epw

    # The letterhead: the distributor on the left, the invoice's facts on the right.
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(width * 0.55, 7, _latin(settings.DISTRIBUTOR_NAME), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(width * 0.55, 4.5, _latin(settings.DISTRIBUTOR_ADDRESS), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    left_bottom = pdf.get_y()

    facts_x = pdf.l_margin + width * 0.58
    facts_width = width - width * 0.58
    pdf.set_xy(facts_x, top)
    pdf.set_font(FONT, "B", 20)
    title = "INVOICE" if invoice.status != Invoice.Status.VOID else "INVOICE (VOID)"
    pdf.cell(facts_width, 9, title, align="R", new_x="LMARGIN", new_y="NEXT")
    terms_days = (invoice.due_date - invoice.date).days
    facts = [
        ("Invoice number", invoice.number),
        ("Invoice date", _date(invoice.date)),
        ("Due date", _date(invoice.due_date)),
        ("Terms", "Due on receipt" if terms_days == 0 else f"Net {terms_days} days"),
        ("Sales order", order.number),
        ("Project", f"{project.number} {project.name}"),
        ("Invoice kind", invoice.get_kind_display()),
    ]
    for label, value in facts:
        pdf.set_x(facts_x)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(facts_width * 0.42, 5, label)
        pdf.set_font(FONT, "B", 9)
        pdf.set_text_color(*INK)
        pdf.multi_cell(facts_width * 0.58, 5, _latin(value), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(left_bottom, pdf.get_y()) + 8)

    # Bill to.
    pdf.set_font(FONT, "B", 8)
    pdf.set_text_color(*MUTED)
    pdf.cell(0, 5, "BILL TO", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(width * 0.6, 5, _latin(client.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)
    bill_to = "\n".join(part for part in (client.billing_address.strip(), client.billing_email) if part)
    pdf.multi_cell(width * 0.6, 4.5, _latin(bill_to), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(7)

    # The lines: the table wraps long descriptions and repeats its headings on every new page.
    col_widths = (width * 0.40, width * 0.09, width * 0.14, width * 0.09, width * 0.12, width * 0.16)
    headings = ("Description", "Qty", "Unit price", "Tax rate", "Tax", "Amount")
    pdf.set_font(FONT, "", 9)
    pdf.set_draw_color(*RULE)
    with pdf.table(
        col_widths=col_widths,
        width=width,
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=5,
        padding=(1.6, 1.5),
        v_align="TOP",
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for line in lines:
            table.row(
                (
                    _latin(line.description),
                    f"{line.quantity:,}",
                    _money(line.unit_price),
                    _rate(line.tax_rate),
                    _money(line.tax),
                    _money(line.amount),
                )
            )
    pdf.ln(3)

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
        pdf.cell(col_widths[5], 6.5, _money(value), align="R", fill=bold, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    pdf.set_font(FONT, "", 9)
    if invoice.kind == Invoice.Kind.PARTIAL:
        pdf.set_font(FONT, "B", 9)
        pdf.multi_cell(
            0,
            4.8,
            _latin(
                f"Partial invoice: sales order {order.number} has a remaining balance still to be invoiced. "
                "The rest will be invoiced when the remaining goods are ready."
            ),
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(2)
        pdf.set_font(FONT, "", 9)
    due = _date(invoice.due_date)
    pdf.multi_cell(
        0,
        4.8,
        _latin(f"Please pay {_money(invoice.total)} by {due} and quote invoice {invoice.number} with your payment."),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if invoice.status == Invoice.Status.VOID:
        pdf.ln(4)
        pdf.set_font(FONT, "B", 14)
        pdf.set_text_color(180, 35, 24)
        pdf.multi_cell(0, 7, _latin(f"VOID: {invoice.void_reason}"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*INK)
    return bytes(pdf.output())

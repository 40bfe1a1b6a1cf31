"""The desk's PDFs: the letterhead, page furniture and text handling they share, and the purchase order."""

import unicodedata
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout

from projects.models import PurchaseOrder
from projects.money import line_amount
from projects.selectors import purchase_order_ship_to

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
        # Letters with a stroke have no decomposition to strip an accent from.
        "\u0141": "L",
        "\u0142": "l",
        "\u0110": "D",
        "\u0111": "d",
        "\u0152": "OE",
        "\u0153": "oe",
    }
)


# --- shared by every PDF of the desk (the invoice's too) -------------------------------------------


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def display_date(value: date) -> str:
    """Write a date as every page and email of the desk does: the DATE_FORMAT setting."""
    return date_format(value)


def latin(text: str) -> str:
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


class DeskDocument(FPDF):
    """Letter pages naming the document on every page after the first, with 'Page n of m' below."""

    def __init__(self, *, label: str, subject: str):
        super().__init__(format="Letter", unit="mm")
        self.label = label
        self.alias_nb_pages()
        self.set_margins(left=16, top=16, right=16)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(latin(label))
        self.set_author(latin(settings.DISTRIBUTOR_NAME))
        self.set_subject(latin(subject))
        self.set_creator("Backorder Desk")
        self.set_text_color(*INK)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, latin(f"{settings.DISTRIBUTOR_NAME}  ·  {self.label} (continued)"))
        self.ln(9)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, latin(self.label), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

    def letterhead(self, *, title: str, facts: list[tuple[str, str]]) -> None:
        """Draw the distributor on the left and the document's title and facts on the right."""
        width = self.epw
        top = self.get_y()
        self.set_font(FONT, "B", 15)
        self.multi_cell(width * 0.55, 7, latin(settings.DISTRIBUTOR_NAME), new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 9)
        self.set_text_color(*MUTED)
        self.multi_cell(width * 0.55, 4.5, latin(settings.DISTRIBUTOR_ADDRESS), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        left_bottom = self.get_y()

        facts_x = self.l_margin + width * 0.58
        facts_width = width - width * 0.58
        self.set_xy(facts_x, top)
        self.set_font(FONT, "B", 20)
        self.cell(facts_width, 9, latin(title), align="R", new_x="LMARGIN", new_y="NEXT")
        for label, value in facts:
            self.set_x(facts_x)
            self.set_font(FONT, "", 9)
            self.set_text_color(*MUTED)
            self.cell(facts_width * 0.42, 5, latin(label))
            self.set_font(FONT, "B", 9)
            self.set_text_color(*INK)
            self.multi_cell(facts_width * 0.58, 5, latin(value), align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_y(max(left_bottom, self.get_y()) + 8)

    def address_block(self, *, heading: str, name: str, lines: list[str], x: float, width: float) -> float:
        """Draw a headed name and address at x from the current line; return the y below it."""
        self.set_x(x)
        self.set_font(FONT, "B", 8)
        self.set_text_color(*MUTED)
        self.cell(width, 5, latin(heading.upper()), new_x="LEFT", new_y="NEXT")
        self.set_text_color(*INK)
        self.set_font(FONT, "B", 10)
        self.multi_cell(width, 5, latin(name), new_x="LEFT", new_y="NEXT")
        self.set_font(FONT, "", 9)
        text = "\n".join(line for line in (line.strip() for line in lines) if line)
        if text:
            self.multi_cell(width, 4.5, latin(text), new_x="LEFT", new_y="NEXT")
        return self.get_y()

    def lines_table(self, *, headings: tuple[str, ...], col_widths: tuple[float, ...], rows: list[tuple]) -> None:
        """Draw the lines: the first column left, the figures right; long text wraps, headings repeat per page."""
        self.set_font(FONT, "", 9)
        self.set_draw_color(*RULE)
        with self.table(
            col_widths=col_widths,
            width=self.epw,
            text_align=("LEFT", *("RIGHT",) * (len(headings) - 1)),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            line_height=5,
            padding=(1.6, 1.5),
            v_align="TOP",
            repeat_headings=1,
        ) as table:
            table.row(headings)
            for row in rows:
                table.row(tuple(latin(cell) for cell in row))
        self.ln(3)

    def paragraph(self, text: str, *, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", 9)
        self.multi_cell(0, 4.8, latin(text), align="L", new_x="LMARGIN", new_y="NEXT")


# --- the purchase order ------------------------------------------------------------------------------


def purchase_order_pdf_bytes(purchase_order: PurchaseOrder) -> bytes:
    """Render one purchase order, at cost, to PDF bytes for its supplier."""
    po = purchase_order
    project = po.project
    supplier = po.supplier
    rep = po.production_rep or project.production_rep
    items = list(po.items.select_related("sales_order_item"))

    pdf = DeskDocument(label=f"Purchase order {po.number}", subject=f"Purchase order {po.number} to {supplier.name}")
    pdf.add_page()
    width = pdf.epw

    facts = [
        ("PO number", po.number),
        ("PO date", display_date(timezone.localdate(po.created_at))),
        ("Project", project.number),
        ("Expected date", display_date(po.expected_date) if po.expected_date else "To be confirmed"),
    ]
    if rep is not None:
        facts.append(("Our contact", rep.get_full_name() or rep.username))
        if rep.email:
            facts.append(("Contact email", rep.email))
    pdf.letterhead(title="PURCHASE ORDER", facts=facts)

    # The supplier on the left, where the goods go on the right.
    top = pdf.get_y()
    column = width * 0.47
    supplier_bottom = pdf.address_block(
        heading="Supplier", name=supplier.name, lines=[supplier.email, supplier.phone], x=pdf.l_margin, width=column
    )
    pdf.set_y(top)
    ship_to_bottom = pdf.address_block(
        heading="Ship to",
        name=project.client.name,
        lines=purchase_order_ship_to(purchase_order=po).splitlines(),
        x=pdf.l_margin + width - column,
        width=column,
    )
    pdf.set_y(max(supplier_bottom, ship_to_bottom) + 7)

    col_widths = (width * 0.52, width * 0.12, width * 0.17, width * 0.19)
    total = Decimal("0.00")
    rows = []
    for item in items:
        cost = line_amount(item.quantity, item.sales_order_item.unit_cost)
        total += cost
        rows.append(
            (
                item.sales_order_item.description,
                f"{item.quantity:,}",
                money(item.sales_order_item.unit_cost),
                money(cost),
            )
        )
    pdf.lines_table(headings=("Description", "Qty", "Unit cost", "Cost"), col_widths=col_widths, rows=rows)

    if pdf.will_page_break(6.5 + 4):
        pdf.add_page()
    label_width = col_widths[1] + col_widths[2]
    pdf.set_x(pdf.l_margin + width - label_width - col_widths[3])
    pdf.set_font(FONT, "B", 11)
    pdf.set_fill_color(*HEADING_FILL)
    pdf.cell(label_width, 6.5, "Total", align="R", fill=True)
    pdf.cell(col_widths[3], 6.5, money(total), align="R", fill=True, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)

    if po.expected_date:
        pdf.paragraph(f"Please ship by {display_date(po.expected_date)}.", bold=True)
        pdf.ln(1)
    pdf.paragraph(
        f"Please confirm this order and its expected date by replying to the email it came with, "
        f"and quote {po.number} on your invoice, packing list and every carton."
    )
    return bytes(pdf.output())

"""The desk's PDFs: the letterhead, page furniture and text handling they share, and the purchase order."""

import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.formats import date_format
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout

# DejaVu Sans (regular and bold) is embedded in every document under this family name: it draws
# Latin, Greek and Cyrillic; Droid Sans Fallback draws the Chinese, Japanese and Korean it lacks.
FONT = "DejaVu"
FONTS_DIR = Path(__file__).resolve().parent / "fonts"
CJK_FONT = "DroidFallback"
INK = (29, 37, 48)
MUTED = (91, 102, 117)
RULE = (217, 222, 229)
HEADING_FILL = (235, 238, 242)
WATERMARK = (244, 205, 201)  # a light red, under the text it crosses

# Line breaks from browsers' text areas, and tabs, in what a PDF line understands.
_PLAIN = str.maketrans({"\r": None, "\t": " ", "\u2028": "\n", "\u2029": "\n"})


# --- shared by every PDF of the desk (the invoice's too) -------------------------------------------


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def display_date(value: date) -> str:
    """Write a date as every page and email of the desk does: the DATE_FORMAT setting."""
    return date_format(value)


def plain(text: object) -> str:
    """Return text as a PDF line draws it: any script, with Windows line ends and tabs made plain."""
    return str(text).replace("\r\n", "\n").translate(_PLAIN)


class DeskDocument(FPDF):
    """Letter pages naming the document on every page after the first, with 'Page n of m' below.

    The company's name, address, tax id and contact head the first page (`company`: the caller passes
    projects' CompanySettings, which the kernel does not import). A
    watermark, if given, is drawn large and light diagonally across every page, under the text.
    """

    def __init__(self, *, label: str, subject: str, company: Any, watermark: str = "") -> None:
        super().__init__(format="Letter", unit="mm")
        self.company = company
        self.label = label
        self.watermark = watermark
        self.add_font(FONT, "", FONTS_DIR / "DejaVuSans.ttf")
        self.add_font(FONT, "B", FONTS_DIR / "DejaVuSans-Bold.ttf")
        # fpdf2 looks for a character's fallback only while some fallback font is set. DejaVu stands
        # in until a character it lacks turns up; the CJK font (0.4 s to read) is loaded only then.
        self.set_fallback_fonts([FONT], exact_match=False)
        self._cjk_font_loaded = False
        self.alias_nb_pages()
        self.set_margins(left=16, top=16, right=16)
        self.set_auto_page_break(auto=True, margin=20)
        self.set_title(plain(label))
        self.set_author(plain(self.company.name))
        self.set_subject(plain(subject))
        self.set_creator("Backorder Desk")
        self.set_text_color(*INK)

    def get_fallback_font(self, char: str, style: str = "") -> str | None:
        """Load the CJK font the first time a printable character DejaVu lacks appears, then defer to fpdf2."""
        if not self._cjk_font_loaded and not unicodedata.category(char).startswith("C"):
            self._cjk_font_loaded = True
            self.add_font(CJK_FONT, "", FONTS_DIR / "DroidSansFallback.ttf")
            # One weight only: bold Chinese is drawn in the regular weight rather than not at all.
            self.set_fallback_fonts([CJK_FONT], exact_match=False)
        return super().get_fallback_font(char, style)

    def set_font(self, family: str | None = None, style: str = "", size: float = 0) -> None:  # type: ignore[override]
        """Set the font, and write it to the page at once rather than with the next text."""
        super().set_font(family, style, size)
        # fpdf2 (2.8) writes a new font with the next line of text; when that line starts with a
        # fallback-font character (a Chinese name), the font lands inside the line's own q ... Q,
        # and the lines after it are drawn with the wrong font's glyphs. Writing it here avoids that.
        if self.page and self.current_font is not None and not self.current_font_is_set_on_page:
            self._out(self._set_font_for_page(self.current_font, self.font_size_pt))

    def header(self) -> None:
        if self.watermark:
            self._draw_watermark()
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, plain(f"{self.company.name}  ·  {self.label} (continued)"))
        self.ln(9)
        self.set_text_color(*INK)

    def _draw_watermark(self) -> None:
        # Drawn first on the page, so everything written after lies on top of it.
        self.set_font(FONT, "B", 130)
        self.set_text_color(*WATERMARK)
        width = self.get_string_width(self.watermark)
        center_x, center_y = self.w / 2, self.h / 2
        with self.rotation(angle=55, x=center_x, y=center_y):
            self.text(center_x - width / 2, center_y + self.font_size * 0.35, self.watermark)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, plain(self.label), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

    def company_lines(self) -> list[str]:
        """The company's address, contact and tax id as the letterhead prints them under its name."""
        company = self.company
        lines = [line.strip() for line in plain(company.address).splitlines() if line.strip()]
        if email_and_phone := [value.strip() for value in (company.email, company.phone) if value.strip()]:
            lines.append("  ·  ".join(email_and_phone))
        if company.website.strip():
            lines.append(company.website.strip())
        if company.tax_id.strip():
            lines.append(f"Tax id: {company.tax_id.strip()}")
        return lines

    def letterhead(self, *, title: str, facts: list[tuple[str, str]]) -> None:
        """Draw the company on the left and the document's title and facts on the right."""
        width = self.epw
        top = self.get_y()
        self.set_font(FONT, "B", 15)
        self.multi_cell(width * 0.55, 7, plain(self.company.name), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 9)
        self.set_text_color(*MUTED)
        self.multi_cell(width * 0.55, 4.5, "\n".join(self.company_lines()), align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        left_bottom = self.get_y()

        facts_x = self.l_margin + width * 0.58
        facts_width = width - width * 0.58
        self.set_xy(facts_x, top)
        self.set_font(FONT, "B", 20)
        self.cell(facts_width, 9, plain(title), align="R", new_x="LMARGIN", new_y="NEXT")
        for label, value in facts:
            self.set_x(facts_x)
            self.set_font(FONT, "", 9)
            self.set_text_color(*MUTED)
            self.cell(facts_width * 0.42, 5, plain(label))
            self.set_font(FONT, "B", 9)
            self.set_text_color(*INK)
            self.multi_cell(facts_width * 0.58, 5, plain(value), align="R", new_x="LMARGIN", new_y="NEXT")
        self.set_y(max(left_bottom, self.get_y()) + 8)

    def address_block(self, *, heading: str, name: str, lines: list[str], x: float, width: float) -> float:
        """Draw a headed name and address at x from the current line; return the y below it."""
        self.set_x(x)
        self.set_font(FONT, "B", 8)
        self.set_text_color(*MUTED)
        self.cell(width, 5, plain(heading.upper()), new_x="LEFT", new_y="NEXT")
        self.set_text_color(*INK)
        self.set_font(FONT, "B", 10)
        self.multi_cell(width, 5, plain(name), align="L", new_x="LEFT", new_y="NEXT")
        self.set_font(FONT, "", 9)
        text = "\n".join(line for line in (plain(line).strip() for line in lines) if line)
        if text:
            self.multi_cell(width, 4.5, text, align="L", new_x="LEFT", new_y="NEXT")
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
            table.row(tuple(plain(cell) for cell in headings))
            for row in rows:
                table.row(tuple(plain(cell) for cell in row))
        self.ln(3)

    def paragraph(self, text: str, *, bold: bool = False) -> None:
        self.set_font(FONT, "B" if bold else "", 9)
        self.multi_cell(0, 4.8, plain(text), align="L", new_x="LMARGIN", new_y="NEXT")


# --- the purchase order ------------------------------------------------------------------------------

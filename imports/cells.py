"""What one cell of a file may hold, read into the desk's values: django-import-export widgets.

A widget's `clean` raises ValueError with the reason in the desk's words; the resource collects it as
the row's refusal for that column ("row 14, Terms: -3 is not a whole number of at least 0").
"""

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from import_export import widgets

from core.downloads import FORMULA_SIGNS

# Excel counts days from 1899-12-30 (its 1900 leap-year bug included); 2958465 is 9999-12-31.
EXCEL_FIRST_SERIAL, EXCEL_LAST_SERIAL = 1, 2958465
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%b %d, %Y", "%d %b %Y")
TERMS = re.compile(r"^(?:net\s*)?(\d+)(?:\s*days?)?$", re.IGNORECASE)
DUE_NOW = {"due on receipt", "due upon receipt", "cod", "c.o.d.", "on receipt", "immediate"}


def shown(value: Any) -> str:
    """The cell as the manager sees it in the file, for a message."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        value = value.date()
    text = str(value).strip()
    return text if len(text) <= 60 else text[:57] + "..."


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class TextCell(widgets.Widget):
    """Text: numbers as written (a phone or an id Excel stored as a number), never a date Excel made of it."""

    def __init__(self, *, max_length: int, single_line: bool = True):
        super().__init__()
        self.max_length = max_length
        self.single_line = single_line

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        if is_blank(value):
            return ""
        if isinstance(value, (datetime, date)):
            raise ValueError(
                f"{shown(value)} is a date in the file where text belongs (Excel turns values such as 3-4 into "
                "dates): format the column as Text, type the value again, and import the file again"
            )
        text = shown(value) if isinstance(value, (int, float, Decimal)) else str(value).strip()
        if text[:1] == "'" and text[1:2] in FORMULA_SIGNS:
            # The desk's own CSVs (and Export everything) quote text a spreadsheet would run: "'+1 503 ...".
            text = text[1:]
        if self.single_line:
            text = " ".join(text.split())
        else:
            text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
        if len(text) > self.max_length:
            raise ValueError(f"{shown(text)} is {len(text)} characters long; at most {self.max_length} fit")
        return text

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else str(value)


class WholeNumberCell(widgets.Widget):
    """A whole number from minimum to maximum; a blank cell is the desk's default."""

    def __init__(self, *, minimum: int, maximum: int, default: int, terms: bool = False):
        super().__init__()
        self.minimum, self.maximum, self.default, self.terms = minimum, maximum, default, terms

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> int:
        if is_blank(value):
            return self.default
        refusal = f"{shown(value)} is not a whole number of at least {self.minimum}"
        if isinstance(value, (datetime, date)):
            raise ValueError(f"{shown(value)} is a date; a whole number of at least {self.minimum} belongs here")
        if isinstance(value, bool):
            raise ValueError(refusal)
        if isinstance(value, (int, float)):
            number = Decimal(str(value))
        else:
            text = str(value).strip()
            if self.terms and text.casefold() in DUE_NOW:
                return 0
            match = TERMS.match(text) if self.terms else None
            try:
                number = Decimal(match.group(1) if match else text.replace(",", ""))
            except InvalidOperation as error:
                raise ValueError(refusal) from error
        if not number.is_finite() or number != number.to_integral_value() or number < self.minimum:
            raise ValueError(refusal)
        if number > self.maximum:
            raise ValueError(f"{shown(value)} is more than {self.maximum}")
        return int(number)


class PercentCell(widgets.Widget):
    """A percent from 0 to 100 with at most two decimals, written 8.25 or 8.25%; a blank cell is 0."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal:
        if is_blank(value):
            return Decimal("0.00")
        refusal = f"{shown(value)} is not a percent from 0 to 100 (such as 8.25)"
        if isinstance(value, (datetime, date, bool)):
            raise ValueError(refusal)
        text = str(value).strip().removesuffix("%").strip()
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise ValueError(refusal) from error
        if not number.is_finite() or number < 0 or number > 100:
            raise ValueError(refusal)
        # A float from a workbook carries binary noise (8.25 may read 8.2500000001): round it half-up to cents.
        rounded = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if isinstance(value, str) and rounded != number:
            raise ValueError(f"{shown(value)} has more than two decimals")
        return rounded


class DateCell(widgets.Widget):
    """A date written as a date cell of a workbook, an Excel day number (45292), 2026-01-15 or 01/15/2026."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> date | None:
        if is_blank(value):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        refusal = f"{shown(value)} is not a date (write 2026-01-15 or 01/15/2026)"
        if isinstance(value, (int, float)) or (isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value.strip())):
            from openpyxl.utils.datetime import from_excel

            serial = float(value)
            if not EXCEL_FIRST_SERIAL <= serial <= EXCEL_LAST_SERIAL:
                raise ValueError(refusal)
            return from_excel(serial).date()
        text = " ".join(str(value).split())
        for layout in DATE_FORMATS:
            try:
                return datetime.strptime(text, layout).date()
            except ValueError:
                continue
        raise ValueError(refusal)


class MoneyCell(widgets.Widget):
    """An amount of money of at least 0, at most two decimals: 12.50, $1,234.50; a blank cell is the default."""

    def __init__(self, *, default: Decimal | None = None):
        super().__init__()
        self.default = default

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal | None:
        if is_blank(value):
            return self.default
        refusal = f"{shown(value)} is not an amount of money of at least 0 (such as 12.50)"
        if isinstance(value, (datetime, date, bool)):
            raise ValueError(refusal)
        text = str(value).strip().replace(",", "").removeprefix("$").strip()
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise ValueError(refusal) from error
        if not number.is_finite() or number < 0 or number > Decimal("999999999999.99"):
            raise ValueError(refusal)
        # A workbook's float carries binary noise: round it half-up to cents; typed text must be cents already.
        rounded = number.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if isinstance(value, str) and rounded != number:
            raise ValueError(f"{shown(value)} has more than two decimals")
        return rounded

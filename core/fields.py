"""What people type, read one way everywhere: money, whole quantities, and days taken from a URL.

Money is plain decimal notation only: ASCII digits, at most one point, at most two decimals (4.25,
120, 0.5). No sign: no amount the desk takes may be negative, so "-" is refused with its own words;
"+" is refused as not plain. Python's Decimal and int (which Django's DecimalField and IntegerField
use) also read 1e2, 1_0, Arabic-Indic digits (١٠) and surrounding spaces as numbers; none of those is
what a person means to type in an amount box, so all are refused. Quantities are whole numbers in
plain digits.

Days from a query string (report filters, an as-of day, `updated_since`) must lie between
EARLIEST_DAY and LATEST_DAY: any business record fits, and date arithmetic (90 days before, the day
after) stays far from the calendar's ends at year 1 and 9999, where Python and PostgreSQL overflow.

The form fields are here; projects.api.fields has the serializer fields, with the same rules and words.
"""

import re
from datetime import date, datetime
from decimal import Decimal
from html import escape

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe

# The money columns are numeric(14, 2): 12 digits before the point, 2 after.
MAX_MONEY = Decimal("999999999999.99")
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)

_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")  # fullmatch: ASCII digits, one point, no sign or spaces
_WHOLE = re.compile(r"[0-9]+")


class Refused(ValueError):
    """Why a typed value was refused: one of the codes of amount_messages or whole_number_message."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def read_amount(value: object, *, max_value: Decimal = MAX_MONEY, places: int = 2) -> Decimal:
    """The amount a person typed, as a Decimal, or Refused("invalid" | "negative" | "places" | "max_value")."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise Refused("invalid")
    text = value if isinstance(value, str) else str(value)
    if not _AMOUNT.fullmatch(text):
        raise Refused("negative" if text.startswith("-") and _AMOUNT.fullmatch(text[1:]) else "invalid")
    whole, _, decimals = text.partition(".")
    if len(decimals) > places:
        raise Refused("places")
    amount = Decimal(text)
    if amount > max_value:
        raise Refused("max_value")
    return amount


def amount_messages(name: str, *, example: str, max_value: Decimal) -> dict[str, str]:
    """The refusals of an amount, each naming the field: the same words on the pages and in the API."""
    return {
        "invalid": f"{name} must be plain digits, with at most one point and two decimals, such as {example}.",
        "negative": f"{name} must not be negative.",
        "places": f"{name} may have at most two decimal places.",
        "max_value": f"{name} must be at most {max_value:,}.",
    }


def read_whole_number(value: object, *, min_value: int, max_value: int) -> int:
    """A whole number in plain digits within the bounds, or Refused("invalid" | "min_value" | "max_value")."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Refused("invalid")
    if isinstance(value, int):
        number = value
    elif not _WHOLE.fullmatch(value):
        raise Refused("invalid")
    elif len(value.lstrip("0")) > len(str(max_value)):
        raise Refused("max_value")  # before int(): thousands of digits would take it a while
    else:
        number = int(value)
    if number < min_value:
        raise Refused("min_value")
    if number > max_value:
        raise Refused("max_value")
    return number


def whole_number_message(name: str, *, min_value: int, max_value: int) -> str:
    return f"{name} must be a whole number from {min_value:,} to {max_value:,}."


def day_range_message(name: str) -> str:
    return f"{name} must be a day from {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}."


def in_day_range(value: date | datetime) -> bool:
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DAY <= day <= LATEST_DAY


# --- form fields ------------------------------------------------------------------------------------


class MoneyField(forms.Field):
    """An amount typed in plain decimal notation: 4.25, never 1e2, 1_0, ٤, " 4" or -4."""

    def __init__(self, *, name: str | None = None, example: str = "4.25", max_value: Decimal = MAX_MONEY, **kwargs):
        kwargs.setdefault("widget", forms.NumberInput(attrs={"min": 0, "step": "0.01", "inputmode": "decimal"}))
        self.max_value = max_value
        messages = amount_messages(
            name or str(kwargs.get("label") or "The amount"), example=example, max_value=max_value
        )
        kwargs["error_messages"] = {**messages, **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return read_amount(value, max_value=self.max_value)
        except Refused as refused:
            raise ValidationError(self.error_messages[refused.code], code=refused.code) from None


class QuantityField(forms.Field):
    """A whole number typed in plain digits within bounds: 12, never 1_2, ١٢, 12.0, " 12" or +12."""

    def __init__(self, *, min_value: int, max_value: int, name: str | None = None, **kwargs):
        kwargs.setdefault(
            "widget",
            forms.NumberInput(attrs={"min": min_value, "max": max_value, "step": 1, "inputmode": "numeric"}),
        )
        self.min_value, self.max_value = min_value, max_value
        given = kwargs.get("error_messages", {})
        # One message for every refusal unless the form words them apart.
        message = given.get("invalid") or whole_number_message(
            name or str(kwargs.get("label") or "Quantity"), min_value=min_value, max_value=max_value
        )
        kwargs["error_messages"] = {"invalid": message, "min_value": message, "max_value": message, **given}
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return read_whole_number(value, min_value=self.min_value, max_value=self.max_value)
        except Refused as refused:
            raise ValidationError(self.error_messages[refused.code], code=refused.code) from None


class QueryDateField(forms.DateField):
    """A day from a URL's query string, within the days the desk counts with (EARLIEST_DAY to LATEST_DAY)."""

    def __init__(self, *, name: str | None = None, **kwargs):
        messages = {"out_of_range": day_range_message(name or str(kwargs.get("label") or "The day"))}
        kwargs["error_messages"] = {**messages, **kwargs.get("error_messages", {})}
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None and not in_day_range(value):
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")


class LongSelect(forms.Select):
    """A drop-down of many plain options (every client of a long history), written out in Python.

    Django's Select renders one template per option, which for two thousand clients costs a report page
    about a hundred milliseconds; this writes the same markup (the same attributes, the chosen option
    marked `selected`) in one pass. Option groups are not drawn: give it flat (value, label) choices.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = set(self.format_value(value))
        # html.escape is what Django's escape does, without format_html's work per call.
        options = "\n".join(
            f'<option value="{escape(str(choice))}"{" selected" if str(choice) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for choice, label in self.choices
        )
        return mark_safe(f"<select{flatatt(final)}>\n{options}\n</select>")  # noqa: S308 (every part escaped)

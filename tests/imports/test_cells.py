"""What one cell may hold: terms as QuickBooks writes them, percents, and dates as Excel stores them."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from imports.cells import DateCell, PercentCell, TextCell, WholeNumberCell

TERMS = WholeNumberCell(minimum=0, maximum=365, default=30, terms=True)


@pytest.mark.parametrize(
    ("cell", "days"), [("Net 30", 30), ("net 45 days", 45), ("60", 60), (15.0, 15), ("Due on receipt", 0), ("", 30)]
)
def test_terms_are_read_as_quickbooks_writes_them(cell, days):
    assert TERMS.clean(cell) == days


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("-3", "-3 is not a whole number of at least 0"),
        ("2.5", "2.5 is not a whole number of at least 0"),
        ("soon", "soon is not a whole number of at least 0"),
        ("400", "400 is more than 365"),
    ],
)
def test_terms_that_are_no_number_of_days_are_refused(cell, message):
    with pytest.raises(ValueError, match=f"^{message}$"):
        TERMS.clean(cell)


def test_percents_with_or_without_the_sign_and_a_workbooks_float():
    assert PercentCell().clean("8.25%") == PercentCell().clean(8.250000000001) == Decimal("8.25")
    with pytest.raises(ValueError, match="^8.255 has more than two decimals$"):
        PercentCell().clean("8.255")


@pytest.mark.parametrize("cell", [datetime(2026, 1, 15), date(2026, 1, 15), 46037, "46037", "2026-01-15", "01/15/2026"])
def test_dates_read_from_a_date_cell_an_excel_day_number_or_text(cell):
    assert DateCell().clean(cell) == date(2026, 1, 15)


def test_a_date_that_is_none_is_refused():
    with pytest.raises(ValueError, match=r"^15/15/2026 is not a date \(write 2026-01-15 or 01/15/2026\)$"):
        DateCell().clean("15/15/2026")


def test_text_keeps_numbers_as_written_and_refuses_what_is_too_long():
    assert TextCell(max_length=40).clean(5035550142.0) == "5035550142"
    with pytest.raises(ValueError, match="is 41 characters long; at most 40 fit$"):
        TextCell(max_length=40).clean("x" * 41)

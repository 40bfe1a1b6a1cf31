"""Messages never end in two full stops, whatever the name or reason they end with."""

import pytest

from core.text import sentence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Created 1 purchase order: PO-1001 to Acme", "Created 1 purchase order: PO-1001 to Acme."),
        ("Created 1 purchase order: PO-1001 to Acme Inc.", "Created 1 purchase order: PO-1001 to Acme Inc."),
        ("Emailed to Joe's Shirts Ltd. ", "Emailed to Joe's Shirts Ltd."),
        ("Really?", "Really?"),
    ],
)
def test_one_full_stop(text, expected):
    assert sentence(text) == expected

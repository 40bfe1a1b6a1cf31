"""The desk's template filters: note bodies are escaped before mentions are highlighted; money has cents."""

from decimal import Decimal
from types import SimpleNamespace

import pytest

from projects.templatetags.desk import activity_summary, money, render_note_body


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("@pat.production, see this.", '<span class="mention">@pat.production</span>, see this.'),
        ("Thanks @ivy.", 'Thanks <span class="mention">@ivy</span>.'),
        ("mail x@example.com", "mail x@example.com"),
        (
            '"@sam" & <b>@ivy</b>',
            '&quot;<span class="mention">@sam</span>&quot; &amp; &lt;b&gt;<span class="mention">@ivy</span>&lt;/b&gt;',
        ),
        ('@"><img src=x onerror=alert(1)>', "@&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
    ],
)
def test_render_note_body_escapes_then_highlights_mentions(body, shown):
    assert render_note_body(body) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("1240"), "1,240.00"), (Decimal("0.005"), "0.01"), (None, ""), (Decimal("-3.5"), "-3.50")],
)
def test_money_shows_two_places_and_thousands(value, shown):
    assert money(value) == shown


@pytest.mark.parametrize(
    ("verb", "label", "shown"),
    [
        ("changed status of", "SO SO-1001", "Changed status of SO-1001"),
        ("flagged", "Backorder of 200 on PO PO-1001", "Flagged Backorder of 200 on PO-1001"),
        ("wrote", "Note by pat on P-1001", "Wrote a note"),
    ],
)
def test_activity_summary(verb, label, shown):
    assert activity_summary(SimpleNamespace(verb=verb, subject_label=label)) == shown

"""Whatever people type (notes, client names, item descriptions, report filters) is shown escaped and breaks nothing.

hypothesis writes HTML, quotes, very long text, any unicode and SQL-looking text into the desk, then
reads every page, API answer and CSV export that shows it. In HTML the text must appear escaped and
never as markup; in JSON and CSV it must come back exactly as written (a CSV cell that a spreadsheet
would run as a formula is quoted with '). Nothing may answer 500: the test client raises the error.

Every page holds quotes, angle brackets and ampersands of its own, so the escaping checks never search
the whole page for the text: they look only next to markers written with it (letters and digits, which
escaping leaves as they are), or inside the element that shows it. A note of just "'" then passes, and
an unescaped payload still fails; the tests at the end prove both on templates that do not escape.

Each example runs in a savepoint that is rolled back, so examples do not see each other's rows.
"""

import csv
import functools
import io
import json
import re
from collections.abc import Iterable
from html import escape, unescape
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from types import SimpleNamespace
from urllib.parse import quote_plus, unquote_plus

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.template import Context, Template
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse
from django.utils.safestring import mark_safe
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.errors import ValidationFailed
from invoicing.models import InvoiceLine
from projects.services.notes import note_create
from tests.hypothesis_profiles import examples

# The world is built once per module and each example rolls its writes back, so function-scoped
# fixtures are safe here. The counts keep the whole file near two minutes on two cores; make fuzz
# multiplies them (see tests/hypothesis_profiles.py).
HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large]
PAGES = settings(max_examples=examples(25), deadline=None, suppress_health_check=HEALTH)  # a dozen pages each
INPUTS = settings(max_examples=examples(60), deadline=None, suppress_health_check=HEALTH)  # one or two requests

# What an attacker, a careless paste or a spreadsheet would try; each example starts with one of them.
PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' onmouseover='alert(1)' x='",
    "</textarea></td><svg onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "'; DROP TABLE projects_note; --",
    "1' OR '1'='1",
    "{{ 7|add:42 }} {% csrf_token %}",
    "&lt;b&gt;already escaped&lt;/b&gt; &amp;",
    '=HYPERLINK("http://evil.example","x")',
    "+1-2 @SUM(A1)",
    "\u202eexe.txt \u200b zero width",
    "Ünïcödé 日本語 Ελληνικά العربية 🎉👍🏽",
    "</script><script>alert(document.cookie)</script>",
)
MARKUP = re.compile(r"[<>\"'&]")

# Escaping rewrites only < > " ' &, so these come out of any page exactly as written, and no page holds
# them otherwise: a page shows a typed payload right before END, and a reflected filter between the two.
START = "zqx7start"
END = "zqx7end"


def unmarked(text: str) -> bool:
    return START not in text and END not in text


# Text the web refuses before it reaches the database (NUL) is left out of what is written through the ORM.
filler = st.one_of(
    st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=60),
    st.integers(min_value=100, max_value=400).map(lambda n: "long " * n),
    st.sampled_from(PAYLOADS),
).filter(unmarked)


def typed(max_length: int):
    """A payload first (so a shortened display and a CSV cell start with it), END, then anything."""
    return st.builds(lambda payload, rest: f"{payload}{END} {rest}"[:max_length], st.sampled_from(PAYLOADS), filler)


def web_text(max_size: int = 200):
    """Anything a browser or a script could send, NUL and control characters included."""
    return st.one_of(
        st.text(max_size=max_size),
        st.sampled_from(PAYLOADS),
        st.builds(lambda a, b: a + b, st.sampled_from(PAYLOADS), st.text(max_size=40)),
    )


def marked_web_text(max_size: int):
    """Anything a browser could send, between START and END so a page that reflects it can be read there."""
    return web_text(max_size).filter(unmarked).map(lambda text: f"{START}{text}{END}")


# --- reading pages as a user --------------------------------------------------------------------


@functools.cache
def shared_client() -> Client:
    # A new client loads the middleware again, WhiteNoise's scan of the static files included.
    return Client()


@pytest.fixture
def browse(world):
    """Read a URL as one of the world's users (or signed out), with the sessions made with the world."""
    client = shared_client()
    sessions = world.sessions

    def get(url: str, user: str | None = None, **extra):
        client.cookies = SimpleCookie()
        if user is not None:
            client.cookies["sessionid"] = sessions[user]
        response = client.get(url, **extra)
        if response.streaming:
            response.page = b"".join(response.streaming_content).decode()
        else:
            response.page = response.content.decode(errors="strict") if not is_pdf(response) else ""
        return response

    return get


def is_pdf(response) -> bool:
    return response.get("Content-Type", "").startswith("application/pdf")


def api_get(world, url: str, user: str = "managers"):
    client = shared_client()
    client.cookies = SimpleCookie()
    return client.get(url, HTTP_AUTHORIZATION=f"Token {world.tokens[user]}")


class Markup(HTMLParser):
    """Collect what would run in a browser: script elements and event-handler or javascript: attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_json_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            self.problems.append(f"inline <script {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"{name}={value!r} on <{tag}>")


JSON_SCRIPT = re.compile(r'<script id="[^"]*" type="application/json">(.*?)</script>', re.S)


def assert_runs_nothing(html: str) -> str:
    """Check that json_script blocks stay closed and nothing on the page would run; return the page without them."""
    # json_script blocks hold the text as JSON with < > & escaped; they must stay closed and parse.
    for block in JSON_SCRIPT.findall(html):
        assert "<" not in block and ">" not in block
        json.loads(block)
    html = JSON_SCRIPT.sub("", html)
    parser = Markup()
    parser.feed(html)
    assert not parser.problems, parser.problems
    return html


def assert_payload_escaped(html: str, text: str, *, where: str) -> None:
    """Check that the page shows the text's payload, and shows it escaped everywhere END follows it."""
    payload = text.partition(END)[0]
    expected = escape(payload)
    # A display that cuts the text short before END leaves no marker; the Markup check covers it.
    ends = [match.start() for match in re.finditer(END, html)]
    assert ends, f"{payload!r} is not shown in {where}"
    for end in ends:
        before = html[max(0, end - len(expected)) : end]
        assert before == expected, f"{payload!r} is not shown escaped in {where}: {before!r}"


def assert_escaped(response, text: str) -> None:
    """The page answered, shows the text's payload escaped, and holds no markup that the text made."""
    where = response.request["PATH_INFO"]
    assert response.status_code == 200, (response.status_code, where)
    assert_payload_escaped(assert_runs_nothing(response.page), text, where=where)


MENTION_SPAN = re.compile(r'<span class="mention">(@[\w.+-]+)</span>')


def assert_note_escaped(html: str, note, *, where: str) -> None:
    """Check that the note's own article shows its body escaped, whatever the rest of the page holds."""
    bodies = re.findall(
        rf'<article class="note[^"]*" id="note-{note.pk}"[^>]*>.*?<p class="note-body">(.*?)</p>\s*</article>',
        html,
        re.S,
    )
    assert bodies, f"note {note.pk} is not shown in {where}"
    for body in bodies:
        # The page's own markup in a note body is the highlight of an @mention; anything else came from the text.
        shown = MENTION_SPAN.sub(r"\1", body)
        assert shown == escape(note.body), f"note {note.pk} is not shown escaped in {where}: {shown[:200]!r}"


REFLECTED = re.compile(f"{START}((?:(?!{START}).)*?){END}", re.S)
# Outside markup, a reflected value may hold entities and URL escapes, never a bare < > " ' or &.
RAW_MARKUP = re.compile(r"[<>\"']|&(?!#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)")


def assert_reflections_escaped(html: str, sent: Iterable[str], *, where: str) -> None:
    """Check that the page reflects what was sent between START and END only escaped or URL-encoded."""
    typed = {text for value in sent for text in REFLECTED.findall(value)}
    for reflected in REFLECTED.findall(html):
        raw = RAW_MARKUP.search(reflected)
        assert raw is None, f"{raw.group()!r} is reflected unescaped in {where}: {reflected[:200]!r}"
        # Text already made of entities has no bare markup, so it is compared with what was sent.
        assert reflected in {escape(text) for text in typed} or unquote_plus(unescape(reflected)) in typed, (
            f"{reflected[:200]!r} in {where} is not what was sent, escaped"
        )


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.page, newline="")))


def spreadsheet_cell(text: str) -> str:
    """How the CSV exports write text people typed: quoted with ' where a spreadsheet would run it."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def rolled_back(check):
    """Run one example's writes and reads in a savepoint, then undo them."""

    @functools.wraps(check)
    def run(*args, **kwargs):
        with transaction.atomic():
            check(*args, **kwargs)
            transaction.set_rollback(True)

    return run


# --- notes ----------------------------------------------------------------------------------------


# A payload of one quote: every page holds some, so only the place right before END can tell.
@example(text=f"'{END} it's <b>")
@pytest.mark.fuzz
@PAGES
@given(text=typed(4900))
def test_notes_are_shown_escaped_everywhere(world, browse, text):
    @rolled_back
    def check():
        body = f"@matrix.invoicing {text}"
        try:
            note = note_create(project=world.project, body=body, pinned=True, by=world.users["production"])
        except ValidationFailed as refusal:
            # An @name in the text that is nobody's is refused as a whole; nothing is written.
            assert set(refusal.errors) == {"body"}
            assert not world.project.notes.filter(body=body.strip()).exists()
            return
        assert_escaped(browse(reverse("project-detail", args=[world.project.pk]), "sales"), text)
        # The invoicing rep is mentioned: the note and its notification are on the desk and in the inbox.
        assert_escaped(browse(reverse("desk"), "invoicing"), text)
        assert_escaped(browse(reverse("notification-inbox"), "invoicing"), text)
        answer = api_get(world, reverse("api-note-detail", args=[note.pk]))
        assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert answer.json()["body"] == note.body
        message = api_get(world, reverse("api-notification-list"), "invoicing").json()["results"][0]["message"]
        assert note.body[:40] in message

    check()


# Notes of one character that every page holds anyway: the check reads the note's own article only.
@example(text="'", pinned=False)
@example(text="<", pinned=True)
@example(text=">", pinned=False)
@example(text='"', pinned=True)
@example(text="&", pinned=False)
@pytest.mark.fuzz
@INPUTS
@given(text=web_text(6000), pinned=st.booleans())
def test_a_note_from_the_page_form_is_saved_or_refused_never_an_error(world, text, pinned):
    @rolled_back
    def check():
        client = shared_client()
        client.cookies = SimpleCookie()
        client.force_login(world.users["sales"])
        before = world.project.notes.count()
        data = {"body": text, **({"pinned": "on"} if pinned else {})}
        response = client.post(reverse("note-create", args=[world.project.pk]), data)
        if response.status_code == 302:
            assert world.project.notes.count() == before + 1
            page = client.get(response["Location"])
            assert page.status_code == 200
            note = world.project.notes.order_by("-id").first()
            # The new note is on the page, escaped, and made no markup.
            html = assert_runs_nothing(page.content.decode())
            assert_note_escaped(html, note, where=response["Location"])
        else:
            # Refused next to the field; nothing written.
            assert response.status_code == 400
            assert world.project.notes.count() == before

    check()


@pytest.mark.fuzz
@INPUTS
@given(text=web_text(6000))
def test_a_note_from_the_api_is_saved_or_refused_never_an_error(world, text):
    @rolled_back
    def check():
        client = shared_client()
        client.cookies = SimpleCookie()
        response = client.post(
            reverse("api-note-list"),
            {"project": world.project.pk, "body": text},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {world.tokens['sales']}",
        )
        assert response.status_code in (201, 400), response.content
        if response.status_code == 201:
            assert response.json()["body"] == text.strip()
        else:
            assert set(response.json()) <= {"body", "non_field_errors"}

    check()


# --- client names -----------------------------------------------------------------------------------


@pytest.mark.fuzz
@PAGES
@given(name=typed(200))
def test_client_names_are_shown_escaped_everywhere(world, browse, name):
    @rolled_back
    def check():
        world.client.name = name
        world.client.save(update_fields=["name"])
        world.invoice.bill_to_name = name
        world.invoice.save(update_fields=["bill_to_name"])
        pages = [
            (reverse("project-list"), "sales"),
            (reverse("project-detail", args=[world.project.pk]), "sales"),
            (reverse("purchase-order-list"), "production"),
            (reverse("purchase-order-detail", args=[world.po.pk]), "production"),
            (reverse("sales-order-detail", args=[world.order.pk]), "sales"),
            (reverse("invoice-detail", args=[world.invoice.pk]), "invoicing"),
            (reverse("desk"), "production"),  # open backorders with their client
            (reverse("desk"), "invoicing"),  # invoices not yet sent
            (reverse("invoice-report"), "invoicing"),
            (reverse("backorder-report"), "production"),
            (reverse("invoice-client-view", args=[world.client_token]), None),
        ]
        for url, user in pages:
            assert_escaped(browse(url, user), name)
        for url in (
            reverse("invoice-pdf", args=[world.invoice.pk]),
            reverse("invoice-client-pdf", args=[world.client_token]),
        ):
            pdf = browse(url, "invoicing")
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

        assert api_get(world, reverse("api-client-detail", args=[world.client.pk])).json()["name"] == name
        report = api_get(world, reverse("api-invoice-report"), "invoicing").json()
        assert [row["client_name"] for row in report["results"]] == [name]

        cell = spreadsheet_cell(name)
        invoices_csv = csv_rows(browse(reverse("invoice-report") + "?format=csv", "invoicing"))
        assert invoices_csv[1][invoices_csv[0].index("client")] == cell
        api_csv = csv_rows(browse(reverse("api-invoice-report") + "?format=csv", "invoicing"))
        assert api_csv[1][api_csv[0].index("client")] == cell
        backorders_csv = csv_rows(browse(reverse("backorder-report") + "?format=csv", "production"))
        assert backorders_csv[1][backorders_csv[0].index("client")] == cell

    check()


# --- item descriptions ----------------------------------------------------------------------------


@pytest.mark.fuzz
@PAGES
@given(description=typed(300))
def test_item_descriptions_are_shown_escaped_everywhere(world, browse, description):
    @rolled_back
    def check():
        world.mugs.description = description
        world.mugs.save(update_fields=["description"])
        InvoiceLine.objects.filter(invoice=world.invoice, sales_order_item=world.mugs).update(description=description)
        pages = [
            (reverse("sales-order-detail", args=[world.order.pk]), "sales"),
            (reverse("purchase-order-detail", args=[world.po.pk]), "production"),  # with the flag form's JSON
            (reverse("project-detail", args=[world.project.pk]), "sales"),  # open backorders
            (reverse("desk"), "production"),
            (reverse("invoice-detail", args=[world.invoice.pk]), "invoicing"),
            (reverse("backorder-report"), "production"),
            (reverse("invoice-client-view", args=[world.client_token]), None),
        ]
        for url, user in pages:
            assert_escaped(browse(url, user), description)
        pdf = browse(reverse("invoice-pdf", args=[world.invoice.pk]), "invoicing")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")

        order = api_get(world, reverse("api-sales-order-detail", args=[world.order.pk])).json()
        assert description in [item["description"] for item in order["items"]]
        invoice = api_get(world, reverse("api-invoice-detail", args=[world.invoice.pk])).json()
        assert description in [line["description"] for line in invoice["lines"]]
        backorders_csv = csv_rows(browse(reverse("backorder-report") + "?format=csv", "production"))
        assert backorders_csv[1][backorders_csv[0].index("item")] == spreadsheet_cell(description)

    check()


# --- report filters -------------------------------------------------------------------------------

# Values a hand-edited URL could hold: typed text (marked, so a page that reflects it can be read
# there), and the shapes the report's own links use, bent.
huge = st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from([2**63, 2**63 - 1, -(2**63), 10**30])
filter_value = st.one_of(
    marked_web_text(80),
    st.sampled_from(["-date", "client", "-total", "number", "last", "yes", "no", "this_month", "2026-02-30", "0"]),
    huge.map(str),
)
cursor_key = st.one_of(
    marked_web_text(30),
    st.sampled_from(["NaN", "-Infinity", "sNaN", "1e999999", "9999999999999.99", "9999-12-31", "0001-01-01", "\x00"]),
    huge.map(str),
)
cursor = st.builds(lambda key, sequence: f"{key}~{sequence}", cursor_key, huge | st.integers(0, 50))
SORT_VALUES = st.sampled_from(["date", "-date", "number", "-number", "client", "-client", "total", "-total", "?"])

invoice_report_query = st.fixed_dictionaries(
    {"sort": SORT_VALUES},
    optional={
        "after": cursor,
        "before": cursor,
        "page": st.sampled_from(["last", "1"]) | filter_value,
        "size": filter_value,
        "date_from": filter_value,
        "date_to": filter_value,
        "client": filter_value,
        "rep": filter_value,
        "status": filter_value,
        "kind": filter_value,
        "has_remaining": filter_value,
        "period": filter_value,
    },
)
backorder_report_query = st.fixed_dictionaries(
    {}, optional={"supplier": filter_value, "client": filter_value, "overdue": filter_value, "page": filter_value}
)


def assert_filters_page_safe(response, params: dict) -> str:
    """The page answered 200 or 400, runs nothing, and reflects no typed value as markup; return its HTML."""
    assert response.status_code in (200, 400), response.status_code
    html = assert_runs_nothing(response.content.decode())
    assert_reflections_escaped(html, params.values(), where=response.request["PATH_INFO"])
    return html


def signed_in(user: User) -> Client:
    client = shared_client()
    client.cookies = SimpleCookie()
    client.force_login(user)
    return client


def read_all(response) -> None:
    if response.streaming:
        b"".join(response.streaming_content)


# Found by this test: cursors PostgreSQL cannot compare (NUL, NaN, beyond numeric(14, 2)) answered 500.
@example(params={"sort": "client", "after": "\x00~1"}, csv_export=False)
@example(params={"sort": "-client", "before": "a\x00b~1"}, csv_export=False)
@example(params={"sort": "total", "after": "NaN~1"}, csv_export=False)
@example(params={"sort": "total", "after": "-Infinity~1"}, csv_export=False)
@example(params={"sort": "total", "after": "1e999999~1"}, csv_export=False)
@example(params={"sort": "number", "after": f"{10**30}~{10**30}"}, csv_export=False)
@pytest.mark.fuzz
@INPUTS
@given(params=invoice_report_query, csv_export=st.booleans())
def test_invoice_report_filters_never_break_the_page(world, params, csv_export):
    client = signed_in(world.users["invoicing"])
    data = {**params, **({"format": "csv"} if csv_export else {})}
    response = client.get(reverse("invoice-report"), data)
    if response.streaming:
        read_all(response)
        assert response.status_code == 200
    else:
        assert_filters_page_safe(response, params)


@pytest.mark.fuzz
@INPUTS
@given(params=invoice_report_query, csv_export=st.booleans())
def test_api_invoice_report_filters_answer_200_or_400(world, params, csv_export):
    client = shared_client()
    client.cookies = SimpleCookie()
    data = {**params, **({"format": "csv"} if csv_export else {})}
    response = client.get(reverse("api-invoice-report"), data, HTTP_AUTHORIZATION=f"Token {world.tokens['invoicing']}")
    # 404: a page number past the last.
    assert response.status_code in (200, 400, 404), response.status_code
    if response.streaming:
        read_all(response)
    elif response.status_code != 200 or not csv_export:
        assert response["Content-Type"] == "application/json"
        response.json()


# Found by this test: a page number past 2**63 overflowed the query's offset (500).
@example(params={"page": str(10**30)}, csv_export=False)
@example(params={"page": str(2**63 - 1)}, csv_export=False)
@pytest.mark.fuzz
@INPUTS
@given(params=backorder_report_query, csv_export=st.booleans())
def test_backorder_report_filters_never_break_the_page(world, params, csv_export):
    client = signed_in(world.users["production"])
    data = {**params, **({"format": "csv"} if csv_export else {})}
    response = client.get(reverse("backorder-report"), data)
    if response.streaming:
        read_all(response)
        assert response.status_code == 200
    else:
        assert_filters_page_safe(response, params)


# Searches that every page holds as markup of its own: only what sits between the markers is read.
@example(q="</a>", rep="'", client_filter='"><', page="&")
@example(q="<div", rep="</td>", client_filter="' ", page='" ')
@pytest.mark.fuzz
@INPUTS
@given(q=marked_web_text(120), rep=filter_value, client_filter=filter_value, page=filter_value)
def test_list_page_filters_never_break_the_page(world, q, rep, client_filter, page):
    client = signed_in(world.users["sales"])
    params = {"q": q, "rep": rep, "client": client_filter, "page": page}
    html = assert_filters_page_safe(client.get(reverse("project-list"), params), params)
    # The search box shows what was typed, escaped.
    assert f'name="q" value="{escape(q)}"' in html
    params = {"stage": q, "status": rep, "supplier": client_filter, "page": page}
    assert_filters_page_safe(client.get(reverse("purchase-order-list"), params), params)
    params = {"unread": q, "page": page}
    assert_filters_page_safe(client.get(reverse("notification-inbox"), params), params)


API_LIST_FILTERS = {
    "api-project-list": ("client", "rep", "q"),
    "api-sales-order-list": ("project", "status", "billing_status"),
    "api-purchase-order-list": ("project", "sales_order", "supplier", "stage", "status"),
    "api-backorder-list": ("status", "supplier", "project", "purchase_order", "overdue"),
    "api-note-list": ("project", "pinned"),
    "api-invoice-list": ("sales_order", "project", "status", "kind"),
    "api-notification-list": ("unread", "kind"),
}


@pytest.mark.fuzz
@INPUTS
@given(
    name=st.sampled_from(sorted(API_LIST_FILTERS)),
    values=st.lists(filter_value, min_size=1, max_size=3),
    page=st.none() | filter_value,
)
def test_api_list_filters_answer_200_400_or_404(world, name, values, page):
    params = dict(zip(API_LIST_FILTERS[name], values, strict=False))
    if page is not None:
        params["page"] = page
    client = shared_client()
    client.cookies = SimpleCookie()
    response = client.get(reverse(name), params, HTTP_AUTHORIZATION=f"Token {world.tokens['managers']}")
    assert response.status_code in (200, 400, 404), (name, params, response.status_code)
    assert response["Content-Type"] == "application/json"
    response.json()


# --- the checks themselves ------------------------------------------------------------------------

# A page full of quotes, angle brackets and ampersands of its own, showing a value as text and in an attribute.
PAGE = (
    "<!doctype html><html lang=\"en\"><body><a href='/x' title=\"Tom's & Jerry's\">it's</a>"
    '<p class="shown">{{ value%s }}</p><input name="q" value="{{ value%s }}"></body></html>'
)
ESCAPING_PAGE = Template(PAGE % ("", ""))
UNESCAPED_PAGE = Template(PAGE % ("|safe", "|safe"))
# Bare characters that every page holds: the whole-page search of old failed on them without any defect.
BARE = ("'", '"', "<", ">", "&")
MARKUP_PAYLOADS = [payload for payload in PAYLOADS if MARKUP.search(payload)] + list(BARE)


@pytest.mark.parametrize("payload", MARKUP_PAYLOADS)
def test_the_payload_check_passes_an_escaping_page_and_catches_one_that_does_not_escape(payload):
    text = f"{payload}{END} and more, it's <b>"
    assert_payload_escaped(ESCAPING_PAGE.render(Context({"value": text})), text, where="/escaping/")

    unescaped = UNESCAPED_PAGE.render(Context({"value": text}))
    before = unescaped[: unescaped.index(END)][-len(escape(payload)) :]
    with pytest.raises(AssertionError) as failure:
        assert_payload_escaped(unescaped, text, where="/unescaped/")
    assert str(failure.value).startswith(f"{payload!r} is not shown escaped in /unescaped/: {before!r}")

    # mark_safe in a view is the same defect as |safe in a template.
    marked_safe = ESCAPING_PAGE.render(Context({"value": mark_safe(text)}))  # noqa: S308 - the defect under test
    with pytest.raises(AssertionError, match="is not shown escaped in /marked-safe/"):
        assert_payload_escaped(marked_safe, text, where="/marked-safe/")


def test_the_payload_check_fails_a_page_that_does_not_show_the_text():
    with pytest.raises(AssertionError) as failure:
        assert_payload_escaped(ESCAPING_PAGE.render(Context({"value": "something else"})), f"'{END}", where="/x/")
    assert str(failure.value).startswith('"\'" is not shown in /x/')


def render_note(body: str, *, template: Template | None = None) -> str:
    """Render the project page's note partial (or a copy of it) for a note that needs no database."""
    note = SimpleNamespace(
        pk=7,
        body=body,
        pinned=True,
        created_at=None,
        author=SimpleNamespace(username="pat", get_full_name=lambda: "Pat O'Brien <production>"),
    )
    template = template or get_template("projects/_note.html").template
    return template.render(Context({"note": note}))


@pytest.mark.parametrize("body", [*BARE, *(payload for payload in PAYLOADS if MARKUP.search(payload)), "@ivy it's"])
def test_the_note_check_passes_the_note_partial_and_catches_a_copy_that_does_not_escape(body):
    note = SimpleNamespace(pk=7, body=body)
    assert_note_escaped(render_note(body), note, where="/escaping/")

    source = get_template("projects/_note.html").template.source
    assert "{{ note.body|render_note_body }}" in source
    unescaped = Template(source.replace("{{ note.body|render_note_body }}", "{{ note.body|safe }}"))
    with pytest.raises(AssertionError, match="^note 7 is not shown escaped in /unescaped/: "):
        assert_note_escaped(render_note(body, template=unescaped), note, where="/unescaped/")


@pytest.mark.parametrize("value", [*BARE, *(payload for payload in PAYLOADS if MARKUP.search(payload))])
def test_the_reflection_check_passes_an_escaping_page_and_catches_one_that_does_not_escape(value):
    marked = f"{START}{value}{END}"
    assert_reflections_escaped(ESCAPING_PAGE.render(Context({"value": marked})), [marked], where="/escaping/")
    # A URL-encoded reflection (a pagination link) holds no markup either.
    link = f'<a href="?q={START}{quote_plus(value)}{END}&amp;page=2">2</a>'
    assert_reflections_escaped(link, [marked], where="/link/")

    unescaped = UNESCAPED_PAGE.render(Context({"value": marked}))
    raw = RAW_MARKUP.search(value)
    with pytest.raises(AssertionError) as failure:
        assert_reflections_escaped(unescaped, [marked], where="/unescaped/")
    if raw:
        assert str(failure.value).startswith(f"{raw.group()!r} is reflected unescaped in /unescaped/: {value!r}")
    else:  # entities only, as if already escaped: shown raw, they read as other text
        assert str(failure.value).startswith(f"{value!r} in /unescaped/ is not what was sent, escaped")

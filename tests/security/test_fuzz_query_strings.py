"""Whatever a URL's query string holds, no page and no API list answers with a server error.

The GET parameters are found from the code, so a new page, API list or parameter is fuzzed without
an entry here:

- the URLs come from the URL configuration (the router's included), each with the ids and the user
  the authorization matrix gives it (tests/security/test_authorization_matrix.py's ROUTES);
- the parameters of each URL are the names its view reads: every URL is asked once with the reads of
  its query string recorded (request.GET and DRF's query_params, through forms and filtersets too),
  together with the query parameters the OpenAPI schema documents (django-filter filtersets,
  pagination, extend_schema);
- what kind of value each name takes (a date, a number, a choice) comes from the forms and filtersets
  of the desk's apps and from the schema.

hypothesis then sends each URL dates from year 1 to 9999, huge and negative numbers, unknown choices,
repeated keys, empty values and odd unicode. A 5xx, or an exception out of the test client, fails.
The world is built once; each example runs in a savepoint that is rolled back.
"""

import functools
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from http.cookies import SimpleCookie
from urllib.parse import quote_plus

import django.core.handlers.wsgi
import pytest
from django import forms
from django.conf import settings
from django.db import transaction
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django_filters import filterset
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.hypothesis_profiles import examples
from tests.security.conftest import SIGNED_OUT, World
from tests.security.test_authorization_matrix import API, ROUTES, SITE_URLS, Found, Route

pytestmark = pytest.mark.fuzz

APPS = ("accounts", "projects", "backorders", "invoicing", "notifications", "config")

# --- the URLs and who reads them ------------------------------------------------------------------

# Who asks: the widest reader the matrix allows, so the view goes as far as it can with the values.
READERS = ("managers", "superuser", "invoicing", "production", "sales", "no_role")


@dataclass
class Target:
    name: str
    url: str
    kind: str
    user: str
    params: set[str] = field(default_factory=set)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.url})"


def reader(route: Route) -> str:
    allowed = route.methods["GET"].who
    if SIGNED_OUT in allowed:
        # Open to everyone (sign-in, health, the client's link): read as a stranger would.
        return SIGNED_OUT
    return next(user for user in READERS if user in allowed)


def get_urls() -> list[Found]:
    return [found for found in SITE_URLS if "GET" in ROUTES[found.key].methods]


def targets(world: World) -> list[Target]:
    found = []
    for url in get_urls():
        route = ROUTES[url.key]
        kwargs = route.kwargs(world)
        if url.format_suffix:
            continue  # a router's .json variant reads what its base URL reads
        found.append(Target(url.name, reverse(url.name, kwargs=kwargs), route.kind, reader(route)))
    return found


# --- which names each URL reads --------------------------------------------------------------------


class RecordingQueryDict(QueryDict):
    """A request's query string that notes every name a view, form or filterset asks it for."""

    read: set[str] | None = None  # set while recording; copies share it, as they share the class

    def _note(self, key):
        if RecordingQueryDict.read is not None and isinstance(key, str):
            RecordingQueryDict.read.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)

    def pop(self, key, *args):
        self._note(key)
        return super().pop(key, *args)


@contextmanager
def recording_reads(monkeypatch) -> Iterator[set[str]]:
    read: set[str] = set()
    monkeypatch.setattr(django.core.handlers.wsgi, "QueryDict", RecordingQueryDict)
    RecordingQueryDict.read = read
    try:
        yield read
    finally:
        RecordingQueryDict.read = None
        monkeypatch.undo()


# A name no view reads: it makes request.GET non-empty, so `Form(request.GET or None)` binds and reads its fields.
PROBE = "fuzz-probe"


def schema_parameters() -> dict[str, dict[str, dict]]:
    """The query parameters the OpenAPI schema documents for each GET path: {path: {name: schema}}."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found: dict[str, dict[str, dict]] = {}
    for path, operations in schema["paths"].items():
        parameters = operations.get("get", {}).get("parameters", [])
        found[path] = {p["name"]: p.get("schema", {}) for p in parameters if p.get("in") == "query"}
    return found


def schema_path_of(url: str, paths: dict) -> str | None:
    """The schema's templated path ("/api/invoices/{id}/payments/") that a concrete URL matches."""
    for path in paths:
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"
        if re.match(pattern, url):
            return path
    return None


# --- what kind of value each name takes -------------------------------------------------------------

DATE, NUMBER, CHOICE, TEXT = "date", "number", "choice", "text"


def _subclasses(cls) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _form_field_kind(form_field) -> str:
    if isinstance(form_field, forms.DateField | forms.DateTimeField) or "Updated" in type(form_field).__name__:
        return DATE
    if isinstance(form_field, forms.ModelChoiceField | forms.IntegerField | forms.DecimalField):
        return NUMBER
    if isinstance(form_field, forms.TypedChoiceField) and form_field.coerce is int:
        return NUMBER
    if isinstance(form_field, forms.ChoiceField | forms.NullBooleanField | forms.BooleanField):
        return CHOICE
    return TEXT


@functools.cache
def code_catalogue() -> tuple[dict[str, set[str]], frozenset[str]]:
    """Each parameter name's kinds, and every choice value, from the desk's forms and filtersets."""
    kinds: dict[str, set[str]] = defaultdict(set)
    choices: set[str] = {"csv", "xlsx", "json", "pdf", "last", "yes", "no", "true", "false", "1", "0", "on"}
    declared = [
        (form.__module__, form.base_fields) for form in _subclasses(forms.BaseForm) if hasattr(form, "base_fields")
    ]
    for flt in _subclasses(filterset.BaseFilterSet):
        fields = {name: f.field_class(**f.extra) for name, f in flt.base_filters.items() if f.field_class}
        declared.append((flt.__module__, fields))
    for module, fields in declared:
        if module.split(".")[0] not in APPS:
            continue
        for name, form_field in fields.items():
            kinds[name].add(_form_field_kind(form_field))
            for value, _ in getattr(form_field, "choices", None) or []:
                if isinstance(value, str | int) and not isinstance(value, bool):
                    choices.add(str(value))
    return dict(kinds), frozenset(choices)


def kinds_of(name: str, schema: dict | None) -> set[str]:
    kinds = set(code_catalogue()[0].get(name, ()))
    if schema:
        if schema.get("format") in ("date", "date-time") or "oneOf" in schema:
            kinds.add(DATE)
        if schema.get("type") in ("integer", "number"):
            kinds.add(NUMBER)
        if "enum" in schema or schema.get("type") == "boolean":
            kinds.add(CHOICE)
    if re.search(r"date|_from$|_to$|as_of|since", name):
        kinds.add(DATE)
    if name in ("page", "page_size", "size") or name.endswith("_id"):
        kinds.add(NUMBER)
    return kinds or {TEXT}


# --- the values ------------------------------------------------------------------------------------

FIRST_DAY, LAST_DAY = date(1, 1, 1), date(9999, 12, 31)
ODD_DATES = (
    "0001-01-01",
    "9999-12-31",
    "0000-01-01",
    "10000-01-01",
    "2026-02-30",
    "2026-13-01",
    "-2026-01-01",
    "2026-1-1",
    "20260101",
    "2026-05-01T09:30:00+02:00",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "2026-05-01T09:30:00",
    "2026-05-01 25:00",
)
ODD_NUMBERS = (
    "0",
    "-1",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "1" + "0" * 30,
    "1e999",
    "NaN",
    "-Infinity",
    "1_000",
    "١٢",
    " 12",
    "12 ",
    "1.5",
    "0x10",
    "+1",
    "9" * 5000,
)
ODD_TEXT = ("", " ", "\x00", "%", "\u202e", "\ud800", "🎉", "Ⅻ", "ﬁ", "İ", "\u0301", "a" * 3000, "<b>", "' OR 1=1 --")

dates = st.one_of(
    st.dates(min_value=FIRST_DAY, max_value=LAST_DAY).map(date.isoformat),
    st.sampled_from(ODD_DATES),
    # Moments near the ends of time with an offset that carries them past the end once turned to UTC.
    st.builds(
        lambda moment, offset: moment.isoformat() + offset,
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
        st.sampled_from(["Z", "+00:00", "-23:59", "+14:00", ""]),
    ),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.integers(min_value=-3, max_value=60).map(str),
    st.sampled_from(ODD_NUMBERS),
)
text = st.one_of(st.text(max_size=40), st.sampled_from(ODD_TEXT))


def choices_strategy():
    return st.one_of(st.sampled_from(sorted(code_catalogue()[1])), text)


def value_strategy(kinds: set[str]):
    """Values of the name's own kinds first, and any other kind now and then."""
    own = {DATE: dates, NUMBER: numbers, CHOICE: choices_strategy(), TEXT: text}
    preferred = [own[kind] for kind in sorted(kinds)]
    anything = st.one_of(dates, numbers, choices_strategy(), text)
    return st.one_of(*preferred, *preferred, anything)


def query_strategy(params: dict[str, set[str]]):
    """A list of (name, value) pairs: known names (some repeated, some empty) and now and then an unknown one."""
    names = sorted(params)
    pairs = [st.tuples(st.just(name), value_strategy(kinds)) for name, kinds in params.items()]
    unknown = st.tuples(st.one_of(text, st.sampled_from(["page", "format", "sort", "q"])), text)
    pair = st.one_of(*pairs, unknown) if names else unknown
    return st.lists(pair, max_size=6 if names else 3)


def encode(pairs: list[tuple[str, str]]) -> str:
    # Lone surrogates go out as the (invalid) UTF-8 a careless client would send; the server must cope.
    return "&".join(
        f"{quote_plus(key, errors='surrogatepass')}={quote_plus(value, errors='surrogatepass')}" for key, value in pairs
    )


# --- asking ----------------------------------------------------------------------------------------


@functools.cache
def shared_client() -> Client:
    return Client()


class Asker:
    """GET a URL as one of the world's users: a session cookie for pages, a token for the API."""

    def __init__(self, world: World):
        self.world = world
        self.cookies: dict[str, str] = {}

    def cookie(self, user: str) -> str:
        if user not in self.cookies:
            client = Client()
            client.force_login(self.world.users[user])
            self.cookies[user] = client.cookies[settings.SESSION_COOKIE_NAME].value
        return self.cookies[user]

    def get(self, target: Target, query: str):
        client = shared_client()
        client.cookies = SimpleCookie()
        headers = {}
        if target.user != SIGNED_OUT:
            if target.kind == API:
                headers["HTTP_AUTHORIZATION"] = f"Token {self.world.tokens[target.user]}"
            else:
                client.cookies[settings.SESSION_COOKIE_NAME] = self.cookie(target.user)
        with transaction.atomic():
            response = client.get(f"{target.url}?{query}" if query else target.url, **headers)
            if response.streaming:
                response.body = b"".join(response.streaming_content)
            else:
                response.body = response.content
            transaction.set_rollback(True)
        return response


# Values that switch a view onto another path (a download, the last page, a yes/no filter), where it may
# read names it does not read otherwise: ?bom= only with ?format=csv.
SWITCHES = ("csv", "xlsx", "last", "1")


def discover(world: World, monkeypatch) -> list[tuple[Target, dict[str, set[str]]]]:
    """Every GET URL with the names its view reads and what kind of value each takes."""
    asker = Asker(world)
    schema = schema_parameters()
    found = []
    for target in targets(world):
        documented = schema.get(schema_path_of(target.url, schema) or "", {}) if target.kind == API else {}
        with recording_reads(monkeypatch) as read:
            asker.get(target, f"{PROBE}=1")
        names = (read | set(documented)) - {PROBE}
        # Again with each switch in each name that takes a choice or text, one name at a time: a value
        # that one form refuses would stop the view before it reads further.
        switchable = [name for name in sorted(names) if kinds_of(name, documented.get(name)) & {CHOICE, TEXT}]
        with recording_reads(monkeypatch) as read:
            for name in switchable:
                for value in SWITCHES:
                    asker.get(target, encode([(name, value)]))
        names |= read
        target.params = names
        found.append((target, {name: kinds_of(name, documented.get(name)) for name in sorted(names)}))
    return found


def example_count(target: Target, params: dict) -> int:
    """More examples where there is more to read; a few where the URL reads nothing (or draws the schema)."""
    if target.name == "api-schema":
        return examples(2)
    if not params:
        return examples(3)
    return examples(min(30, 6 + 4 * len(params)))


# The ends of each kind, tried on every name before hypothesis draws: the values a careless or hostile
# hand-edited URL holds first. A date also goes with each download, whose own arithmetic may overflow.
EDGES = {
    DATE: ("0001-01-01", "9999-12-31", "0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"),
    NUMBER: ("-1", "9223372036854775808", "١٢", "1e999"),
    CHOICE: ("no-such-choice",),
    TEXT: ("\x00",),
}
DOWNLOADS = ("csv", "xlsx")


def edge_examples(params: dict[str, set[str]]) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    downloads = [[("format", download)] for download in DOWNLOADS] if "format" in params else []
    for name, kinds in params.items():
        for kind in sorted(kinds):
            for value in EDGES[kind]:
                found.append([(name, value)])
                if kind == DATE and value[:4] in ("0001", "9999"):
                    found += [[(name, value), *download] for download in downloads]
        found.append([(name, ""), (name, "x")])  # empty, then repeated with another value
    return found


HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def fuzz(target: Target, params: dict[str, set[str]], asker: Asker) -> int:
    """Send the URL hypothesis's query strings; return how many it sent."""
    sent = 0

    @hypothesis_settings(max_examples=example_count(target, params), deadline=None, suppress_health_check=HEALTH)
    @given(pairs=query_strategy(params))
    def ask(pairs):
        nonlocal sent
        sent += 1
        query = encode(pairs)
        try:
            response = asker.get(target, query)
        except Exception as error:  # noqa: BLE001 - reported with the URL, as the 500 it would be
            raise AssertionError(f"GET {target.url}?{query} raised {error!r}") from error
        assert response.status_code < 500, f"GET {target.url}?{query} answered {response.status_code}"

    for pairs in edge_examples(params):
        ask = example(pairs=pairs)(ask)
    ask()
    return sent


# Names each of these URLs is known to read: should the recording break, the fuzz would send nothing useful.
KNOWN = {
    "invoice-aging": {"as_of", "format", "bom"},
    "supplier-performance": {"date_from", "date_to", "sort", "format", "bom"},
    "invoice-report": {"date_from", "date_to", "client", "rep", "status", "kind", "sort", "page", "size", "format"},
    "backorder-report": {"supplier", "client", "overdue", "expected_from", "expected_to", "dated", "page", "format"},
    "project-list": {"q", "client", "rep", "page"},
    "api-invoice-list": {"updated_since", "cursor", "page", "page_size", "status", "kind", "project"},
    "api-invoice-report": {"date_from", "date_to", "cursor", "page", "page_size", "format", "bom"},
}


def test_every_get_parameter_of_every_page_and_api_list_never_answers_a_server_error(world, monkeypatch, capsys):
    discovered = discover(world, monkeypatch)
    read = {target.name: set(params) for target, params in discovered}
    missed = {
        name: sorted(names - read.get(name, set())) for name, names in KNOWN.items() if names - read.get(name, set())
    }
    assert not missed, f"parameters the discovery no longer finds: {missed}"
    asker = Asker(world)
    total, failures = 0, []
    for target, params in discovered:
        try:
            total += fuzz(target, params, asker)
        except Exception as failure:  # noqa: BLE001 - every URL is tried, then every failure is shown
            failures.append(f"{target.label}: {failure}")
    with capsys.disabled():
        print(
            f"\nGET fuzz: {total} examples over {len(discovered)} URLs "
            f"({sum(len(params) for _, params in discovered)} parameters), {len(failures)} with a server error"
        )
    assert not failures, "\n".join(failures)
    assert total >= 1000

"""Supplier performance: every figure worked out by hand, the period's edges, sorting, the page and its downloads.

The figures' clock is handed to the selector (today = Tuesday Mar 10, 2026 in Chicago); the page
reads the real day, so its data is dated relative to it and uses resolved backorders, whose days
late do not depend on today.
"""

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from backorders.models import Backorder
from backorders.services import backorder_expected_date_change
from purchasing.models import PurchaseOrder, PurchaseOrderItem
from reports.supplier_performance import (
    CSV_COLUMNS,
    Period,
    SupplierPerformance,
    _p90_in_python,
    percentile_cont,
    sorted_rows,
    supplier_performance,
)
from tests.factories import PurchaseOrderFactory, PurchaseOrderItemFactory, SupplierFactory
from tests.pages.helpers import error_next_to
from tests.reports.conftest import signed_in

CHICAGO = ZoneInfo("America/Chicago")
TODAY = date(2026, 3, 10)
JANUARY = Period(date(2026, 1, 1), date(2026, 1, 31))
OPEN, RESOLVED, CANCELLED = Backorder.Status.OPEN, Backorder.Status.RESOLVED, Backorder.Status.CANCELLED
URL = "/suppliers/performance/"


@pytest.fixture(autouse=True)
def company_zone(settings):
    settings.TIME_ZONE = "America/Chicago"


def local(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


def po_lines(supplier, *, dated: datetime, count: int) -> list[PurchaseOrderItem]:
    """A PO to the supplier written at `dated`, with `count` lines."""
    po = PurchaseOrderFactory(supplier=supplier)
    PurchaseOrder.objects.filter(pk=po.pk).update(created_at=dated)  # created_at is set on insert
    return [PurchaseOrderItemFactory(purchase_order=po, quantity=10) for _ in range(count)]


def backorder(
    line: PurchaseOrderItem,
    *,
    first: date | None,
    expected: date | None = None,
    status: str = OPEN,
    closed: datetime | None = None,
    moves: int = 0,
) -> Backorder:
    """A backorder as the desk keeps it: the first promised date, the current one, its moves and its end."""
    return Backorder.objects.create(
        purchase_order=line.purchase_order,
        purchase_order_item=line,
        quantity=1,
        expected_date=expected or first,
        first_expected_date=first,
        expected_date_changes=moves,
        reason="Short at the supplier",
        status=status,
        closed_at=closed,
        raised_by=line.purchase_order.project.production_rep,
    )


@pytest.fixture
def january(db):
    """Acme, Bolt and Crown, with POs on both sides of January's edges (Chicago days, not UTC ones)."""
    acme, bolt, crown = (SupplierFactory(name=name) for name in ("Acme Mugs", "Bolt Bags", "Crown Caps"))
    # Acme: three lines on Jan 1 at 00:30 and two on Jan 31 at 23:30 (Feb 1 in UTC): all five in January.
    l1, l2, l3 = po_lines(acme, dated=local(2026, 1, 1, 0, 30), count=3)
    po_lines(acme, dated=local(2026, 1, 31, 23, 30), count=2)
    # Resolved Feb 21 at 21:00 in Chicago (Feb 22 in UTC), promised Feb 1: 20 days late; moved twice.
    backorder(l1, first=date(2026, 2, 1), status=RESOLVED, closed=local(2026, 2, 21, 21), moves=2)
    # Open, promised Mar 5: 5 days late today (Mar 10).
    backorder(l2, first=date(2026, 3, 5))
    # Cancelled: never late however old its date, though its one move counts.
    backorder(l2, first=date(2026, 1, 1), status=CANCELLED, closed=local(2026, 1, 20), moves=1)
    # Resolved two days early: 0, not -2.
    backorder(l3, first=date(2026, 2, 20), status=RESOLVED, closed=local(2026, 2, 18))
    # Written by bulk seeding without a first date: its expected date (Feb 28) stands in: 10 days late.
    backorder(l3, first=None, expected=date(2026, 2, 28))
    # Outside January by a Chicago half hour either way: Dec 31 23:30 (Jan 1 in UTC) and Feb 1 00:10.
    (december,) = po_lines(acme, dated=local(2025, 12, 31, 23, 30), count=1)
    backorder(december, first=date(2025, 12, 1), moves=4)
    (february,) = po_lines(acme, dated=local(2026, 2, 1, 0, 10), count=1)
    backorder(february, first=date(2026, 2, 2), moves=3)
    # Bolt: two lines, nothing backordered.
    po_lines(bolt, dated=local(2026, 1, 15), count=2)
    # Crown: a PO in February only, backordered: nothing of it is in January.
    (crown_line,) = po_lines(crown, dated=local(2026, 2, 10), count=1)
    backorder(crown_line, first=date(2026, 2, 11))
    return acme, bolt, crown


def by_name(rows: list[SupplierPerformance]) -> dict[str, SupplierPerformance]:
    return {row.supplier_name: row for row in rows}


# --- the figures ----------------------------------------------------------------------------------


def test_figures_worked_out_by_hand(january):
    rows = by_name(supplier_performance(period=JANUARY, today=TODAY))
    acme = rows["Acme Mugs"]
    # 5 lines in January, 3 of them with a backorder: 60 %.
    assert (acme.po_lines, acme.backordered_lines, acme.backorders) == (5, 3, 5)
    assert acme.share_backordered == 60.0
    # Days late 20, 5, 0 and 10 (the cancelled one left out): average 35 / 4 = 8.75; p90 at
    # 0.9 × (4 − 1) = 2.7 of [0, 5, 10, 20]: 10 + 0.7 × (20 − 10) = 17.
    assert acme.lateness_counted == 4
    assert acme.average_days_late == pytest.approx(8.75)
    assert acme.p90_days_late == pytest.approx(17.0)
    # Moves 2 + 0 + 1 + 0 + 0 = 3 over 5 backorders; 2 of the 5 moved at least once.
    assert (acme.date_moves, acme.backorders_moved) == (3, 2)
    assert acme.moves_per_backorder == pytest.approx(0.6)
    assert acme.share_moved == 40.0
    # Shown half up: 8.75 is 8.8.
    assert acme.shown() == {
        "share_backordered": Decimal("60.0"),
        "average_days_late": Decimal("8.8"),
        "p90_days_late": Decimal("17.0"),
        "moves_per_backorder": Decimal("0.60"),
        "share_moved": Decimal("40.0"),
    }


def test_a_supplier_without_backorders_shows_zero_percent(january):
    bolt = by_name(supplier_performance(period=JANUARY, today=TODAY))["Bolt Bags"]
    assert (bolt.po_lines, bolt.backordered_lines, bolt.backorders) == (2, 0, 0)
    assert bolt.shown() == {
        "share_backordered": Decimal("0.0"),
        "average_days_late": None,
        "p90_days_late": None,
        "moves_per_backorder": None,
        "share_moved": None,
    }


def test_a_supplier_without_pos_in_the_period_is_listed_with_nothing_to_measure(january):
    crown = by_name(supplier_performance(period=JANUARY, today=TODAY))["Crown Caps"]
    assert (crown.po_lines, crown.backorders, crown.share_backordered, crown.p90_days_late) == (0, 0, None, None)


def test_the_period_edges_are_chicago_days(january):
    # Dec 31 at 23:30 in Chicago is Jan 1 in UTC; it belongs to December's period, with its backorder.
    december = by_name(supplier_performance(period=Period(date(2025, 12, 31), date(2025, 12, 31)), today=TODAY))
    acme = december["Acme Mugs"]
    # Promised Dec 1, open on Mar 10: 99 days late; its 4 moves.
    assert (acme.po_lines, acme.backorders, acme.date_moves) == (1, 1, 4)
    assert acme.average_days_late == acme.p90_days_late == pytest.approx(99.0)
    # One day, Jan 31: the two lines written at 23:30 that evening, no backorders.
    last_day = by_name(supplier_performance(period=Period(date(2026, 1, 31), date(2026, 1, 31)), today=TODAY))
    assert (last_day["Acme Mugs"].po_lines, last_day["Acme Mugs"].backorders) == (2, 0)
    # January and February together: Acme's 6 lines, of which 4 backordered (the February PO's too).
    both = by_name(supplier_performance(period=Period(date(2026, 1, 1), date(2026, 2, 28)), today=TODAY))
    assert (both["Acme Mugs"].po_lines, both["Acme Mugs"].backordered_lines) == (6, 4)
    assert (both["Crown Caps"].po_lines, both["Crown Caps"].backordered_lines) == (1, 1)


def test_open_lateness_runs_to_today_and_resolved_lateness_stops(january):
    # A week later the open ones (promised Mar 5 and Feb 28) are 7 days later; the resolved ones are not.
    later = by_name(supplier_performance(period=JANUARY, today=TODAY + timedelta(days=7)))["Acme Mugs"]
    # Days late 20, 12, 0, 17: average 49 / 4 = 12.25; p90 at 2.7 of [0, 12, 17, 20]: 17 + 0.7 × 3 = 19.1.
    assert later.average_days_late == pytest.approx(12.25)
    assert later.p90_days_late == pytest.approx(19.1)


def test_one_supplier_alone(january):
    acme, bolt, _crown = january
    (row,) = supplier_performance(period=JANUARY, today=TODAY, supplier_id=bolt.pk)
    assert (row.supplier_name, row.po_lines) == ("Bolt Bags", 2)


def test_the_percentile_worked_out_in_python_is_postgresqls(postgres, january):
    # SQLite's fallback must give what percentile_cont gives, on the same rows.
    for period, today in ((JANUARY, TODAY), (Period(date(2025, 12, 1), date(2026, 2, 28)), TODAY + timedelta(days=3))):
        in_sql = {row.supplier_id: row.p90_days_late for row in supplier_performance(period=period, today=today)}
        in_python = _p90_in_python(period=period, today=today, supplier_id=None)
        assert {supplier: in_python.get(supplier) for supplier in in_sql} == pytest.approx(in_sql)
        assert any(value is not None for value in in_sql.values())


@pytest.mark.parametrize(
    "values, expected",
    [([], None), ([7], 7.0), ([20, 0, 10, 5], 17.0), (list(range(1, 11)), 9.1), ([3, 3], 3.0)],
)
def test_percentile_cont_interpolates_as_postgresql_does(values, expected):
    assert percentile_cont(values, 0.9) == (None if expected is None else pytest.approx(expected))


def test_date_moves_counted_by_the_service(production_rep):
    supplier = SupplierFactory(name="Moving Dates Ltd")
    today = timezone.localdate()
    first, second, third = po_lines(supplier, dated=timezone.now(), count=3)
    soon = today + timedelta(days=10)
    # Written without a first date (as seeding does): the first move keeps the date it had as the first.
    moved_twice = backorder(first, first=None, expected=soon)
    backorder_expected_date_change(backorder=moved_twice, expected_date=soon + timedelta(days=5), by=production_rep)
    backorder_expected_date_change(backorder=moved_twice, expected_date=soon + timedelta(days=9), by=production_rep)
    moved_once = backorder(second, first=soon)
    backorder_expected_date_change(backorder=moved_once, expected_date=soon + timedelta(days=3), by=production_rep)
    backorder(second, first=soon)
    cancelled = backorder(third, first=soon)
    backorder_expected_date_change(backorder=cancelled, expected_date=soon + timedelta(days=1), by=production_rep)
    Backorder.objects.filter(pk=cancelled.pk).update(status=CANCELLED, closed_at=timezone.now())

    (row,) = supplier_performance(period=Period.default(today), today=today, supplier_id=supplier.pk)
    moved_twice.refresh_from_db()
    assert (moved_twice.first_expected_date, moved_twice.expected_date_changes) == (soon, 2)
    # 2 + 1 + 0 + 1 moves over 4 backorders (the cancelled one counts here); 3 of 4 moved.
    assert (row.backorders, row.date_moves, row.backorders_moved) == (4, 4, 3)
    assert row.shown()["moves_per_backorder"] == Decimal("1.00")
    assert row.shown()["share_moved"] == Decimal("75.0")
    # Lateness is against the first promise (not yet due: 0), the cancelled one left out.
    assert (row.lateness_counted, row.average_days_late, row.p90_days_late) == (3, 0.0, 0.0)


# --- sorting --------------------------------------------------------------------------------------


def performance(name: str, *, lines: int, backordered: int, p90: float | None, pk: int = 0) -> SupplierPerformance:
    return SupplierPerformance(
        supplier_id=pk,
        supplier_name=name,
        po_lines=lines,
        backordered_lines=backordered,
        backorders=backordered,
        lateness_counted=backordered,
        average_days_late=p90,
        p90_days_late=p90,
        date_moves=0,
        backorders_moved=0,
    )


SORTABLE = [
    performance("bolt", lines=4, backordered=1, p90=3.0, pk=1),
    performance("Acme", lines=2, backordered=1, p90=17.0, pk=2),
    performance("Crown", lines=0, backordered=0, p90=None, pk=3),
    performance("Dunn", lines=10, backordered=0, p90=None, pk=4),
]


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("-p90", ["Acme", "bolt", "Crown", "Dunn"]),
        ("p90", ["bolt", "Acme", "Crown", "Dunn"]),  # nothing to measure stays last both ways
        ("-share", ["Acme", "bolt", "Dunn", "Crown"]),  # 50 %, 25 %, 0 %, no lines
        ("share", ["Dunn", "bolt", "Acme", "Crown"]),
        ("supplier", ["Acme", "bolt", "Crown", "Dunn"]),  # names without regard to case
        ("-supplier", ["Dunn", "Crown", "bolt", "Acme"]),
        ("-lines", ["Dunn", "bolt", "Acme", "Crown"]),
        ("backordered", ["Crown", "Dunn", "Acme", "bolt"]),  # ties by name
    ],
)
def test_sorting(sort, expected):
    assert [row.supplier_name for row in sorted_rows(SORTABLE, sort)] == expected


# --- the page -------------------------------------------------------------------------------------


class TableReader(HTMLParser):
    """The performance table's rows as {column: text}, and its headers' links and aria-sort."""

    def __init__(self):
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.headers: dict[str, dict[str, str | None]] = {}
        self._cell: str | None = None
        self._header: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-supplier" in attrs:
            self.rows.append({})
        elif tag == "td" and "data-col" in attrs and self.rows:
            self._cell = attrs["data-col"]
            self.rows[-1][self._cell] = ""
        elif tag == "th" and "data-col" in attrs:
            self._header = attrs["data-col"]
            self.headers[self._header] = {"aria-sort": attrs.get("aria-sort")}
        elif tag == "a" and self._header:
            self.headers[self._header]["href"] = attrs["href"]
        elif tag == "a" and self._cell:
            self.rows[-1]["href"] = attrs["href"]

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None
        if tag == "th":
            self._header = None

    def handle_data(self, data):
        if self._cell:
            self.rows[-1][self._cell] += data.strip()


def read_table(page: str) -> TableReader:
    reader = TableReader()
    reader.feed(page)
    return reader


@pytest.fixture
def this_quarter(db):
    """Acme and Bolt with POs written today, Crown with none; every backorder resolved, so today does not matter."""
    acme, bolt, crown = (SupplierFactory(name=name) for name in ("Acme Mugs", "Bolt Bags", "Crown Caps"))
    lines = po_lines(acme, dated=timezone.now(), count=5)
    promised = timezone.localdate() - timedelta(days=40)
    for line, late, moves in zip(lines, (0, 5, 10, 20), (1, 0, 0, 2), strict=False):
        resolved = datetime.combine(promised + timedelta(days=late), datetime.min.time().replace(hour=12))
        backorder(line, first=promised, status=RESOLVED, closed=timezone.make_aware(resolved), moves=moves)
    po_lines(bolt, dated=timezone.now(), count=2)
    return acme, bolt, crown


# Acme: 4 of 5 lines backordered (80 %); days late 0, 5, 10, 20: average 8.75 (8.8), p90 at 2.7:
# 10 + 0.7 × 10 = 17; moves 3 over 4 backorders (0.75), 2 of 4 moved (50 %).
ACME = {"lines": "5", "backordered": "4", "share": "80.0", "backorders": "4", "average": "8.8", "p90": "17.0"}
ACME_MOVES = {"moves": "0.75", "moved": "50.0"}
BOLT = {"lines": "2", "backordered": "0", "share": "0.0", "backorders": "0", "average": "—", "p90": "—"}
CROWN = {"lines": "0", "share": "—", "p90": "—", "moves": "—", "moved": "—"}


def test_the_page_shows_each_suppliers_figures_linking_to_its_page(this_quarter, manager):
    acme, bolt, crown = this_quarter
    response = signed_in(manager).get(URL)
    assert response.status_code == 200
    table = read_table(response.content.decode())
    rows = {row["supplier"]: row for row in table.rows}
    # Sorted by share backordered, highest first, by default; Crown (no lines) last.
    assert [row["supplier"] for row in table.rows] == ["Acme Mugs", "Bolt Bags", "Crown Caps"]
    assert rows["Acme Mugs"].items() >= {**ACME, **ACME_MOVES}.items()
    assert rows["Bolt Bags"].items() >= BOLT.items()
    assert rows["Crown Caps"].items() >= CROWN.items()
    assert rows["Acme Mugs"]["href"] == reverse("supplier-detail", args=[acme.pk])
    assert table.headers["share"]["aria-sort"] == "descending"
    # The page says what it measures: PO dates, and cancelled backorders left out of lateness.
    page = response.content.decode()
    assert "Purchase orders by their PO date" in page
    assert "Cancelled backorders are left out of lateness" in page
    assert '<label for="id_date_from">PO date from</label>' in page
    assert '<label for="id_date_to">PO date to</label>' in page
    # The inputs show the period and order in use.
    today = timezone.localdate()
    assert f'value="{(today - timedelta(days=89)).isoformat()}"' in page
    assert '<option value="-share" selected>' in page


def test_every_column_sorts_from_its_header(this_quarter, manager):
    browser = signed_in(manager)
    table = read_table(browser.get(URL).content.decode())
    today = timezone.localdate()
    period = f"date_from={(today - timedelta(days=89)).isoformat()}&date_to={today.isoformat()}"
    assert set(table.headers) == {
        "supplier",
        "lines",
        "backordered",
        "share",
        "backorders",
        "average",
        "p90",
        "moves",
        "moved",
    }
    # Figures start with the largest, the name with A; the current column turns round.
    assert table.headers["p90"]["href"] == f"?{period}&sort=-p90"
    assert table.headers["supplier"]["href"].endswith("&sort=supplier")
    assert table.headers["share"]["href"].endswith("&sort=share")
    by_p90 = read_table(browser.get(URL + table.headers["p90"]["href"]).content.decode())
    assert [row["supplier"] for row in by_p90.rows] == ["Acme Mugs", "Bolt Bags", "Crown Caps"]
    assert by_p90.headers["p90"]["aria-sort"] == "descending"
    assert by_p90.headers["share"]["aria-sort"] is None
    by_name_desc = read_table(browser.get(URL + "?sort=-supplier").content.decode())
    assert [row["supplier"] for row in by_name_desc.rows] == ["Crown Caps", "Bolt Bags", "Acme Mugs"]
    assert by_name_desc.headers["supplier"]["aria-sort"] == "descending"
    for header in table.headers.values():
        assert browser.get(URL + header["href"]).status_code == 200


def test_a_period_before_the_pos_shows_nothing_backordered(this_quarter, manager):
    response = signed_in(manager).get(URL + "?date_from=2020-01-01&date_to=2020-12-31&sort=supplier")
    rows = read_table(response.content.decode()).rows
    assert [(row["supplier"], row["lines"], row["share"]) for row in rows] == [
        ("Acme Mugs", "0", "—"),
        ("Bolt Bags", "0", "—"),
        ("Crown Caps", "0", "—"),
    ]
    assert "Purchase orders dated" in response.content.decode()


@pytest.mark.parametrize(
    "query, control, message",
    [
        (
            "date_from=2026-02-30",
            "id_date_from",
            "“From” is not a date: give a date such as 2026-03-01. The default start is used.",
        ),
        ("date_to=soon", "id_date_to", "“To” is not a date: give a date such as 2026-03-01. Today is used."),
        # The calendar's ends overflowed the period's arithmetic (a 500).
        ("date_to=9999-12-31", "id_date_to", "“To” must be a day from 1900-01-01 to 2999-12-31. Today is used."),
        (
            "date_from=0001-01-01",
            "id_date_from",
            "“From” must be a day from 1900-01-01 to 2999-12-31. The default start is used.",
        ),
        (
            "sort=cheapest",
            "id_sort",
            "There is no sort “cheapest”: the table is sorted by share backordered (%), highest first instead.",
        ),
    ],
)
def test_bad_input_is_named_next_to_its_field_and_the_default_used(this_quarter, manager, query, control, message):
    response = signed_in(manager).get(f"{URL}?{query}")
    page = response.content.decode()
    assert response.status_code == 200
    assert error_next_to(page, control, message)
    # The defaults: the last 90 days, worst share first, so Acme's figures still show.
    table = read_table(page)
    assert table.rows[0].items() >= ACME.items()
    assert response.context["period"] == Period.default(timezone.localdate())
    # The order field shows the order used (a select cannot show an unknown one).
    assert '<option value="-share" selected>' in page


@pytest.mark.parametrize("download", ["csv", "xlsx"])
def test_a_download_with_a_day_at_the_calendars_end_is_the_default_period(this_quarter, manager, download):
    response = signed_in(manager).get(f"{URL}?date_from=0001-01-01&date_to=9999-12-31&format={download}")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="supplier-performance-')
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"\xef\xbb\xbfsupplier," if download == "csv" else b"PK")


def test_an_end_before_the_start_is_named_and_the_last_90_days_shown(this_quarter, manager):
    response = signed_in(manager).get(f"{URL}?date_from=2026-03-10&date_to=2026-03-01")
    page = response.content.decode()
    message = "The period ends on Mar 1, 2026, before it starts on Mar 10, 2026: the last 90 days are shown instead."
    assert error_next_to(page, "id_date_to", message)
    assert response.context["period"] == Period.default(timezone.localdate())
    assert read_table(page).rows[0]["supplier"] == "Acme Mugs"


def test_the_csv_holds_the_tables_rows_in_its_order(this_quarter, manager):
    browser = signed_in(manager)
    response = browser.get(URL + "?sort=-lines&format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="supplier-performance-')
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows == [
        CSV_COLUMNS,
        ["Acme Mugs", "5", "4", "80.0", "4", "8.8", "17.0", "0.75", "50.0"],
        ["Bolt Bags", "2", "0", "0.0", "0", "", "", "", ""],
        ["Crown Caps", "0", "0", "", "0", "", "", "", ""],
    ]
    plain = b"".join(browser.get(URL + "?sort=-lines&format=csv&bom=0").streaming_content).decode("utf-8")
    assert plain == body.removeprefix("\ufeff")


def test_the_csv_keeps_the_period_and_quotes_a_formula_looking_name(this_quarter, manager):
    SupplierFactory(name="=HYPERLINK(1)")
    page = signed_in(manager).get(URL + "?date_from=2020-01-01&date_to=2020-12-31&sort=supplier")
    csv_url = page.context["csv_url"]
    assert csv_url == "?date_from=2020-01-01&date_to=2020-12-31&sort=supplier&format=csv"
    body = b"".join(signed_in(manager).get(URL + csv_url + "&bom=0").streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert [row[:2] for row in rows[1:]] == [
        ["'=HYPERLINK(1)", "0"],
        ["Acme Mugs", "0"],
        ["Bolt Bags", "0"],
        ["Crown Caps", "0"],
    ]


def test_the_xlsx_has_the_same_rows_as_numbers(this_quarter, manager):
    response = signed_in(manager).get(URL + "?sort=-lines&format=xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == CSV_COLUMNS
    assert values[1] == ["Acme Mugs", 5, 4, 80, 4, 8.8, 17, 0.75, 50]
    assert values[2] == ["Bolt Bags", 2, 0, 0, 0, None, None, None, None]


# The page: session, user, the navigation's role check, unread count and Recent menu, and the figures
# in one query (on SQLite a second one, the backorders' days late for the 90th percentile).
PAGE_QUERIES = 6


@pytest.mark.parametrize("suppliers", [1, 8])
def test_the_page_costs_the_same_queries_for_few_or_many_suppliers(manager, django_assert_num_queries, suppliers):
    from django.db import connection

    for index in range(suppliers):
        lines = po_lines(SupplierFactory(), dated=timezone.now(), count=2)
        backorder(lines[0], first=timezone.localdate() - timedelta(days=index + 1), moves=index % 2)
    browser = signed_in(manager)
    extra = 0 if connection.vendor == "postgresql" else 1
    with django_assert_num_queries(PAGE_QUERIES + extra):
        response = browser.get(URL + "?sort=p90")
    assert len(read_table(response.content.decode()).rows) == suppliers
    # The CSV: session and user (no navigation), and the figures.
    with django_assert_num_queries(PAGE_QUERIES - 3 + extra):
        assert len(b"".join(browser.get(URL + "?format=csv").streaming_content).splitlines()) == suppliers + 1


# --- links from the suppliers' pages --------------------------------------------------------------


def test_the_suppliers_list_links_to_the_page(this_quarter, sales_rep):
    page = signed_in(sales_rep).get(reverse("supplier-list")).content.decode()
    assert f'href="{URL}"' in page


def test_a_supplier_page_shows_its_own_figures(this_quarter, sales_rep):
    acme, bolt, _crown = this_quarter
    page = signed_in(sales_rep).get(reverse("supplier-detail", args=[acme.pk])).content.decode()
    figures = page[page.index('data-testid="supplier-performance"') :]
    for text in ("5 PO lines", "4 backordered (80.0 %)", "8.8", "17.0", "0.75"):
        assert text in figures[: figures.index("</section>")]
    assert f'href="{URL}"' in figures
    bolt_page = signed_in(sales_rep).get(reverse("supplier-detail", args=[bolt.pk])).content.decode()
    assert "2 PO lines, 0 backordered (0.0 %)" in bolt_page

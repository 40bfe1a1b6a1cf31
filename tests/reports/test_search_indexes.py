"""Every statement of the header search that matches text is served by its index on PostgreSQL.

The tables here are small, so PostgreSQL is told not to read them whole (enable_seqscan off): the plan
then shows which index can answer each condition. A "contains" statement is planned with plain index
scans off as well, so its older rows' part shows the trigram indexes rather than a walk of a small
btree; at the history's size the benchmark (benchmarks/search.py) shows the plans PostgreSQL picks by
itself.
"""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from reports import search as search_module
from reports.search import search, search_exact_number
from tests.factories import ClientFactory, ProjectFactory, PurchaseOrderFactory, SalesOrderFactory, SupplierFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="The search's indexes exist on PostgreSQL only."),
]

# What each table's "contains" statement filters on, and the trigram index of each column.
TRIGRAM_INDEXES = {
    "projects_project": {"project_number_trgm", "project_name_trgm"},
    "projects_salesorder": {"so_number_trgm", "so_client_po_trgm"},
    "projects_purchaseorder": {"po_number_trgm"},
    "invoicing_invoice": {"invoice_number_trgm"},
    "projects_client": {"client_name_trgm"},
    "projects_supplier": {"supplier_name_trgm"},
}
PREFIX_INDEXES = {
    "projects_project": "project_number_prefix",
    "projects_salesorder": "so_number_prefix",
    "projects_purchaseorder": "po_number_prefix",
    "invoicing_invoice": "invoice_number_prefix",
}


@pytest.fixture
def some_history(db):
    for index in range(30):
        order = SalesOrderFactory(
            project=ProjectFactory(name=f"Northstar gifts {index}", client=ClientFactory(name=f"Northstar {index}")),
            client_po_number=f"REQ-{index}",
        )
        PurchaseOrderFactory(sales_order=order, supplier=SupplierFactory(name=f"Beacon Print {index}"))


def plan_of(sql: str, *, index_scans: bool) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"SET LOCAL enable_indexscan = {'on' if index_scans else 'off'}")
        # With a handful of rows the planner may as well gather them by bitmap and sort them; asking for
        # index scans shows whether the index alone gives the rows in the order the search reads them.
        cursor.execute(f"SET LOCAL enable_bitmapscan = {'off' if index_scans else 'on'}")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
        cursor.execute("RESET enable_bitmapscan")
    return plan


def indexes_in(plan: str) -> set[str]:
    return {a or b for a, b in re.findall(r"Scan(?: Backward)? using (\w+)|Bitmap Index Scan on (\w+)", plan)}


def matching_statements(query: str) -> list[tuple[str, str, bool]]:
    """The search's statements that match text: (table, SQL, is it the number-prefix statement)."""
    with CaptureQueriesContext(connection) as captured:
        search(query=query)
    statements = []
    for statement in captured.captured_queries:
        sql = statement["sql"]
        if " LIKE " not in sql:
            continue  # the rows found, read again by primary key with what the page shows
        table = re.search(r'FROM "(\w+)"', sql).group(1)
        statements.append((table, sql, 'COLLATE "C"::text LIKE' in sql))
    return statements


@pytest.mark.parametrize("query", ["Nor", "northstar gifts 1", "REQ-1", "Beacon", "no", "12"])
def test_every_contains_statement_reads_its_trigram_indexes(query, some_history):
    statements = [(table, sql) for table, sql, prefix in matching_statements(query) if not prefix]
    # Projects, sales orders, POs, invoices, clients, suppliers: one each (nothing starts with these).
    assert sorted(table for table, _sql in statements) == sorted(TRIGRAM_INDEXES)
    for table, sql in statements:
        plan = plan_of(sql, index_scans=False)
        # Numbered kinds first look among their newest rows, a range of the number's own btree; the
        # older rows (and clients and suppliers) only through the trigram indexes.
        assert TRIGRAM_INDEXES[table] <= indexes_in(plan), plan
        assert "Seq Scan" not in plan, plan


def analyzed_plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, COSTS OFF) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_older_rows_are_not_read_when_the_newest_hold_a_page_of_matches(some_history, monkeypatch):
    # 30 projects named "Northstar gifts N": the 20 newest hold more than a page of them.
    monkeypatch.setattr(search_module, "RECENT_ROWS", 20)
    (sql,) = [
        sql
        for table, sql, prefix in matching_statements("northstar gifts")
        if table == "projects_project" and not prefix
    ]
    plan = analyzed_plan(sql)
    assert 'Subquery Scan on "*SELECT* 2" (never executed)' in plan, plan


def test_a_rare_match_reads_the_older_rows_through_the_trigram_index(some_history, monkeypatch):
    monkeypatch.setattr(search_module, "RECENT_ROWS", 20)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        # "gifts 2" is in the names of the 3rd and the 21st to 30th projects: the oldest one is outside the window.
        statements = matching_statements("northstar gifts 2")
    (sql,) = [sql for table, sql, prefix in statements if table == "projects_project" and not prefix]
    plan = analyzed_plan(sql)
    assert "Bitmap Index Scan on project_name_trgm" in plan, plan
    assert "never executed" not in plan.split("Bitmap Heap Scan")[1].split("\n")[0], plan


@pytest.mark.parametrize("query", ["SO-50", "p-5", "INV-0"])
def test_a_number_prefix_is_read_newest_first_from_its_prefix_index(query, some_history):
    statements = [(table, sql) for table, sql, prefix in matching_statements(query) if prefix]
    assert sorted(table for table, _sql in statements) == sorted(PREFIX_INDEXES)
    for table, sql in statements:
        plan = plan_of(sql, index_scans=True)
        assert f"Index Scan Backward using {PREFIX_INDEXES[table]}" in plan, plan
        assert "Sort" not in plan, plan  # the index gives the order: LIMIT stops after the first rows


def test_an_exact_number_is_one_equality_on_each_prefix_index(some_history):
    with CaptureQueriesContext(connection) as captured:
        search_exact_number(query="so-5001")
    (statement,) = captured.captured_queries
    plan = plan_of(statement["sql"], index_scans=True)
    assert indexes_in(plan) == set(PREFIX_INDEXES.values()), plan
    assert "Seq Scan" not in plan, plan

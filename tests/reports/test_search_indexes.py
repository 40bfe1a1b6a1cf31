"""Every statement of the header search that matches text is served by its index on PostgreSQL.

The tables here are small, so PostgreSQL is told not to read them whole (enable_seqscan off): the plan
then shows which index can answer each condition. A "contains" statement is planned with plain index
scans off as well, or the planner might walk the number's btree in order and filter, which on a small
table costs about as little; at the history's size the benchmark (benchmarks/search.py) shows the
plans PostgreSQL picks by itself.
"""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
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
        statements.append((table, sql, 'COLLATE "C"' in sql))
    return statements


@pytest.mark.parametrize("query", ["Nor", "northstar gifts 1", "REQ-1", "Beacon", "no", "12"])
def test_every_contains_statement_reads_its_trigram_indexes(query, some_history):
    statements = [(table, sql) for table, sql, prefix in matching_statements(query) if not prefix]
    # Projects, sales orders, POs, invoices, clients, suppliers: one each (nothing starts with these).
    assert sorted(table for table, _sql in statements) == sorted(TRIGRAM_INDEXES)
    for table, sql in statements:
        plan = plan_of(sql, index_scans=False)
        assert indexes_in(plan) == TRIGRAM_INDEXES[table], plan
        assert "Seq Scan" not in plan, plan


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

"""Suppliers and purchase orders moved from projects/ to purchasing/ keeping their tables and rows.

A database at the state before the move, holding a flagged backorder, an issued invoice and the activity
log, migrates forward: every row is still there under the new models, the activity log and the admin's
permissions still point at them (their content types moved with them), and check_books finds no drift.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from backorders.models import Backorder
from backorders.services import BackorderRequest, backorder_flag
from invoicing.models import Invoice
from invoicing.services.issue import invoice_create
from projects.models import Activity, SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier

pytestmark = pytest.mark.django_db(transaction=True)

# The last migrations before the move; purchasing/ had none.
BEFORE_THE_MOVE = [
    ("projects", "0007_supplier_service_url_rules"),
    ("backorders", "0003_reminders_proposals_and_first_expected_date"),
    ("purchasing", None),
]
# The first migrations after it: the move and nothing else.
JUST_AFTER_THE_MOVE = [
    ("projects", "0008_suppliers_and_purchase_orders_move_to_purchasing"),
    ("backorders", "0004_purchase_orders_in_purchasing"),
    ("purchasing", "0001_initial"),
]
MOVED = ("supplier", "purchaseorder", "purchaseorderitem")


def _migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _latest() -> list[tuple[str, str]]:
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def desk_with_history(mug_order, production_rep, invoicing_rep):
    """A PO with a flagged backorder and a partial invoice, and their activity entries."""
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, timezone.localdate() + timedelta(days=7), "Supplier short")],
        note="",
        by=production_rep,
    )
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    return mug_order, invoice


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in ("projects_supplier", "projects_purchaseorder", "projects_purchaseorderitem"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
            counts[table] = cursor.fetchone()[0]
    return counts


def test_a_database_from_before_the_move_migrates_forward_with_every_row(desk_with_history):
    mug_order, invoice = desk_with_history
    rows = _counts()
    assert rows == {"projects_supplier": 1, "projects_purchaseorder": 1, "projects_purchaseorderitem": 2}
    po_activity = Activity.objects.filter(subject_type=ContentType.objects.get_for_model(PurchaseOrder)).count()
    assert po_activity >= 1
    latest = _latest()

    try:
        # Back to the layout before the move: a database as it was, with its rows and content types.
        executor = _migrate(BEFORE_THE_MOVE)
        old = executor.loader.project_state([node for node in BEFORE_THE_MOVE if node[1]]).apps
        assert old.get_model("projects", "PurchaseOrder").objects.get().number == mug_order.po.number
        assert old.get_model("projects", "Supplier").objects.count() == 1
        assert ContentType.objects.filter(app_label="projects", model__in=MOVED).count() == len(MOVED)
        # (Models purchasing/ added later, such as Shipment, keep the content types the test database was made with.)
        assert not ContentType.objects.filter(app_label="purchasing", model__in=MOVED).exists()

        # Forward again, as a deployment of this version does.
        _migrate(latest)
    finally:
        _migrate(latest)

    assert _counts() == rows
    po = PurchaseOrder.objects.get()
    assert (po.number, po.status, po.supplier.name) == (
        mug_order.po.number,
        PurchaseOrder.Status.PROBLEM,
        mug_order.po.supplier.name,
    )
    assert {item.sales_order_item.description for item in PurchaseOrderItem.objects.all()} == {
        "11 oz mug, 2-colour print",
        "Setup charge",
    }
    assert (
        Supplier.objects.get().sales_order_items.count() == SalesOrderItem.objects.filter(supplier=po.supplier).count()
    )
    backorder = Backorder.objects.get()
    assert (backorder.purchase_order, backorder.quantity) == (po, 200)
    assert Invoice.objects.get() == invoice

    # The content types moved with the models: the activity log still names the PO, permissions still apply.
    assert set(ContentType.objects.filter(model__in=MOVED).values_list("app_label", flat=True)) == {"purchasing"}
    entries = Activity.objects.filter(subject_type__app_label="purchasing", subject_type__model="purchaseorder")
    assert entries.count() == po_activity
    assert all(entry.subject == po for entry in entries)
    assert Permission.objects.filter(content_type__app_label="purchasing", codename="change_purchaseorder").exists()

    call_command("check_books")  # raises CommandError (exit 1) on any drift


def test_the_move_is_state_only(desk_with_history):
    """Going back and forth never touches a table: same columns, same constraints."""

    def schema():
        with connection.cursor() as cursor:
            tables = ("projects_supplier", "projects_purchaseorder", "projects_purchaseorderitem")
            return {
                table: (
                    sorted(column.name for column in connection.introspection.get_table_description(cursor, table)),
                    sorted(connection.introspection.get_constraints(cursor, table)),
                )
                for table in tables
            }

    latest = _latest()
    try:
        _migrate(JUST_AFTER_THE_MOVE)
        after = schema()
        _migrate(BEFORE_THE_MOVE)
        assert schema() == after
        _migrate(JUST_AFTER_THE_MOVE)
        assert schema() == after
    finally:
        _migrate(latest)

"""Open purchase orders: their lines linked to the imported orders' items, numbers kept, on PostgreSQL."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from backorders.services import BackorderRequest, backorder_flag
from imports.kinds import KINDS
from imports.reading import read_table
from imports.services import evaluate
from projects.models import Activity, NumberSequence, SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem
from purchasing.services import PurchaseItemRequest, purchase_order_create
from tests.factories import ClientFactory, SupplierFactory

pytestmark = pytest.mark.usefixtures("postgres")

PURCHASE_ORDERS = KINDS["purchase-orders"]
ORDERS_FILE = (
    "Job #,Job Name,Client,Sales Rep,Order #,Description,Supplier,Qty,Unit Price,Unit Cost\n"
    "P-4410,Spring Fair 2026,C-1,sam,SO-7702,Stainless mug,Mugs & Co,250,12.50,6.20\n"
    "P-4410,Spring Fair 2026,C-1,sam,SO-7702,Setup charge,,1,65.00,40\n"
    "P-4410,Spring Fair 2026,C-1,sam,SO-7705,Tote bag,Bags Inc,100,4.00,2\n"
)
HEADER = "PO #,Vendor,Order #,Line,Description,Qty,Status,Ship Date,Ship To\n"
GOOD = (
    'PO-5120,V-1,SO-7702,1,Stainless mug,250,Submitted,2026-03-01,"Harbor Fair\n9 Pier Road"\n'
    'PO-5120,V-1,SO-7702,2,,1,Submitted,2026-03-01,"Harbor Fair\n9 Pier Road"\n'
    "5121,Bags Inc,SO-7705,1,Tote bag,100,Shipped,,\n"
)
BAD = (
    "PO-5122,Nobody Ltd,SO-7702,1,,10,,,\n"
    "PO-5123,V-1,SO-9999,1,,10,,,\n"
    "PO-5124,V-1,SO-7702,3,,10,,,\n"
    "PO-5125,V-1,SO-7702,1,Tote bag,-3,,,\n"
    "PO-5126,V-1,SO-7702,1,,300,Billed,,\n"
)


@pytest.fixture
def desk(sales_rep, production_rep, invoicing_rep, manager):
    ClientFactory(name="Harbor Fair", external_ref="C-1")
    SupplierFactory(name="Mugs & Co", external_ref="V-1")
    SupplierFactory(name="Bags Inc")
    run("orders", ORDERS_FILE, by=manager, commit=True)
    return manager


def run(kind: str, content: str, *, by, commit: bool = False):
    table = read_table(name="open-pos.csv", content=content.encode())
    columns = KINDS[kind].match_headers(table.headers)
    return evaluate(kind=KINDS[kind], table=table, columns=columns, file_name="open-pos.csv", by=by, commit=commit)


def test_commonsku_and_quickbooks_headers_are_recognised():
    matched = PURCHASE_ORDERS.match_headers(HEADER.strip().split(","))
    assert all(matched.values()), matched
    assert PURCHASE_ORDERS.match_headers(["Num", "Vendor", "SO Number", "Line", "Qty"]) == {
        "Num": "po_number",
        "Vendor": "supplier",
        "SO Number": "so_number",
        "Line": "line",
        "Qty": "quantity",
    }


def test_a_file_of_open_pos_creates_them_linked_to_the_items_and_advances_the_sequence(desk):
    preview = run("purchase-orders", HEADER + GOOD + BAD, by=desk)
    assert len(preview.created) == 3 and not PurchaseOrder.objects.exists()
    assert [(row.label, row.changes) for row in preview.created[:2]] == [
        ("PO-5120: SO-7702 line 1, Stainless mug", ["Supplier Name: Mugs & Co", "Stage: Submitted", "Quantity: 250"]),
        ("PO-5120: SO-7702 line 2, Setup charge", ["Quantity: 1"]),
    ]
    assert [str(refusal) for refusal in preview.refusals] == [
        "row 5, Vendor: Nobody Ltd is no supplier of the desk (by reference or exact name): import it with Import "
        "suppliers first, or correct the name",
        "row 6, Order #: SO-9999 is no sales order of the desk: import it with Import order items first",
        "row 7, Line: SO-7702 has no line 3 (it has 2 lines)",
        "row 8, Qty: -3 is not a whole number of at least 1",
        "row 9, Status: Billed purchase orders are closed: import open ones only",
    ]

    outcome = run("purchase-orders", HEADER + GOOD + BAD, by=desk, commit=True)

    assert len(outcome.created) == 3 and outcome.refused_rows == 5
    po = PurchaseOrder.objects.get(number="PO-5120")
    assert (po.supplier.name, po.sales_order.number, po.stage, po.expected_date, po.ship_to) == (
        "Mugs & Co",
        "SO-7702",
        PurchaseOrder.Stage.SUBMITTED,
        date(2026, 3, 1),
        "Harbor Fair\n9 Pier Road",
    )
    assert po.production_rep.username == "sam"  # blank: the project's production rep (the order rep)
    assert sorted(po.items.values_list("sales_order_item__description", "quantity")) == [
        ("Setup charge", 1),
        ("Stainless mug", 250),
    ]
    # The items' purchased and shipped quantities follow the PO lines, as check_books recomputes them.
    mug = SalesOrderItem.objects.get(description="Stainless mug")
    tote = SalesOrderItem.objects.get(description="Tote bag")
    assert (mug.purchased_quantity, mug.shipped_quantity) == (250, 0)
    assert (tote.purchased_quantity, tote.shipped_quantity) == (100, 100)
    out = StringIO()
    call_command("check_books", stdout=out)
    assert "no drift" in out.getvalue()
    # Marked as imported in each project's activity log, with the file's name.
    imported = Activity.objects.filter(subject_label__in=["PO-5120", "PO-5121"], verb="imported")
    assert sorted(imported.values_list("subject_label", "detail", "to_value")) == [
        ("PO-5120", "from open-pos.csv", "Submitted"),
        ("PO-5121", "from open-pos.csv", "Shipped"),
    ]
    # The desk's own numbering continues after the highest PO imported, never reusing one.
    assert NumberSequence.objects.get(name="PO-").last_value == 5121
    next_po = purchase_order_create(
        sales_order=SalesOrder.objects.get(number="SO-7702"),
        supplier=po.supplier,
        items=[PurchaseItemRequest(sales_order_item=mug, quantity=1)],
        by=desk,
    )
    assert next_po.number == "PO-5122"


def test_the_same_file_again_changes_nothing_and_a_corrected_one_only_what_differs(desk):
    run("purchase-orders", HEADER + GOOD, by=desk, commit=True)
    again = run("purchase-orders", HEADER + GOOD, by=desk, commit=True)
    assert (len(again.created), len(again.updated), len(again.unchanged), again.refused_rows) == (0, 0, 3, 0)
    assert PurchaseOrderItem.objects.count() == 3

    corrected = GOOD.replace("250,Submitted,2026-03-01", "240,Submitted,2026-03-08").replace(
        "1,Submitted,2026-03-01", "1,Submitted,2026-03-08"
    )
    outcome = run("purchase-orders", HEADER + corrected, by=desk, commit=True)
    assert [(change.line, change.changes) for change in outcome.updated] == [
        (2, ["Expected Date: 2026-03-01 → 2026-03-08", "Quantity: 250 → 240"])
    ]
    assert len(outcome.unchanged) == 2
    po = PurchaseOrder.objects.get(number="PO-5120")
    assert po.expected_date == date(2026, 3, 8)
    assert SalesOrderItem.objects.get(description="Stainless mug").purchased_quantity == 240
    assert Activity.objects.filter(subject_label="PO-5120", verb="changed by import").count() == 1

    # A stage or supplier is never changed by an import: its page moves the stage.
    moved = run("purchase-orders", HEADER + corrected.replace("Submitted", "Confirmed"), by=desk)
    assert str(moved.refusals[0]) == (
        "row 2, PO #: an import never changes the supplier or stage of a purchase order the desk has (the file "
        "changes Stage: Submitted → Confirmed): move its stage on PO-5120's page"
    )


def test_a_po_with_backorders_is_never_changed_and_a_number_is_never_given_twice(desk, production_rep):
    run("purchase-orders", HEADER + GOOD, by=desk, commit=True)
    po = PurchaseOrder.objects.get(number="PO-5120")
    line = po.items.get(sales_order_item__description="Stainless mug")
    backorder_flag(
        purchase_order=po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[
            BackorderRequest(
                purchase_order_item=line,
                quantity=50,
                expected_date=date.today() + timedelta(days=30),
                reason="Out of stock",
            )
        ],
        note="50 mugs late",
        by=production_rep,
        ready_to_invoice=False,
    )
    outcome = run("purchase-orders", HEADER + GOOD.replace(",250,", ",200,"), by=desk)
    assert str(outcome.refusals[0]) == (
        "row 2, PO #: PO-5120 has backorders: an import never changes such a purchase order (the file changes "
        "Quantity: 250 → 200)"
    )
    assert len(outcome.unchanged) == 2
    other = run("purchase-orders", HEADER + "PO-5120,V-1,SO-7705,1,,10,Submitted,,\n", by=desk)
    assert str(other.refusals[0]) == (
        "row 2, PO #: PO-5120 is the desk's purchase order for SO-7702, not SO-7705: a number in use is never "
        "given to another purchase order"
    )


def test_the_command_imports_purchase_orders(desk, tmp_path):
    path = tmp_path / "pos.csv"
    path.write_text(HEADER + GOOD)
    out = StringIO()
    call_command("import_data", "purchase-orders", str(path), "--commit", stdout=out)
    assert "  created: 3\n" in out.getvalue()
    assert PurchaseOrder.objects.count() == 2

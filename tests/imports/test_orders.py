"""Open orders from commonsku: projects, sales orders and items, their numbers kept, on PostgreSQL."""

from datetime import date
from decimal import Decimal

import pytest

from imports.kinds import KINDS
from imports.models import ImportRun
from imports.reading import read_table
from imports.services import evaluate, import_confirm, import_upload
from projects.models import Activity, NumberSequence, Project, SalesOrder, SalesOrderItem
from projects.services.projects import project_create
from projects.services.sales_orders import ItemRequest, sales_order_create
from tests.factories import ClientFactory, SupplierFactory

pytestmark = pytest.mark.usefixtures("postgres")

ORDERS = KINDS["orders"]
HEADER = (
    "Job #,Job Name,Client,Sales Rep,Production Rep,Invoicing Rep,Order #,Customer PO,In Hands Date,Status,"
    "Description,Kind,Supplier,Qty,Unit Price,Unit Cost,Tax %\n"
)
GOOD = (
    "P-4410,Spring Fair 2026,C-1,sam,pat,ivy,SO-7702,HF-77,2026-03-15,In Production,"
    "Stainless mug,Product,Mugs & Co,250,12.50,6.20,8.25\n"
    "P-4410,Spring Fair 2026,C-1,sam,pat,ivy,SO-7702,HF-77,2026-03-15,In Production,"
    "Setup charge,service,,1,65.00,40,8.25\n"
    "P-4410,Spring Fair 2026,C-1,sam,pat,ivy,SO-7705,,03/20/2026,,Tote bag,,,100,4.00,,\n"
    "P-3999,Golf day,Blue Ridge Co,sam,,,SO-7690,,46100,Client Approved,Polo shirt,,,40,18.00,9.00,0\n"
)
BAD = (
    "P-4411,Nobody's,Dunes Ltd,sam,pat,ivy,SO-7710,,,,Cap,,,10,5.00,,\n"
    "P-4412,Ghost rep,C-1,ghost,pat,ivy,SO-7711,,,,Cap,,,10,5.00,,\n"
    "P-4413,Bad numbers,C-1,sam,pat,ivy,SO-7712,,2026-02-30,,Cap,,,-3,1.234,,120\n"
)


@pytest.fixture
def desk(sales_rep, production_rep, invoicing_rep, manager):
    ClientFactory(name="Harbor Fair", external_ref="C-1")
    ClientFactory(name="Blue Ridge Co")
    SupplierFactory(name="Mugs & Co")
    return manager


def run(content: str, *, by, commit: bool = False):
    table = read_table(name="open-orders.csv", content=content.encode())
    columns = ORDERS.match_headers(table.headers)
    return evaluate(kind=ORDERS, table=table, columns=columns, file_name="open-orders.csv", by=by, commit=commit)


def test_commonsku_headers_are_all_recognised():
    matched = ORDERS.match_headers(HEADER.strip().split(","))
    assert all(matched.values()), matched


def test_a_file_of_open_orders_creates_projects_orders_and_items_with_their_numbers(desk):
    preview = run(HEADER + GOOD + BAD, by=desk)
    assert len(preview.created) == 4 and not Project.objects.exists()
    assert [str(refusal) for refusal in preview.refusals] == [
        "row 6, Client: Dunes Ltd is no client of the desk (by reference or exact name): import it with Import "
        "clients first, or correct the name",
        "row 7, Sales Rep: ghost is no user of the desk: write a user name",
        "row 8, In Hands Date: 2026-02-30 is not a date (write 2026-01-15 or 01/15/2026)",
        "row 8, Qty: -3 is not a whole number of at least 1",
        "row 8, Unit Price: 1.234 has more than two decimals",
        "row 8, Tax %: 120 is not a percent from 0 to 100 (such as 8.25)",
    ]

    outcome = run(HEADER + GOOD + BAD, by=desk, commit=True)

    assert len(outcome.created) == 4 and outcome.refused_rows == 3
    assert sorted(Project.objects.values_list("number", flat=True)) == ["P-3999", "P-4410"]
    order = SalesOrder.objects.get(number="SO-7702")
    assert (order.project.number, order.status, order.in_hands_date, order.client_po_number) == (
        "P-4410",
        SalesOrder.Status.IN_PRODUCTION,
        date(2026, 3, 15),
        "HF-77",
    )
    mug, setup = order.items.all()
    assert (mug.description, mug.quantity, mug.unit_price, mug.unit_cost, mug.tax_rate, mug.supplier.name) == (
        "Stainless mug",
        250,
        Decimal("12.50"),
        Decimal("6.20"),
        Decimal("8.25"),
        "Mugs & Co",
    )
    assert (setup.kind, setup.position) == (SalesOrderItem.Kind.SERVICE, 1)
    golf = SalesOrder.objects.get(number="SO-7690")
    assert golf.in_hands_date == date(2026, 3, 19)  # an Excel day number
    assert golf.project.invoicing_rep.username == "sam"  # blank reps are the order rep
    assert Activity.objects.filter(verb="imported", detail="from open-orders.csv").count() == 5

    # The desk's own numbers continue after the highest imported, under the sequences.
    assert NumberSequence.objects.get(name="P-").last_value == 4410
    project = project_create(
        name="Next", client=golf.project.client, order_rep=desk, production_rep=desk, invoicing_rep=desk, by=desk
    )
    new_order = sales_order_create(
        project=project, items=[ItemRequest(description="Pen", quantity=1, unit_price=Decimal("1"))], by=desk
    )
    assert (project.number, new_order.number) == ("P-4411", "SO-7706")


def test_the_same_file_again_changes_nothing_and_a_corrected_quantity_changes_only_that_item(desk):
    run(HEADER + GOOD, by=desk, commit=True)
    before = list(SalesOrderItem.objects.order_by("id").values())

    again = run(HEADER + GOOD, by=desk, commit=True)
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 4)
    assert list(SalesOrderItem.objects.order_by("id").values()) == before

    corrected = run(HEADER + GOOD.replace("Tote bag,,,100", "Tote bag,,,120"), by=desk, commit=True)
    assert [(change.line, change.changes) for change in corrected.updated] == [(4, ["Quantity: 100 → 120"])]
    assert len(corrected.unchanged) == 3
    after = {row["id"]: row for row in SalesOrderItem.objects.values()}
    for row in before:
        expected = {**row, "quantity": 120} if row["description"] == "Tote bag" else row
        assert after[row["id"]] == expected


def test_a_number_in_use_by_another_record_and_an_order_with_a_purchase_order_are_never_changed(desk, mug_order):
    # SO-1001 (the mug order) has a purchase order; P-1001 is another client's project.
    mugs = mug_order.order
    line = (
        f"{mugs.project.number},{mugs.project.name},{mugs.project.client.name},sam,pat,ivy,SO-1001,,,"
        'In Production,"11 oz mug, 2-colour print",,,600,4.25,2.10,8.25\n'
    )
    taken = "P-1001,Another,C-1,sam,pat,ivy,SO-9000,,,,Cap,,,10,5.00,,\n"

    outcome = run(HEADER + line, by=desk, commit=True)
    other = run(HEADER + taken, by=desk, commit=True)

    assert [str(refusal) for refusal in outcome.refusals + other.refusals] == [
        "row 2, Order #: SO-1001 has a purchase order: an import never changes such an order (the file changes "
        "Quantity: 500 → 600)",
        f"row 2, Job #: P-1001 is the desk's project Spring fair mugs for {mugs.project.client.name}, not Harbor "
        "Fair: a number in use is never given to another project",
    ]
    mug_order.refresh()
    assert mug_order.mugs.quantity == 500 and not SalesOrder.objects.filter(number="SO-9000").exists()


def test_the_pages_flow_logs_each_item_of_the_import(desk):
    content = (HEADER + GOOD).encode()
    run_ = import_upload(kind=ORDERS, file_name="open-orders.csv", content=content, by=desk)
    assert run_.outcome["created_count"] == 4

    import_confirm(run=run_, by=desk)

    run_ = ImportRun.objects.get()
    assert run_.kind == "orders" and run_.records.count() == 4
    assert set(run_.records.values_list("record_id", flat=True)) == set(
        SalesOrderItem.objects.values_list("id", flat=True)
    )


def test_an_imported_order_once_invoiced_is_never_changed_by_an_import(desk, invoicing_rep):
    from invoicing.services.issue import invoice_create

    ready = "P-5000,Gala,C-1,sam,pat,ivy,SO-8000,,,Ready to be Invoiced,Banner,Service,,2,100.00,,\n"
    run(HEADER + ready, by=desk, commit=True)
    invoice_create(sales_order=SalesOrder.objects.get(number="SO-8000"), by=invoicing_rep)

    again = run(HEADER + ready.replace("Banner,Service,,2,", "Banner,Service,,3,"), by=desk, commit=True)

    assert [str(refusal) for refusal in again.refusals] == [
        "row 2, Order #: SO-8000 has an invoice: an import never changes such an order (the file changes "
        "Status: Invoiced → Ready to be Invoiced; Quantity: 2 → 3)"
    ]
    order = SalesOrder.objects.get()
    assert (order.status, order.items.get().quantity) == (SalesOrder.Status.INVOICED, 2)


def test_the_suppliers_product_and_part_ids_are_read_checked_and_updated(desk):
    header = HEADER.strip() + ",Supplier Product ID,Part ID,Case Pack\n"
    rows = (
        "P-4410,Spring Fair 2026,C-1,sam,pat,ivy,SO-7702,,,,Stainless mug,Product,Mugs & Co,250,12.50,6.20,8.25,"
        "MUG11,MUG11-WHT,24\n"
        "P-4410,Spring Fair 2026,C-1,sam,pat,ivy,SO-7702,,,,Setup charge,service,,1,65.00,40,8.25,,,\n"
        "P-4410,Spring Fair 2026,C-1,sam,pat,ivy,SO-7703,,,,Cap,,,10,5.00,,,<b>CAP</b>,,\n"
        "P-4410,Spring Fair 2026,C-1,sam,pat,ivy,SO-7704,,,,Pen,,,10,5.00,,,PEN1,,0\n"
    )
    outcome = run(header + rows, by=desk, commit=True)
    assert [str(refusal) for refusal in outcome.refusals] == [
        "row 4, Supplier Product ID: The supplier's product id must be plain text: a code such as MUG11 or BLK-L, "
        "without <, > or control characters",
        "row 5, Case Pack: 0 is not a whole number of at least 1",
    ]
    assert list(
        SalesOrderItem.objects.order_by("position").values_list(
            "supplier_product_id", "supplier_part_id", "supplier_units_per_pack"
        )
    ) == [("MUG11", "MUG11-WHT", 24), ("", "", None)]
    corrected = run(header + rows.replace("MUG11-WHT", "MUG11-BLK"), by=desk, commit=True)
    assert [(change.line, change.changes) for change in corrected.updated] == [
        (2, ["Supplier Part ID: MUG11-WHT → MUG11-BLK"])
    ]

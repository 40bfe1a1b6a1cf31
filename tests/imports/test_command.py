"""manage.py import_data: the same preview for scripts, and the import with --commit."""

import pytest
from django.core.management import CommandError, call_command

from imports.models import ImportRun
from projects.models import Client

pytestmark = pytest.mark.usefixtures("postgres")

FILE = "Customer;Email;Terms;Open Balance\nHarbor Fair;ap@harbor.example.com;Net 45;0\nDunes;dunes@example.com;-3;0\n"


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_data", *args, stdout=out)
    return out.getvalue()


def test_the_command_previews_then_imports_with_commit(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_bytes(FILE.encode("cp1252"))
    assert run("clients", str(path)) == (
        "customers.csv (CSV, UTF-8, semicolon-separated): 2 rows\n"
        "  columns left out: Open Balance\n"
        "  to be created: 1\n"
        "  to be updated: 0\n"
        "  unchanged: 0\n"
        "  refused: 1\n"
        "    row 3, Terms: -3 is not a whole number of at least 0\n"
        "Dry run: nothing was written. Run it again with --commit to import.\n"
    )
    assert not Client.objects.exists()

    assert "  created: 1\n" in run("clients", str(path), "--commit")
    assert Client.objects.get().name == "Harbor Fair"
    assert ImportRun.objects.get().records.get().action == "created"
    assert "  unchanged: 1\n" in run("clients", str(path), "--commit")
    assert Client.objects.count() == 1


def test_the_command_matches_other_headers_and_refuses_a_bad_file(tmp_path):
    path = tmp_path / "vendors.csv"
    path.write_text("Maker,Orders to\nMugs & Co,orders@mugs.example.com\n")
    with pytest.raises(CommandError, match="No column is matched to Supplier Name"):
        run("suppliers", str(path))
    assert "  to be created: 1\n" in run(
        "suppliers", str(path), "--column", "Maker=name", "--column", "Orders to=email"
    )
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="^Nothing was imported. empty.csv is empty"):
        run("suppliers", str(empty))


def test_the_command_imports_open_orders(tmp_path, sales_rep):
    from projects.models import SalesOrder
    from tests.factories import ClientFactory

    ClientFactory(name="Harbor Fair")
    path = tmp_path / "open-orders.csv"
    path.write_text(
        "Job #,Job Name,Client,Sales Rep,Order #,Description,Qty,Unit Price\n"
        "P-4410,Spring Fair,Harbor Fair,sam,SO-7702,Mug,0,12.50\n"
        "P-4410,Spring Fair,Harbor Fair,sam,SO-7702,Pen,100,1.50\n"
    )
    assert "row 2, Qty: 0 is not a whole number of at least 1" in run("orders", str(path))
    assert "  created: 1\n" in run("orders", str(path), "--commit")
    assert SalesOrder.objects.get().number == "SO-7702"

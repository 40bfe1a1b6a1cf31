"""Export everything: one ZIP of CSV files, streamed, managers only; and its clients and suppliers import back."""

import csv
import io
import zipfile
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.test import Client as Browser
from django.urls import reverse

from imports import exporting
from imports.kinds import KINDS
from imports.services import import_script
from projects.models import Client
from purchasing.models import Supplier
from tests.browser.pages import build_world
from tests.factories import ClientFactory, SupplierFactory

pytestmark = pytest.mark.usefixtures("postgres")


def signed_in(user) -> Browser:
    browser = Browser()
    browser.force_login(user)
    return browser


def unzip(content: bytes) -> dict[str, list[list[str]]]:
    """Each CSV of the ZIP as rows (the header first), and README.txt as one row of its text."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    files = {}
    for name in archive.namelist():
        text = archive.read(name).decode("utf-8")
        if name.endswith(".csv"):
            assert text.startswith("\ufeff")  # Excel reads it as UTF-8
            files[name] = list(csv.reader(io.StringIO(text[1:])))
        else:
            files[name] = [[text]]
    return files


def download(browser: Browser) -> tuple[StreamingHttpResponse, list[bytes]]:
    response = browser.get(reverse("export-everything"))
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    return response, list(response.streaming_content)


def test_the_zip_holds_every_kind_in_its_columns_with_numbers_not_ids(
    settings, mug_order, production_rep, sales_rep, invoicing_rep
):
    world = build_world(
        mug_order=mug_order, production_rep=production_rep, sales_rep=sales_rep, invoicing_rep=invoicing_rep
    )
    response, pieces = download(signed_in(world.manager))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="backorder-desk-export-')
    files = unzip(b"".join(pieces))

    assert list(files) == [export_file.name for export_file in exporting.FILES] + ["README.txt"]
    for export_file in exporting.FILES:
        assert files[export_file.name][0] == [column.header for column in export_file.columns], export_file.name
    # The clients' and suppliers' files have the import's own columns.
    assert files["clients.csv"][0] == [column.header for column in KINDS["clients"].columns]
    assert files["suppliers.csv"][0] == [column.header for column in KINDS["suppliers"].columns]
    readme = files["README.txt"][0][0]
    for export_file in exporting.FILES:
        assert export_file.name in readme
        assert all(f"  - {column.header}" in readme for column in export_file.columns)
    assert "waits for" not in readme and "cannot be imported yet" in readme

    def rows(name):
        header, *body = files[name]
        return [dict(zip(header, row, strict=True)) for row in body]

    # Items by their order's number and line; PO lines, backorders and invoice lines point at them so.
    items = rows("sales_order_items.csv")
    mugs = next(item for item in items if item["Description"].startswith("11 oz ceramic mug"))
    assert (mugs["Sales Order Number"], mugs["Line"], mugs["Unit Price"], mugs["Tax Rate"]) == (
        "SO-1001",
        "1",
        "4.25",
        "8.25",
    )
    assert [(line["PO Number"], line["Item Line"], line["Quantity"]) for line in rows("purchase_order_lines.csv")] == [
        ("PO-1001", "1", "500"),
        ("PO-1001", "2", "1"),
    ]
    [backorder] = rows("backorders.csv")
    assert (backorder["PO Number"], backorder["Item Line"], backorder["Quantity"], backorder["Status"]) == (
        "PO-1001",
        "1",
        "200",
        "Open",
    )
    assert backorder["Raised By"] == "pat" and backorder["Expected Date"] == world.backorder.expected_date.isoformat()
    [invoice] = rows("invoices.csv")
    assert invoice["Invoice Number"] == world.invoice.number and invoice["Client Name"] == world.client.name
    assert invoice["Total"] == str(world.invoice.total) and invoice["Paid"] == "500.00"
    assert invoice["Balance Due"] == str(world.invoice.total - world.invoice.credited_amount - Decimal("500.00"))
    assert invoice["Date"] == world.invoice.date.isoformat()
    [payment] = rows("payments.csv")
    assert (payment["Invoice Number"], payment["Amount"], payment["Method"]) == (
        world.invoice.number,
        "500.00",
        "ACH / bank transfer",
    )
    [credit_line] = rows("credit_note_lines.csv")
    assert (credit_line["Credit Note Number"], credit_line["Invoice Number"], credit_line["Item Line"]) == (
        world.credit_note.number,
        world.invoice.number,
        "1",
    )
    assert {note["Project Number"] for note in rows("notes.csv")} == {"P-1001"}
    assert {row["Project Number"] for row in rows("activity.csv")} == {"P-1001"}
    assert any(row["Verb"] and row["Who"] == "pat" for row in rows("activity.csv"))
    # No database id anywhere: every reference is a number, a name or a user name.
    assert "id" not in {header.lower() for export_file in exporting.FILES for header in files[export_file.name][0]}


def test_the_zip_is_sent_as_it_is_written(monkeypatch, manager):
    ClientFactory.create_batch(5)
    SupplierFactory.create_batch(3)
    monkeypatch.setattr(exporting, "CHUNK_ROWS", 2)
    monkeypatch.setattr(exporting, "SEND_BYTES", 1)
    _response, pieces = download(signed_in(manager))
    # A piece after each chunk of rows, not one ZIP at the end.
    assert len([piece for piece in pieces if piece]) > len(exporting.FILES)
    files = unzip(b"".join(pieces))
    assert len(files["clients.csv"]) == 6 and len(files["suppliers.csv"]) == 4


def test_only_managers_export_everything(sales_rep, invoicing_rep, production_rep, client):
    for user in (sales_rep, invoicing_rep, production_rep):
        assert signed_in(user).get(reverse("export-everything")).status_code == 403
    signed_out = client.get(reverse("export-everything"))
    assert signed_out.status_code == 302 and signed_out.url.startswith(reverse("login"))


def test_the_import_page_offers_the_button(manager):
    page = signed_in(manager).get(reverse("import-index")).content.decode()
    assert f'href="{reverse("export-everything")}"' in page and "Export everything (ZIP)" in page


def test_the_command_writes_a_valid_zip(tmp_path, manager):
    ClientFactory(name="Harbor Fair Events")
    out = StringIO()
    call_command("export_data", "--output", str(tmp_path / "desk.zip"), stdout=out)
    assert out.getvalue().startswith(f"Wrote {tmp_path / 'desk.zip'} (")
    files = unzip((tmp_path / "desk.zip").read_bytes())
    assert files["clients.csv"][1][0] == "Harbor Fair Events"
    assert not list(tmp_path.glob("*.part"))


# --- the round trip: what imports today comes back as it was -------------------------------------------


CLIENT_FIELDS = [column.field for column in KINDS["clients"].columns]
SUPPLIER_FIELDS = [column.field for column in KINDS["suppliers"].columns]


def desk_rows(model, fields):
    return [tuple(row) for row in model.objects.order_by("name").values_list(*fields)]


def test_an_exported_desk_imports_into_an_empty_one_row_for_row(manager):
    # Clients with a reference and without; what a spreadsheet would run (= + - @) and text on several lines.
    ClientFactory(
        name="Harbor Fair Events",
        billing_email="ap@harbor.example.com",
        billing_address="9 Pier Road\nPortland, OR 97201",
        tax_id="EIN 12-3456789",
        terms_days=45,
        default_tax_rate=Decimal("8.25"),
        external_ref="C-1042",
    )
    ClientFactory(
        name="=Dunes & Sons",
        billing_email="dunes@example.com",
        billing_address="",
        terms_days=0,
        default_tax_rate=Decimal("0.00"),
        external_ref="",
    )
    ClientFactory(
        name='Zoë Łódź GmbH, "Quoted"',
        billing_email="buchhaltung@lodz.example.com",
        billing_address="-Hinterhof-\nUlica 5",
        tax_id="+DE123",
        terms_days=365,
        default_tax_rate=Decimal("19.99"),
        external_ref="-7",
    )
    SupplierFactory(name="Mugs & Co", email="orders@mugs.example.com", phone="+1 503 555 0142", external_ref="V-208")
    SupplierFactory(name="@Caps Unlimited", email="", phone="", external_ref="")
    clients_before = desk_rows(Client, CLIENT_FIELDS)
    suppliers_before = desk_rows(Supplier, SUPPLIER_FIELDS)

    archive = zipfile.ZipFile(io.BytesIO(b"".join(download(signed_in(manager))[1])))
    Client.objects.all().delete()
    Supplier.objects.all().delete()

    for kind, name, count in (("clients", "clients.csv", 3), ("suppliers", "suppliers.csv", 2)):
        outcome = import_script(kind=KINDS[kind], file_name=name, content=archive.read(name), commit=True)
        assert (len(outcome.created), outcome.refused_rows, outcome.left_out) == (count, 0, []), outcome.summary()
    assert desk_rows(Client, CLIENT_FIELDS) == clients_before
    assert desk_rows(Supplier, SUPPLIER_FIELDS) == suppliers_before
    # Money to the cent: the tax rates are the same Decimals, not merely equal floats.
    assert [str(rate) for rate in Client.objects.order_by("name").values_list("default_tax_rate", flat=True)] == [
        "0.00",
        "8.25",
        "19.99",
    ]


def test_each_import_file_has_its_kinds_own_columns_and_a_kind_without_a_source_is_refused():
    from imports import exported_kinds

    assert list(exported_kinds.IMPORT_FILES) == [
        "clients",
        "suppliers",
        "orders",
        "purchase-orders",
        "invoices",
        "payments",
    ]
    for kind, export_file in exported_kinds.IMPORT_FILES.items():
        assert [column.header for column in export_file.columns] == [column.header for column in KINDS[kind].columns]
        assert export_file in exporting.FILES
    readme = exporting.readme()
    assert "  3. orders: import_orders.csv" in readme and "cannot be imported yet" in readme
    # One source of truth: a column the import reads and the export does not write stops the desk at start-up.
    sources = dict(exported_kinds.PAYMENTS)
    del sources["reference"]
    with pytest.raises(LookupError, match="reference"):
        exported_kinds._columns("payments", sources)

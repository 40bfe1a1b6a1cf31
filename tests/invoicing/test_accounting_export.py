"""Export to accounting from the Invoices Report: QuickBooks Online and Xero import files, marked Exported.

Every file is read back with csv.DictReader and every column of every row is checked against the
invoice and its lines, spelled out here rather than taken from the module under test.
"""

import csv
import io
import threading
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.errors import RoleRequired, ValidationFailed
from invoicing import accounting_export
from invoicing.accounting_export import NothingToExport, invoices_export_to_accounting
from invoicing.models import Invoice, InvoiceLine
from invoicing.services.drafts import invoice_draft_update
from invoicing.services.issue import LineRequest, invoice_create
from invoicing.services.marks import invoice_status_change
from invoicing.services.void import invoice_void
from projects.models import Activity, CompanySettings, SalesOrder
from tests.conftest import need_service
from tests.factories import ClientFactory, ProjectFactory, SalesOrderFactory, SalesOrderItemFactory
from tests.reports.conftest import signed_in

PAGE = "/invoices/report/"
EXPORT = "/invoices/report/export/"
API = "/api/invoices/export/"
BOM = b"\xef\xbb\xbf"

QBO_HEADERS = [
    "*InvoiceNo",
    "*Customer",
    "*InvoiceDate",
    "*DueDate",
    "Terms",
    "Location",
    "Memo",
    "Item(Product/Service)",
    "ItemDescription",
    "ItemQuantity",
    "ItemRate",
    "*ItemAmount",
    "Taxable",
    "TaxRate",
    "Service Date",
]
XERO_HEADERS = [
    "*ContactName",
    "EmailAddress",
    "POAddressLine1",
    "POAddressLine2",
    "POAddressLine3",
    "POAddressLine4",
    "POCity",
    "PORegion",
    "POPostalCode",
    "POCountry",
    "*InvoiceNumber",
    "Reference",
    "*InvoiceDate",
    "*DueDate",
    "Total",
    "InventoryItemCode",
    "*Description",
    "*Quantity",
    "*UnitAmount",
    "Discount",
    "*AccountCode",
    "*TaxType",
    "TaxAmount",
    "TrackingName1",
    "TrackingOption1",
    "TrackingName2",
    "TrackingOption2",
    "Currency",
    "BrandingTheme",
]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the books: invoices issued through the services --------------------------------------------


def order_of(client, items, *, client_po: str = "") -> SalesOrder:
    """A sales order Ready to be Invoiced with (description, quantity, unit price, tax rate) items."""
    order = SalesOrderFactory(
        project=ProjectFactory(client=client),
        status=SalesOrder.Status.READY_TO_BE_INVOICED,
        client_po_number=client_po,
    )
    for position, (description, quantity, price, tax) in enumerate(items):
        SalesOrderItemFactory(
            sales_order=order,
            description=description,
            quantity=quantity,
            unit_price=Decimal(price),
            tax_rate=Decimal(tax),
            position=position,
        )
    return order


def issue(order: SalesOrder, by, *, days_ago: int = 0, quantities=None) -> Invoice:
    items = list(order.items.order_by("position"))
    lines = [LineRequest(item, quantity) for item, quantity in zip(items, quantities or [], strict=False)] or None
    return invoice_create(
        sales_order=order, lines=lines, by=by, invoice_date=timezone.localdate() - timedelta(days=days_ago)
    )


@dataclass
class Books:
    acme: object
    globex: object
    mugs: Invoice  # Acme, two taxed lines, a client PO number, Net 30
    caps: Invoice  # Globex, one untaxed line, Net 15, a one-line address
    pens: Invoice  # Zoë's, a description a spreadsheet would run


@pytest.fixture
def books(invoicing_rep) -> Books:
    acme = ClientFactory(
        name="Acme Promotions, Inc.",
        billing_email="ap@acme.example.com",
        billing_address="Attn: Accounts Payable\n500 Market Street\nSuite 210\nSan Francisco, CA 94105\nUSA",
        terms_days=30,
    )
    globex = ClientFactory(
        name="Globex Events", billing_email="billing@globex.example.com", billing_address="1 Globex Way", terms_days=15
    )
    zoe = ClientFactory(
        name="Zoë Łódź Werbemittel", billing_email="konto@zoe.example.com", billing_address="", terms_days=0
    )
    mugs = issue(
        order_of(
            acme,
            [('11 oz mug, "white", 2-colour print', 10, "4.25", "8.25"), ("Setup charge", 1, "65.00", "8.25")],
            client_po="ACME-PO-4711",
        ),
        invoicing_rep,
        days_ago=3,
    )
    caps = issue(order_of(globex, [("Embroidered cap", 3, "12.40", "0.00")]), invoicing_rep, days_ago=1)
    pens = issue(order_of(zoe, [("=SUM(A1:A9) pens", 7, "1.99", "7.00")]), invoicing_rep)
    return Books(acme=acme, globex=globex, mugs=mugs, caps=caps, pens=pens)


@pytest.fixture
def ivy(invoicing_rep):
    return signed_in(invoicing_rep)


def read_file(response) -> tuple[list[str], list[dict]]:
    """The downloaded file as the header row and one dict per row; it must start with the byte order mark."""
    assert isinstance(response, StreamingHttpResponse), getattr(response, "content", b"")[:500]
    body = b"".join(response.streaming_content)
    assert body.startswith(BOM)
    text = body[len(BOM) :].decode("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def us_date(day) -> str:
    return day.strftime("%m/%d/%Y")


def lines_of(invoice: Invoice) -> list[InvoiceLine]:
    return list(invoice.lines.order_by("id"))


# --- QuickBooks Online --------------------------------------------------------------------------


def test_quickbooks_file_has_every_column_of_every_line(ivy, books):
    mugs, caps, pens = books.mugs, books.caps, books.pens

    response = ivy.post(EXPORT, {"invoice": [pens.pk, mugs.pk, caps.pk], "format": "quickbooks_online"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    filename = f"quickbooks-online-invoices-{timezone.localdate().isoformat()}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    headers, rows = read_file(response)
    assert headers == QBO_HEADERS
    mug_line, setup_line = lines_of(mugs)
    (cap_line,) = lines_of(caps)
    (pen_line,) = lines_of(pens)
    mugs_invoice = {
        "*InvoiceNo": mugs.number,
        "*Customer": "Acme Promotions, Inc.",
        "*InvoiceDate": us_date(mugs.date),
        "*DueDate": us_date(mugs.date + timedelta(days=30)),
        "Terms": "Net 30",
        "Location": "",
        "Memo": f"{mugs.sales_order.number}, client PO ACME-PO-4711",
        "Item(Product/Service)": "Sales",
    }
    # In invoice number order, each invoice's lines in their order.
    assert rows == [
        {
            **mugs_invoice,
            "ItemDescription": '11 oz mug, "white", 2-colour print',
            "ItemQuantity": "10",
            "ItemRate": "4.25",
            "*ItemAmount": "42.50",
            "Taxable": "Y",
            "TaxRate": "8.25%",
            "Service Date": "",
        },
        {
            **mugs_invoice,
            "ItemDescription": "Setup charge",
            "ItemQuantity": "1",
            "ItemRate": "65.00",
            "*ItemAmount": "65.00",
            "Taxable": "Y",
            "TaxRate": "8.25%",
            "Service Date": "",
        },
        {
            "*InvoiceNo": caps.number,
            "*Customer": "Globex Events",
            "*InvoiceDate": us_date(caps.date),
            "*DueDate": us_date(caps.date + timedelta(days=15)),
            "Terms": "Net 15",
            "Location": "",
            "Memo": caps.sales_order.number,
            "Item(Product/Service)": "Sales",
            "ItemDescription": "Embroidered cap",
            "ItemQuantity": "3",
            "ItemRate": "12.40",
            "*ItemAmount": "37.20",
            "Taxable": "N",
            "TaxRate": "",
            "Service Date": "",
        },
        {
            "*InvoiceNo": pens.number,
            "*Customer": "Zoë Łódź Werbemittel",
            "*InvoiceDate": us_date(timezone.localdate()),
            "*DueDate": us_date(timezone.localdate()),
            "Terms": "Due on receipt",
            "Location": "",
            "Memo": pens.sales_order.number,
            "Item(Product/Service)": "Sales",
            # Written as typed: the import reads it as text, and a quote would become part of it.
            "ItemDescription": "=SUM(A1:A9) pens",
            "ItemQuantity": "7",
            "ItemRate": "1.99",
            "*ItemAmount": "13.93",
            "Taxable": "Y",
            "TaxRate": "7%",
            "Service Date": "",
        },
    ]
    # The figures are the invoice's own, as stored at issue.
    for row, line in zip(rows, [mug_line, setup_line, cap_line, pen_line], strict=True):
        assert (Decimal(row["ItemRate"]), Decimal(row["*ItemAmount"])) == (line.unit_price, line.amount)
        assert int(row["ItemQuantity"]) == line.quantity and row["ItemDescription"] == line.description


def test_quickbooks_item_and_date_format_come_from_settings(ivy, books, settings):
    settings.ACCOUNTING_QBO_ITEM = "Promotional products"
    settings.ACCOUNTING_QBO_DATE_FORMAT = "%d/%m/%Y"

    _headers, rows = read_file(ivy.post(EXPORT, {"invoice": [books.caps.pk], "format": "quickbooks_online"}))

    assert [(row["Item(Product/Service)"], row["*InvoiceDate"]) for row in rows] == [
        ("Promotional products", books.caps.date.strftime("%d/%m/%Y"))
    ]


# --- Xero ---------------------------------------------------------------------------------------


def test_xero_file_has_every_column_of_every_line(ivy, books):
    mugs, caps = books.mugs, books.caps

    response = ivy.post(EXPORT, {"invoice": [caps.pk, mugs.pk], "format": "xero"})

    assert response.status_code == 200
    filename = f"xero-sales-invoices-{timezone.localdate().isoformat()}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    headers, rows = read_file(response)
    assert headers == XERO_HEADERS
    empty = dict.fromkeys(
        [
            "POCity",
            "PORegion",
            "POPostalCode",
            "POCountry",
            "InventoryItemCode",
            "Discount",
            "TrackingName1",
            "TrackingOption1",
            "TrackingName2",
            "TrackingOption2",
            "BrandingTheme",
        ],
        "",
    )
    mugs_invoice = {
        **empty,
        "*ContactName": "Acme Promotions, Inc.",
        "EmailAddress": "ap@acme.example.com",
        "POAddressLine1": "Attn: Accounts Payable",
        "POAddressLine2": "500 Market Street",
        "POAddressLine3": "Suite 210",
        # A fourth line takes the rest of the address.
        "POAddressLine4": "San Francisco, CA 94105, USA",
        "*InvoiceNumber": mugs.number,
        "Reference": f"{mugs.sales_order.number}, client PO ACME-PO-4711",
        "*InvoiceDate": us_date(mugs.date),
        "*DueDate": us_date(mugs.due_date),
        # 42.50 + 65.00 net, 3.51 + 5.36 tax
        "Total": "116.37",
        "*AccountCode": "200",
        "Currency": "USD",
    }
    assert rows == [
        {
            **mugs_invoice,
            "*Description": '11 oz mug, "white", 2-colour print',
            "*Quantity": "10",
            "*UnitAmount": "4.25",
            "*TaxType": "Tax on Sales",
            "TaxAmount": "3.51",
        },
        {
            **mugs_invoice,
            "*Description": "Setup charge",
            "*Quantity": "1",
            "*UnitAmount": "65.00",
            "*TaxType": "Tax on Sales",
            "TaxAmount": "5.36",
        },
        {
            **empty,
            "*ContactName": "Globex Events",
            "EmailAddress": "billing@globex.example.com",
            "POAddressLine1": "1 Globex Way",
            "POAddressLine2": "",
            "POAddressLine3": "",
            "POAddressLine4": "",
            "*InvoiceNumber": caps.number,
            "Reference": caps.sales_order.number,
            "*InvoiceDate": us_date(caps.date),
            "*DueDate": us_date(caps.due_date),
            "Total": "37.20",
            "*Description": "Embroidered cap",
            "*Quantity": "3",
            "*UnitAmount": "12.40",
            "*AccountCode": "200",
            "*TaxType": "Tax Exempt",
            "TaxAmount": "0.00",
            "Currency": "USD",
        },
    ]
    # Against the stored invoice: its total on each of its rows, each line's tax.
    mugs.refresh_from_db()
    assert (
        Decimal(rows[0]["Total"])
        == mugs.total
        == sum(Decimal(row["TaxAmount"]) for row in rows[:2]) + Decimal("107.50")
    )
    assert [Decimal(row["TaxAmount"]) for row in rows] == [line.tax for line in [*lines_of(mugs), *lines_of(caps)]]


def test_xero_codes_theme_dates_and_currency_come_from_settings(ivy, books, settings):
    settings.ACCOUNTING_SALES_ACCOUNT = "4000"
    settings.ACCOUNTING_XERO_TAX_TYPE = "20% (VAT on Income)"
    settings.ACCOUNTING_XERO_TAX_EXEMPT_TYPE = "No VAT"
    settings.ACCOUNTING_XERO_BRANDING_THEME = "Standard"
    settings.ACCOUNTING_XERO_DATE_FORMAT = "%d/%m/%Y"
    CompanySettings(currency="GBP").save()

    _headers, rows = read_file(ivy.post(EXPORT, {"invoice": [books.mugs.pk, books.caps.pk], "format": "xero"}))

    assert [
        (row["*AccountCode"], row["*TaxType"], row["BrandingTheme"], row["Currency"], row["*DueDate"]) for row in rows
    ] == [
        ("4000", "20% (VAT on Income)", "Standard", "GBP", books.mugs.due_date.strftime("%d/%m/%Y")),
        ("4000", "20% (VAT on Income)", "Standard", "GBP", books.mugs.due_date.strftime("%d/%m/%Y")),
        ("4000", "No VAT", "Standard", "GBP", books.caps.due_date.strftime("%d/%m/%Y")),
    ]


def test_bom_0_leaves_the_byte_order_mark_out(ivy, books):
    response = ivy.post(EXPORT + "?bom=0", {"invoice": [books.caps.pk], "format": "xero"})

    body = b"".join(response.streaming_content)
    assert body.startswith(b"*ContactName,EmailAddress,")
    assert len(list(csv.DictReader(io.StringIO(body.decode())))) == 1


# --- the import files carry every cell as typed -------------------------------------------------

# Real client names that start with a sign a spreadsheet reads as a formula. QuickBooks and Xero match
# the contact by its exact name, so "'+1 Promotions" would create a second, misnamed contact.
FORMULA_LOOKING_NAMES = ["+1 Promotions", "@Home Decor", "=Equals Branding Co.", "-40 Below Outfitters"]
FORMULA_LOOKING_ITEMS = ["+2 colour imprint", "@home setup"]


@pytest.fixture
def formula_looking_invoices(invoicing_rep) -> list[Invoice]:
    invoices = []
    for name in FORMULA_LOOKING_NAMES:
        client = ClientFactory(
            name=name,
            billing_email="ap@home.example.com",
            billing_address="+44 Harbour Road\n@ the Old Mill\n=Unit 4",
            terms_days=30,
        )
        items = [(FORMULA_LOOKING_ITEMS[0], 5, "3.10", "8.25"), (FORMULA_LOOKING_ITEMS[1], 1, "40.00", "0.00")]
        invoices.append(issue(order_of(client, items, client_po="=PO-7"), invoicing_rep))
    return invoices


def read_import_file(content: str) -> tuple[list[str], list[dict]]:
    """The file read back the way an import program reads it: csv, no spreadsheet in between."""
    reader = csv.DictReader(io.StringIO(content))
    return list(reader.fieldnames or []), list(reader)


@pytest.mark.parametrize(
    "export_format, name_column, description_column",
    [("quickbooks_online", "*Customer", "ItemDescription"), ("xero", "*ContactName", "*Description")],
)
def test_the_import_file_names_each_client_exactly_as_typed(
    ivy, formula_looking_invoices, export_format, name_column, description_column
):
    response = ivy.post(
        EXPORT + "?bom=0", {"invoice": [invoice.pk for invoice in formula_looking_invoices], "format": export_format}
    )

    assert response.status_code == 200
    _headers, rows = read_import_file(b"".join(response.streaming_content).decode("utf-8"))
    assert [row[name_column] for row in rows] == [name for name in FORMULA_LOOKING_NAMES for _line in range(2)]
    assert [row[description_column] for row in rows] == FORMULA_LOOKING_ITEMS * len(FORMULA_LOOKING_NAMES)
    # No cell of the file is changed for a spreadsheet's sake.
    assert [value for row in rows for value in row.values() if value.startswith("'")] == []


def test_the_xero_file_writes_addresses_and_references_exactly_as_typed(ivy, formula_looking_invoices):
    invoice = formula_looking_invoices[0]

    _headers, rows = read_file(ivy.post(EXPORT, {"invoice": [invoice.pk], "format": "xero"}))

    assert {
        (row["POAddressLine1"], row["POAddressLine2"], row["POAddressLine3"], row["Reference"]) for row in rows
    } == {("+44 Harbour Road", "@ the Old Mill", "=Unit 4", f"{invoice.sales_order.number}, client PO =PO-7")}


def test_the_api_export_names_each_client_exactly_as_typed(api, formula_looking_invoices):
    ids = [invoice.pk for invoice in formula_looking_invoices]

    for export_format, name_column in [("quickbooks_online", "*Customer"), ("xero", "*ContactName")]:
        response = api.post(API, {"format": export_format, "invoices": ids, "include_exported": True}, format="json")

        assert response.status_code == 200, export_format
        # utf-8-sig takes the byte order mark off, as the import does.
        _headers, rows = read_import_file(b"".join(response.streaming_content).decode("utf-8-sig"))
        assert [row[name_column] for row in rows[::2]] == FORMULA_LOOKING_NAMES, export_format


def test_the_files_a_person_opens_still_quote_those_names(ivy, formula_looking_invoices):
    # The Invoices Report's CSV goes to a spreadsheet: there a leading sign would run as a formula.
    data = b"".join(ivy.get("/invoices/report/?format=csv").streaming_content).decode("utf-8-sig")
    assert sorted(row["client"] for row in csv.DictReader(io.StringIO(data))) == sorted(
        f"'{name}" for name in FORMULA_LOOKING_NAMES
    )


# --- marking: exactly the exported invoices, logged ---------------------------------------------


def export_activity(invoice: Invoice) -> list[tuple]:
    return list(
        Activity.objects.filter(subject_id=invoice.pk, verb="exported to accounting")
        .order_by("id")
        .values_list("actor__username", "from_value", "to_value", "detail")
    )


def test_exactly_the_chosen_invoices_are_marked_exported_and_logged(ivy, books, invoicing_rep):
    invoice_status_change(invoice=books.caps, status=Invoice.Status.EXPORTED, by=invoicing_rep)
    Invoice.objects.filter(pk=books.caps.pk).update(exported_at=timezone.now() - timedelta(days=2))
    before = timezone.now()
    untouched = Invoice.objects.get(pk=books.pens.pk)

    response = ivy.post(EXPORT, {"invoice": [books.mugs.pk], "format": "quickbooks_online"})

    assert response.status_code == 200
    mugs = Invoice.objects.get(pk=books.mugs.pk)
    assert mugs.status == Invoice.Status.EXPORTED
    assert mugs.exported_at >= before and mugs.updated_at >= before
    filename = f"quickbooks-online-invoices-{timezone.localdate().isoformat()}.csv"
    assert export_activity(mugs) == [("ivy", "Open", "Exported", f"QuickBooks Online (invoice import CSV): {filename}")]
    # The others are as they were.
    pens = Invoice.objects.get(pk=books.pens.pk)
    assert (pens.status, pens.exported_at, pens.updated_at) == (Invoice.Status.OPEN, None, untouched.updated_at)
    assert Invoice.objects.get(pk=books.caps.pk).exported_at < before
    assert Activity.objects.filter(verb="exported to accounting").count() == 1
    assert response["X-Exported-Count"] == "1" and response["X-Left-Out-Count"] == "0"
    assert response["X-Exported-Invoices"] == str(mugs.pk)


def test_already_exported_and_paid_invoices_are_left_out_unless_included(ivy, books, invoicing_rep):
    invoice_status_change(invoice=books.caps, status=Invoice.Status.EXPORTED, by=invoicing_rep)
    invoice_status_change(invoice=books.pens, status=Invoice.Status.PAID, by=invoicing_rep)
    chosen = {"invoice": [books.mugs.pk, books.caps.pk, books.pens.pk], "format": "xero"}

    # without "include": only the open invoice goes, and the answer says why the others did not
    response = ivy.post(EXPORT, chosen)
    _headers, rows = read_file(response)
    assert {row["*InvoiceNumber"] for row in rows} == {books.mugs.number}
    summary = (
        f"Exported 1 invoice to Xero. Left out 2: 1 already exported ({books.caps.number}); "
        f'1 paid ({books.pens.number}); tick "Include invoices already exported" to export those again.'
    )
    assert response["X-Export-Summary"] == summary
    assert (response["X-Exported-Count"], response["X-Left-Out-Count"]) == ("1", "2")
    assert export_activity(books.caps) == [] and export_activity(books.pens) == []
    # and the page shown next says it too
    assert [str(message) for message in ivy.get(PAGE).context["messages"]] == [summary]

    # with "include": all three go; the paid invoice stays Paid, the exported one Exported, both dated again
    before = timezone.now()
    response = ivy.post(EXPORT, {**chosen, "include_exported": "on"})
    _headers, rows = read_file(response)
    assert [row["*InvoiceNumber"] for row in rows] == [
        books.mugs.number,
        books.mugs.number,
        books.caps.number,
        books.pens.number,
    ]
    assert response["X-Export-Summary"] == "Exported 3 invoices to Xero."
    statuses = dict(Invoice.objects.filter(pk__in=chosen["invoice"]).values_list("number", "status"))
    assert statuses == {books.mugs.number: "exported", books.caps.number: "exported", books.pens.number: "paid"}
    assert all(invoice.exported_at >= before for invoice in Invoice.objects.filter(pk__in=chosen["invoice"]))
    assert [row[1:3] for row in export_activity(books.pens)] == [("Paid", "Paid")]
    assert [row[1:3] for row in export_activity(books.caps)] == [("Exported", "Exported")]
    assert [row[1:3] for row in export_activity(books.mugs)] == [("Open", "Exported"), ("Exported", "Exported")]


def test_void_invoices_and_drafts_are_never_exported(books, invoicing_rep, manager):
    invoice_void(invoice=books.caps, reason="Wrong client office", by=manager)
    order = order_of(books.globex, [("Lanyard", 50, "0.80", "8.25")])
    draft = invoice_create(sales_order=order, by=invoicing_rep, draft=True)
    invoice_draft_update(invoice=draft, lines=[LineRequest(order.items.get(), 20)], by=invoicing_rep)

    export = invoices_export_to_accounting(
        export_format="xero",
        by=invoicing_rep,
        invoice_ids=[books.caps.pk, draft.pk, books.mugs.pk],
        include_exported=True,
    )

    assert [invoice.number for invoice in export.exported] == [books.mugs.number]
    assert export.left_out == {"void": [books.caps.number], "draft, not issued": [f"draft {draft.pk}"]}
    assert Invoice.objects.get(pk=books.caps.pk).status == Invoice.Status.VOID
    assert Invoice.objects.get(pk=draft.pk).status == Invoice.Status.DRAFT
    assert export_activity(books.caps) == [] and export_activity(draft) == []
    # Chosen alone, they are refused: nothing was exported, and the answer says why.
    with pytest.raises(NothingToExport) as refused:
        invoices_export_to_accounting(
            export_format="xero", by=invoicing_rep, invoice_ids=[books.caps.pk], include_exported=True
        )
    assert str(refused.value) == f"Nothing was exported: 1 void ({books.caps.number})."


# --- refusals change nothing --------------------------------------------------------------------


def nothing_changed(books) -> None:
    assert set(Invoice.objects.values_list("status", flat=True)) == {Invoice.Status.OPEN}
    assert not Invoice.objects.filter(exported_at__isnull=False).exists()
    assert not Activity.objects.filter(verb="exported to accounting").exists()


def test_an_unknown_format_is_refused_next_to_the_field(ivy, books):
    response = ivy.post(EXPORT, {"invoice": [books.mugs.pk], "format": "sage"})

    assert response.status_code == 400
    assert response.context["export_form"].errors == {
        "format": ["Select a valid choice. sage is not one of the available choices."]
    }
    assert "Select a valid choice. sage is not one of the available choices." in response.content.decode()
    nothing_changed(books)


def test_an_unknown_invoice_is_refused_and_the_others_are_not_exported(ivy, books):
    response = ivy.post(EXPORT, {"invoice": [books.mugs.pk, 987654], "format": "xero"})

    assert response.status_code == 400
    assert response.context["export_form"].errors == {
        "invoice": ["No invoice has the id 987654; nothing was exported."]
    }
    page = response.content.decode()
    assert "No invoice has the id 987654; nothing was exported." in page
    # the page is the report again, with the same boxes ticked
    assert (
        f'value="{books.mugs.pk}" form="accounting-export" aria-label="{books.mugs.number}" class="pick" checked'
        in page
    )
    nothing_changed(books)


def test_nothing_chosen_is_refused(ivy, books):
    response = ivy.post(EXPORT, {"format": "xero"})

    assert response.status_code == 400
    assert response.context["export_form"].errors == {
        "invoice": ["Tick the invoices to export, or select all invoices matching the filters."]
    }
    assert ivy.post(EXPORT, {"format": "xero", "invoice": ["12x"]}).context["export_form"].errors == {
        "invoice": ["'12x' is not an invoice id."]
    }
    nothing_changed(books)


def test_only_already_exported_invoices_chosen_is_a_conflict_that_says_what_to_tick(ivy, books, invoicing_rep):
    invoice_status_change(invoice=books.caps, status=Invoice.Status.EXPORTED, by=invoicing_rep)

    response = ivy.post(EXPORT, {"invoice": [books.caps.pk], "format": "xero"})

    assert response.status_code == 409
    message = (
        f"Nothing was exported: 1 already exported ({books.caps.number}); "
        'tick "Include invoices already exported" to export those again.'
    )
    assert response.context["export_form"].non_field_errors() == [message]
    assert export_activity(books.caps) == []


def test_more_invoices_than_the_product_imports_from_one_file_are_refused(books, invoicing_rep, monkeypatch):
    # Xero imports at most 500 invoices from one file; a limit of 2 stands in for it here.
    monkeypatch.setitem(accounting_export.FORMATS, "xero", replace(accounting_export.XERO, max_invoices=2))

    with pytest.raises(ValidationFailed) as refused:
        invoices_export_to_accounting(
            export_format="xero", by=invoicing_rep, invoice_ids=[books.mugs.pk, books.caps.pk, books.pens.pk]
        )

    assert refused.value.errors == {
        "invoices": [
            "Xero imports at most 2 invoices from one file; 3 would be exported. "
            "Narrow the filters (the dates, say) and export in parts."
        ]
    }
    nothing_changed(books)


def test_only_invoicing_and_managers_export(books, sales_rep, production_rep, manager):
    for user in (sales_rep, production_rep):
        assert signed_in(user).post(EXPORT, {"invoice": [books.mugs.pk], "format": "xero"}).status_code == 403
        with pytest.raises(RoleRequired):
            invoices_export_to_accounting(export_format="xero", by=user, invoice_ids=[books.mugs.pk])
    nothing_changed(books)
    assert signed_in(manager).post(EXPORT, {"invoice": [books.mugs.pk], "format": "xero"}).status_code == 200
    assert signed_in(manager).get(EXPORT).status_code == 405


# --- the report page ----------------------------------------------------------------------------


def test_the_report_offers_a_labelled_box_per_invoice_and_the_export_choices(ivy, books, manager):
    invoice_void(invoice=books.pens, reason="Issued twice", by=manager)

    page = ivy.get(PAGE).content.decode()

    for invoice in (books.mugs, books.caps):
        assert (
            f'<input type="checkbox" name="invoice" value="{invoice.pk}" form="accounting-export" '
            f'aria-label="{invoice.number}" class="pick">'
        ) in page
    assert f'value="{books.pens.pk}" form="accounting-export"' not in page  # void: nothing to export
    assert '<label for="id_all_matching">Select all 3 invoices matching the filters (every page)</label>' in page
    assert '<label for="id_include_exported">Include invoices already exported</label>' in page
    assert '<label for="id_format">Format</label>' in page
    assert '<option value="quickbooks_online">QuickBooks Online (invoice import CSV)</option>' in page
    assert '<option value="xero">Xero (sales invoice import CSV)</option>' in page
    assert 'action="/invoices/report/export/"' in page


def test_select_all_matching_exports_every_invoice_the_filters_match_across_pages(ivy, books, invoicing_rep):
    # 30 invoices for Acme (two pages of 25), 2 for Globex; the filter picks Acme's
    for _ in range(29):
        issue(order_of(books.acme, [("Pen", 5, "1.00", "8.25")]), invoicing_rep)
    query = f"?client={books.acme.pk}&size=25"
    assert len(ivy.get(PAGE + query).context["rows"]) == 25
    issue(order_of(books.globex, [("Cap", 1, "9.00", "0.00")]), invoicing_rep)

    response = ivy.post(EXPORT + query, {"all_matching": "on", "format": "quickbooks_online"})

    _headers, rows = read_file(response)
    acme_numbers = set(Invoice.objects.filter(sales_order__project__client=books.acme).values_list("number", flat=True))
    assert len(acme_numbers) == 30
    assert {row["*InvoiceNo"] for row in rows} == acme_numbers
    assert len(rows) == 31  # the mugs invoice has two lines
    assert set(Invoice.objects.filter(status=Invoice.Status.EXPORTED).values_list("number", flat=True)) == acme_numbers
    assert Activity.objects.filter(verb="exported to accounting").count() == 30


def test_select_all_matching_follows_every_filter(ivy, books, invoicing_rep):
    invoice_status_change(invoice=books.caps, status=Invoice.Status.EXPORTED, by=invoicing_rep)

    # status=open: Acme's and Zoë's invoices, not Globex's exported one
    response = ivy.post(EXPORT + "?status=open&sort=client", {"all_matching": "on", "format": "xero"})

    _headers, rows = read_file(response)
    assert {row["*InvoiceNumber"] for row in rows} == {books.mugs.number, books.pens.number}


def test_export_costs_the_same_queries_for_two_invoices_as_for_twenty(
    ivy, books, invoicing_rep, django_assert_num_queries
):
    ContentType.objects.get_for_model(Invoice)  # cached for the process, as in a running server
    few = [books.mugs.pk, books.caps.pk]
    many = [
        issue(order_of(books.acme, [("Pen", 5, "1.00", "8.25"), ("Box", 1, "2.00", "8.25")]), invoicing_rep).pk
        for _ in range(20)
    ]

    # session, user, groups (role), the filters' client and rep choices; then, in a savepoint: the
    # chosen invoices locked (with order, project and client), their lines, the currency, one UPDATE
    # of every invoice, one INSERT of every activity row, and the savepoint's release.
    for chosen in (few, many):
        with django_assert_num_queries(12):
            response = ivy.post(EXPORT, {"invoice": chosen, "format": "xero"})
        assert response["X-Exported-Count"] == str(len(chosen))
    with django_assert_num_queries(12):
        response = ivy.post(EXPORT, {"all_matching": "on", "include_exported": "on", "format": "quickbooks_online"})
    assert response["X-Exported-Count"] == "23"


# --- the API ------------------------------------------------------------------------------------


def token_client(user) -> APIClient:
    token, _ = Token.objects.get_or_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(invoicing_rep) -> APIClient:
    return token_client(invoicing_rep)


def test_api_exports_chosen_ids(api, books):
    response = api.post(API, {"format": "xero", "invoices": [books.caps.pk]}, format="json")

    assert response.status_code == 200
    headers, rows = read_file(response)
    assert headers == XERO_HEADERS
    assert [(row["*InvoiceNumber"], row["*Description"], row["Total"]) for row in rows] == [
        (books.caps.number, "Embroidered cap", "37.20")
    ]
    assert (response["X-Exported-Count"], response["X-Left-Out-Count"]) == ("1", "0")
    assert Invoice.objects.get(pk=books.caps.pk).status == Invoice.Status.EXPORTED


def test_api_exports_what_the_report_filters_match(api, books, invoicing_rep):
    invoice_status_change(invoice=books.mugs, status=Invoice.Status.EXPORTED, by=invoicing_rep)
    body = {"format": "quickbooks_online", "filters": {"client": books.acme.pk}, "bom": False}

    response = api.post(API, body, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "detail": f'Nothing was exported: 1 already exported ({books.mugs.number}); send "include_exported": true '
        "to export those again."
    }

    response = api.post(API, {**body, "include_exported": True}, format="json")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("*InvoiceNo,*Customer,")  # bom: false
    assert {row["*InvoiceNo"] for row in csv.DictReader(io.StringIO(text))} == {books.mugs.number}


def test_api_refusals_name_the_field_and_change_nothing(api, books):
    cases = [
        ({"format": "sage", "invoices": [books.mugs.pk]}, {"format": ['"sage" is not a valid choice.']}),
        (
            {"format": "xero", "invoices": [books.mugs.pk, 987654]},
            {"invoices": ["No invoice has the id 987654; nothing was exported."]},
        ),
        (
            {"format": "xero", "invoices": [books.mugs.pk], "filters": {}},
            {"invoices": ["Send either the invoices' ids or the report's filters (every invoice they match)."]},
        ),
        (
            {"format": "xero"},
            {"invoices": ["Send either the invoices' ids or the report's filters (every invoice they match)."]},
        ),
        (
            {"format": "xero", "filters": {"client": 987654}},
            {"filters.client": ['Invalid pk "987654" - object does not exist.']},
        ),
        (
            {"format": "xero", "filters": {"date_from": "2026-05-02", "date_to": "2026-05-01"}},
            {"filters.date_to": ["The end date is before the start date."]},
        ),
    ]
    for body, errors in cases:
        response = api.post(API, body, format="json")
        assert (response.status_code, response.json()) == (400, errors), body
    nothing_changed(books)


def test_api_export_is_for_invoicing_and_managers(books, sales_rep):
    response = token_client(sales_rep).post(API, {"format": "xero", "invoices": [books.mugs.pk]}, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": "Only Invoicing or Managers may export invoices to accounting."}
    nothing_changed(books)


def test_api_export_is_in_the_schema():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/invoices/export/"]["post"]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "409"}
    assert "text/csv" in operation["responses"]["200"]["content"]
    assert {"X-Exported-Count", "X-Left-Out-Count", "X-Export-Summary", "X-Exported-Invoices"} <= set(
        operation["responses"]["200"]["headers"]
    )
    body = schema["components"]["schemas"]["AccountingExportRequest"]["properties"]
    assert {"format", "invoices", "filters", "include_exported", "bom"} <= set(body)
    assert schema["components"]["schemas"]["AccountingExportFormat"]["enum"] == ["quickbooks_online", "xero"]


# --- two exports at once (PostgreSQL) -----------------------------------------------------------


def run_at_once(work, count: int) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def runner(index):
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_exports_export_each_invoice_once(transactional_db, invoicing_rep, manager):
    need_service(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")
    client = ClientFactory()
    invoices = [issue(order_of(client, [("Pen", 5, "1.00", "8.25")]), invoicing_rep) for _ in range(5)]
    ids = [invoice.pk for invoice in invoices]
    # Overlapping choices: every invoice is chosen by two or three of the six exports.
    choices = [ids, ids[:3], ids[2:], [ids[0], ids[4]], ids[1:4], list(reversed(ids))]

    results = run_at_once(
        lambda index: invoices_export_to_accounting(
            export_format="quickbooks_online", by=[invoicing_rep, manager][index % 2], invoice_ids=choices[index]
        ),
        len(choices),
    )

    files = [result for result in results if isinstance(result, accounting_export.AccountingExport)]
    refused = [result for result in results if not isinstance(result, accounting_export.AccountingExport)]
    assert all(isinstance(result, NothingToExport) for result in refused), refused
    in_files = [row["*InvoiceNo"] for export in files for row in csv.DictReader(io.StringIO(export.content))]
    assert sorted(in_files) == sorted(invoice.number for invoice in invoices)  # each in exactly one file
    for invoice in invoices:
        assert len(export_activity(invoice)) == 1
        assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.EXPORTED

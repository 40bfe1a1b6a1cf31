"""Preview, confirm, import again: a file of clients as QuickBooks exports it, on PostgreSQL."""

from decimal import Decimal

import pytest

from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from imports.kinds import KINDS
from imports.models import ImportedRecord, ImportRun
from imports.reading import read_table
from imports.services import evaluate, import_confirm, import_upload
from projects.models import Client
from purchasing.models import Supplier

pytestmark = pytest.mark.usefixtures("postgres")

CLIENTS = KINDS["clients"]

# QuickBooks' customer list: Customer, Email, Bill to, Terms, plus a column the desk does not keep.
QUICKBOOKS = (
    "Customer,Email,Bill to,Terms,Tax Rate,Customer ID,Open Balance\n"
    'Harbor Fair,ap@harbor.example.com,"9 Pier Road\nPortland, OR",Net 45,8.25%,C-1,120.00\n'
    "Blue Ridge Co,billing@blueridge.example.com,,Due on receipt,,C-2,0\n"
    "Cedar & Sons,cedar@example.com,,-3,,C-3,0\n"
    "Dunes Ltd,dunes at example.com,,30,,C-4,0\n"
    "Harbor Fair,other@harbor.example.com,,30,,C-1,0\n"
    'Elm Street Fair,"=HYPERLINK(""mailto:x@y.z"")",,30,,C-6,0\n'
)


def preview(content: str, by=None):
    table = read_table(name="customers.csv", content=content.encode())
    columns = CLIENTS.match_headers(table.headers)
    return evaluate(kind=CLIENTS, table=table, columns=columns, file_name="customers.csv", by=by, commit=False)


def test_the_preview_sorts_every_row_and_names_each_refusal_and_writes_nothing(manager):
    outcome = preview(QUICKBOOKS, by=manager)

    assert [row.label for row in outcome.created] == ["Harbor Fair", "Blue Ridge Co"]
    assert outcome.left_out == ["Open Balance"]
    assert [str(refusal) for refusal in outcome.refusals] == [
        "row 4, Terms: -3 is not a whole number of at least 0",
        "row 5, Email: dunes at example.com is not an email address",
        "row 6, Customer ID: C-1 is on row 2 of this file too: keep one of the two rows",
        'row 7, Email: =HYPERLINK("mailto:x@y.z") is a formula; the desk imports values only: paste the values in '
        "its place",
    ]
    assert outcome.refused_rows == 4
    assert not Client.objects.exists()


def test_confirming_imports_the_good_rows_once_and_the_same_file_again_changes_nothing(manager):
    run = import_upload(kind=CLIENTS, file_name="customers.csv", content=QUICKBOOKS.encode(), by=manager)
    assert run.outcome["created_count"] == 2 and not Client.objects.exists()

    outcome = import_confirm(run=run, by=manager)

    assert len(outcome.created) == 2 and outcome.refused_rows == 4
    harbor = Client.objects.get(external_ref="C-1")
    assert (harbor.name, harbor.billing_email, harbor.billing_address) == (
        "Harbor Fair",
        "ap@harbor.example.com",
        "9 Pier Road\nPortland, OR",
    )
    assert (harbor.terms_days, harbor.default_tax_rate) == (45, Decimal("8.25"))
    assert Client.objects.get(external_ref="C-2").terms_days == 0
    # The import log holds each record written, with the file's name; the file itself is let go.
    run.refresh_from_db()
    assert (run.state, run.created_count, run.refused_count, bytes(run.content)) == ("imported", 2, 4, b"")
    assert [(record.record_label, record.action, record.line) for record in run.records.all()] == [
        ("Harbor Fair", "created", 2),
        ("Blue Ridge Co", "created", 3),
    ]
    assert str(run.records.first()) == "Harbor Fair created from customers.csv"

    again = import_upload(kind=CLIENTS, file_name="customers.csv", content=QUICKBOOKS.encode(), by=manager)
    assert (again.outcome["created_count"], again.outcome["updated_count"], again.outcome["unchanged_count"]) == (
        0,
        0,
        2,
    )
    assert import_confirm(run=again, by=manager).writes == 0
    assert Client.objects.count() == 2


def test_a_corrected_file_updates_only_what_changed_matched_by_reference_then_by_name(manager):
    Client.objects.create(name="Harbor Fair", billing_email="ap@harbor.example.com", terms_days=30)
    Client.objects.create(name="Blue Ridge Co", billing_email="billing@blueridge.example.com", external_ref="C-2")
    corrected = (
        "Client Name,Billing Email,Terms,External Reference\n"
        "Harbor Fair,ap@harbor.example.com,60,C-1\n"  # matched by name: gains its reference and new terms
        "Blue Ridge Company,billing@blueridge.example.com,30,C-2\n"  # matched by reference: renamed
    )
    run = import_upload(kind=CLIENTS, file_name="fixed.csv", content=corrected.encode(), by=manager)
    assert [row["changes"] for row in run.outcome["updated"]] == [
        ["Terms: 30 → 60", "External Reference: (blank) → C-1"],
        ["Client Name: Blue Ridge Co → Blue Ridge Company"],
    ]
    import_confirm(run=run, by=manager)
    assert sorted(Client.objects.values_list("name", "external_ref", "terms_days")) == [
        ("Blue Ridge Company", "C-2", 30),
        ("Harbor Fair", "C-1", 60),
    ]
    assert list(ImportedRecord.objects.values_list("action", "changes")) == [
        ("updated", "Terms: 30 → 60\nExternal Reference: (blank) → C-1"),
        ("updated", "Client Name: Blue Ridge Co → Blue Ridge Company"),
    ]


def test_a_name_carrying_another_reference_in_the_desk_is_refused_not_guessed(manager):
    Client.objects.create(name="Harbor Fair", billing_email="ap@harbor.example.com", external_ref="C-1")
    outcome = preview("Customer,Email,Customer ID\nHarbor Fair,ap@harbor.example.com,C-9\n", by=manager)
    assert [str(refusal) for refusal in outcome.refusals] == [
        "row 2, Customer ID: C-9 is not the reference of Harbor Fair in the desk (C-1): correct the reference, or "
        "the name if this is another client"
    ]


def test_an_error_at_confirm_rolls_every_row_back(manager, monkeypatch):
    from imports import kinds
    from projects.services.clients import client_create

    run = import_upload(kind=CLIENTS, file_name="customers.csv", content=QUICKBOOKS.encode(), by=manager)

    # Between the preview and the confirm, someone saves Blue Ridge Co at the same moment as row 3.
    def saved_meanwhile(*, by, **fields):
        if fields["name"] == "Blue Ridge Co":
            raise ValidationFailed({"name": ["Another record was saved with these details a moment ago."]})
        return client_create(by=by, **fields)

    monkeypatch.setattr(kinds, "client_create", saved_meanwhile)
    with pytest.raises(TransitionNotAllowed) as refused:
        import_confirm(run=run, by=manager)
    assert str(refused.value) == (
        "Nothing was imported: row 3: name: Another record was saved with these details a moment ago. "
        "Preview the file again."
    )
    # Harbor Fair (row 2) was good, and is not written either: the import is one transaction.
    assert not Client.objects.exists()
    run.refresh_from_db()
    assert run.state == ImportRun.State.PREVIEWED and not ImportedRecord.objects.exists()


def test_only_managers_import(sales_rep):
    with pytest.raises(RoleRequired):
        import_upload(kind=CLIENTS, file_name="c.csv", content=b"Customer,Email\nA,a@x.example.com\n", by=sales_rep)


def test_suppliers_from_a_quickbooks_vendor_list(manager):
    vendors = "Vendor,Email,Main Phone,Vendor ID\nMugs & Co,orders@mugs.example.com,5035550142,V-1\n"
    run = import_upload(kind=KINDS["suppliers"], file_name="vendors.csv", content=vendors.encode(), by=manager)
    import_confirm(run=run, by=manager)
    assert list(Supplier.objects.values_list("name", "email", "phone", "external_ref")) == [
        ("Mugs & Co", "orders@mugs.example.com", "5035550142", "V-1")
    ]


def test_an_xlsx_workbook_with_a_formula_and_a_date_excel_made_is_refused_by_cell(manager):
    from datetime import datetime

    from tests.imports.test_reading import xlsx

    content = xlsx(
        [
            ["Client Name", "Billing Email", "Terms", "External Reference"],
            ["Nord", "ap@nord.example.com", 30, 1042],
            ["Sud", '=LOWER("AP@SUD.EXAMPLE.COM")', 30, "C-2"],
            ["Ost", "ap@ost.example.com", 30, datetime(2026, 3, 4)],
        ]
    )
    run = import_upload(kind=CLIENTS, file_name="clients.xlsx", content=content, by=manager)
    assert [row["label"] for row in run.outcome["created"]] == ["Nord"]
    assert [refusal["line"] for refusal in run.outcome["refusals"]] == [3, 4]
    assert [refusal["column"] for refusal in run.outcome["refusals"]] == ["Billing Email", "External Reference"]
    assert run.outcome["refusals"][0]["message"] == (
        "holds a formula; the desk imports values only: paste the values in its place"
    )
    assert run.outcome["refusals"][1]["message"].startswith("2026-03-04 is a date in the file where text belongs")
    import_confirm(run=run, by=manager)
    assert Client.objects.get().external_ref == "1042"

"""The Import pages: a file in, its columns matched, its preview, the confirm; managers only."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as Browser
from django.urls import reverse

from imports.models import ImportRun
from projects.models import Client

pytestmark = pytest.mark.usefixtures("postgres")


@pytest.fixture
def desk(manager):
    browser = Browser()
    browser.force_login(manager)
    return browser


def upload(desk, content: bytes, name: str = "customers.csv", kind: str = "clients"):
    return desk.post(reverse("import-kind", args=[kind]), {"file": SimpleUploadedFile(name, content)})


def test_a_file_whose_headers_are_known_goes_to_its_preview_and_is_imported_on_confirm(desk):
    response = upload(desk, b"Customer,Email,Terms\nHarbor Fair,ap@harbor.example.com,Net 45\nDunes,x,30\n")
    run = ImportRun.objects.get()
    assert response.url == reverse("import-preview", args=[run.pk])
    page = desk.get(response.url).content.decode()
    assert "row 3, Email: x is not an email address" in page
    assert "Import 1 clients" in page
    assert not Client.objects.exists()

    confirmed = desk.post(reverse("import-confirm", args=[run.pk]), follow=True)
    assert "Imported customers.csv: 1 clients created, 0 updated, 0 unchanged, 1 refused rows left out." in (
        confirmed.content.decode()
    )
    assert Client.objects.get().terms_days == 45
    # Confirming twice imports nothing more.
    again = desk.post(reverse("import-confirm", args=[run.pk]), follow=True)
    assert "customers.csv is imported already" in again.content.decode()
    assert Client.objects.count() == 1


def test_other_headers_are_matched_by_hand_on_the_columns_page(desk):
    response = upload(desk, b"Account,Accounts Email,Balance\nHarbor Fair,ap@harbor.example.com,10\n")
    run = ImportRun.objects.get()
    assert response.url == reverse("import-columns", args=[run.pk])
    page = desk.get(response.url).content.decode()
    assert "First row: ap@harbor.example.com" in page

    # Leaving the name out is refused on the page, and nothing is previewed.
    refused = desk.post(response.url, {"column_0": "", "column_1": "billing_email", "column_2": ""})
    assert refused.status_code == 400
    assert "No column is matched to Client Name: every client needs one." in refused.content.decode()
    twice = desk.post(response.url, {"column_0": "name", "column_1": "name", "column_2": ""})
    assert "Account fills Client Name already; leave one of the two columns out." in twice.content.decode()

    matched = desk.post(response.url, {"column_0": "name", "column_1": "billing_email", "column_2": ""})
    assert matched.url == reverse("import-preview", args=[run.pk])
    run.refresh_from_db()
    assert run.columns == {"Account": "name", "Accounts Email": "billing_email", "Balance": ""}
    assert run.outcome["created_count"] == 1


def test_a_bad_file_is_named_next_to_the_file_field_and_nothing_is_kept(desk, settings):
    response = upload(desk, b"")
    assert response.status_code == 400
    assert "customers.csv is empty" in response.content.decode()
    settings.IMPORT_MAX_FILE_BYTES = 1000
    response = upload(desk, b"x" * 1001)
    assert "one import reads at most" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_the_template_has_the_columns_and_one_example_row(desk):
    csv = desk.get(reverse("import-template", args=["clients"]))
    assert csv["Content-Disposition"] == 'attachment; filename="clients-template.csv"'
    lines = csv.content.decode().splitlines()
    assert lines[0] == "Client Name,Billing Email,Billing Address,Tax ID,Terms,Default Tax Rate,External Reference"
    assert lines[1].startswith("Harbor Fair Events,accounts@harborfair.example.com,")

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(desk.get(reverse("import-template", args=["suppliers"]) + "?format=xlsx").content))
    assert [cell.value for cell in book.active[1]] == ["Supplier Name", "Email", "Phone", "External Reference"]
    # The template imports as it is.
    response = upload(desk, desk.get(reverse("import-template", args=["clients"])).content)
    assert ImportRun.objects.get().outcome["created_count"] == 1, response


def test_the_import_pages_are_for_managers_only_and_linked_beside_company_settings(desk, sales_rep):
    page = desk.get(reverse("company-settings")).content.decode()
    assert f'href="{reverse("import-index")}"' in page
    rep = Browser()
    rep.force_login(sales_rep)
    assert rep.get(reverse("import-index")).status_code == 403
    assert rep.get(reverse("import-kind", args=["clients"])).status_code == 403
    assert reverse("import-index") not in rep.get(reverse("desk")).content.decode()
    for kind in ("purchase-orders", "invoices", "payments"):
        assert rep.get(reverse("import-kind", args=[kind])).status_code == 403
        assert rep.get(reverse("import-template", args=[kind])).status_code == 403
        assert desk.get(reverse("import-kind", args=[kind])).status_code == 200
    assert desk.get(reverse("import-kind", args=["credit-notes"])).status_code == 404

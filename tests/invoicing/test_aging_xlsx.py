"""The accounts-receivable aging as XLSX: the CSV's rows and columns, amounts as numbers, names as text."""

import io

import pytest
from openpyxl import load_workbook

from invoicing.aging import BUCKETS
from tests.factories import ClientFactory
from tests.invoicing.test_aging import AS_OF, URL, bill, two_clients  # noqa: F401 - the fixtures, shared

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_the_aging_downloads_as_xlsx_with_the_csvs_rows_typed(two_clients, ivy_client):  # noqa: F811
    response = ivy_client.get(URL, {"as_of": AS_OF.isoformat(), "format": "xlsx"})

    assert response["Content-Disposition"] == 'attachment; filename="ar-aging-2026-06-30.xlsx"'
    sheet = sheet_of(response)
    header, *rows = list(sheet.iter_rows())
    assert [cell.value for cell in header] == ["Client", *[bucket.label for bucket in BUCKETS], "Total", "Invoices"]
    assert all(cell.font.b for cell in header)
    assert [[cell.value for cell in row] for row in rows] == [
        ["Acme", 100, 0, 1250, 0, 0, 1350, 2],
        ["Zoë Łódź & Co", 0, 0, 0, 0, 42.1, 42.1, 1],
        ["Total", 100, 0, 1250, 0, 42.1, 1392.1, 3],
    ]
    amounts = [cell for row in rows for cell in row[1:7]]
    assert {cell.data_type for cell in amounts} == {"n"} and {cell.number_format for cell in amounts} == {"#,##0.00"}
    assert rows[0][7].data_type == "n"


def test_the_aging_xlsx_keeps_a_formula_looking_name_as_text(bill, ivy_client):  # noqa: F811
    bill(ClientFactory(name="=HYPERLINK(1)"), "5.00", 3)

    row = list(sheet_of(ivy_client.get(URL, {"as_of": AS_OF.isoformat(), "format": "xlsx"})).iter_rows(min_row=2))[0]

    assert (row[0].value, row[0].data_type, row[0].quotePrefix) == ("=HYPERLINK(1)", "s", True)


def test_the_page_links_the_xlsx_for_its_day(two_clients, ivy_client, django_assert_num_queries):  # noqa: F811
    page = ivy_client.get(URL, {"as_of": AS_OF.isoformat()})
    assert page.context["xlsx_url"] == "?as_of=2026-06-30&format=xlsx"
    assert 'data-testid="aging-xlsx">Download XLSX</a>' in page.content.decode()
    # session, user, the user's groups for the role check, the invoices paid or credited after the day,
    # the aging: as many as the CSV
    with django_assert_num_queries(5):
        assert sheet_of(ivy_client.get(URL, {"as_of": AS_OF.isoformat(), "format": "xlsx"})).max_row == 4

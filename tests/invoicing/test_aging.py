"""Accounts-receivable aging: buckets at each boundary, totals that match the unpaid balances, the page and CSV."""

import csv
import io
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from invoicing.aging import BUCKETS, ar_aging
from invoicing.models import Invoice
from invoicing.payments import payment_record
from invoicing.services.issue import invoice_create
from invoicing.services.void import invoice_void
from projects.models import SalesOrder
from tests.factories import ClientFactory, SalesOrderFactory, SalesOrderItemFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
URL = reverse("invoice-aging")


@pytest.fixture
def bill(invoicing_rep):
    """Issue an invoice of `amount` (no tax) for a client, due `days_past_due` days before AS_OF."""

    def issue(client, amount: str, days_past_due: int, *, on: date | None = None) -> Invoice:
        order = SalesOrderFactory(project__client=client, status=SalesOrder.Status.READY_TO_BE_INVOICED)
        SalesOrderItemFactory(sales_order=order, quantity=1, unit_price=Decimal(amount), tax_rate=Decimal("0"))
        invoice = invoice_create(sales_order=order, by=invoicing_rep, invoice_date=on or AS_OF - timedelta(days=120))
        due = AS_OF - timedelta(days=days_past_due)
        Invoice.objects.filter(pk=invoice.pk).update(due_date=max(due, invoice.date))
        if due < invoice.date:
            Invoice.objects.filter(pk=invoice.pk).update(date=due, due_date=due)
        invoice.refresh_from_db()
        return invoice

    return issue


def bucket_of(report, client) -> dict[str, Decimal]:
    [row] = [row for row in report.rows if row.client_id == client.pk]
    return {key: amount for key, amount in row.amounts.items() if amount}


@pytest.mark.parametrize(
    ("days_past_due", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "days_1_30"),
        (30, "days_1_30"),
        (31, "days_31_60"),
        (60, "days_31_60"),
        (61, "days_61_90"),
        (90, "days_61_90"),
        (91, "days_over_90"),
        (400, "days_over_90"),
    ],
)
def test_each_boundary_falls_in_its_bucket(bill, days_past_due, bucket):
    client = ClientFactory(name="Acme")
    bill(client, "100.00", days_past_due)

    report = ar_aging(as_of=AS_OF)

    assert bucket_of(report, client) == {bucket: Decimal("100.00")}
    assert report.rows[0].total == report.total == Decimal("100.00")


def test_balances_are_less_credits_and_payments_and_settled_void_and_drafts_are_left_out(
    bill, invoicing_rep, manager, ready_order
):
    acme, globex = ClientFactory(name="Acme"), ClientFactory(name="Globex")
    part_paid = bill(acme, "300.00", 10)
    payment_record(invoice=part_paid, date=AS_OF, amount=Decimal("120.50"), method="check", by=invoicing_rep)
    paid = bill(acme, "50.00", 45)
    payment_record(invoice=paid, date=AS_OF, amount=Decimal("50.00"), method="check", by=invoicing_rep)
    void = bill(globex, "70.00", 5)
    invoice_void(invoice=void, reason="Wrong client", by=manager)
    invoice_create(sales_order=ready_order, by=invoicing_rep, draft=True)
    credited = bill(globex, "80.00", 95)
    Invoice.objects.filter(pk=credited.pk).update(credited_amount=Decimal("30.00"))  # as a credit note leaves it

    report = ar_aging(as_of=AS_OF)

    assert [row.client_name for row in report.rows] == ["Acme", "Globex"]
    assert bucket_of(report, acme) == {"days_1_30": Decimal("179.50")}
    assert bucket_of(report, globex) == {"days_over_90": Decimal("50.00")}
    assert (report.total, report.invoice_count) == (Decimal("229.50"), 2)


def test_a_past_day_counts_what_was_owed_then(bill, invoicing_rep):
    acme = ClientFactory(name="Acme")
    invoice = bill(acme, "200.00", 40, on=AS_OF - timedelta(days=60))
    payment_record(
        invoice=invoice, date=AS_OF - timedelta(days=5), amount=Decimal("200.00"), method="ach", by=invoicing_rep
    )
    bill(acme, "10.00", 0, on=AS_OF - timedelta(days=2))  # issued after the day asked about

    earlier = ar_aging(as_of=AS_OF - timedelta(days=10))

    # ten days earlier the invoice was 30 days past due and unpaid; the later one did not exist yet
    assert bucket_of(earlier, acme) == {"days_1_30": Decimal("200.00")}
    assert bucket_of(ar_aging(as_of=AS_OF), acme) == {"current": Decimal("10.00")}


def test_the_grand_totals_are_the_sum_of_every_unpaid_balance_to_the_cent(bill, invoicing_rep, manager):
    rng = random.Random(15)
    clients = [ClientFactory(name=f"Client {index}") for index in range(6)]
    for _ in range(40):
        invoice = bill(
            rng.choice(clients),
            f"{rng.randint(1, 500_000) / 100:.2f}",
            rng.randint(-40, 200),
        )
        roll = rng.random()
        if roll < 0.3:
            part = (invoice.total * Decimal(rng.randint(1, 99)) / 100).quantize(Decimal("0.01"))
            payment_record(
                invoice=invoice, date=AS_OF, amount=max(part, Decimal("0.01")), method="ach", by=invoicing_rep
            )
        elif roll < 0.4:
            payment_record(invoice=invoice, date=AS_OF, amount=invoice.total, method="wire", by=invoicing_rep)
        elif roll < 0.5:
            invoice_void(invoice=invoice, reason="Random", by=manager)

    report = ar_aging(as_of=AS_OF)

    unpaid = (
        Invoice.objects.exclude(status__in=["draft", "void"])
        .annotate(balance=F("total") - F("credited_amount") - F("paid_amount"))
        .filter(balance__gt=0)
    )
    expected = unpaid.aggregate(total=Sum("balance"))["total"]
    assert report.total == expected
    assert sum(report.totals.values()) == expected
    assert sum(row.total for row in report.rows) == expected
    for key in report.totals:
        assert report.totals[key] == sum(row.amounts[key] for row in report.rows)
    for row in report.rows:
        assert sum(row.amounts.values()) == row.total
    assert report.invoice_count == unpaid.count()


# The page and its CSV ------------------------------------------------------------------------------


@pytest.fixture
def two_clients(bill, invoicing_rep):
    acme, zoe = ClientFactory(name="Acme"), ClientFactory(name="Zoë Łódź & Co")
    bill(acme, "100.00", 0)
    bill(acme, "1250.00", 35)
    bill(zoe, "42.10", 95)
    return acme, zoe


def test_the_page_shows_a_row_per_client_linking_to_its_invoices_and_the_totals(two_clients, ivy_client):
    acme, zoe = two_clients

    response = ivy_client.get(URL, {"as_of": AS_OF.isoformat()})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Owed as of Jun 30, 2026" in html
    assert f'<a href="{reverse("invoice-report")}?client={acme.pk}">Acme</a>' in html
    assert f'<a href="{reverse("invoice-report")}?client={zoe.pk}">Zoë Łódź &amp; Co</a>' in html
    assert '<th scope="col" class="num">Over 90 days</th>' in html
    totals = html.split('data-testid="aging-totals"')[1].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in totals.split('<td class="num">')[1:]] == [
        "100.00",
        "0.00",
        "1,250.00",
        "0.00",
        "42.10",
        "1,392.10",
    ]


def test_many_clients_are_shown_a_page_at_a_time_with_the_totals_of_all(two_clients, bill, ivy_client, monkeypatch):
    monkeypatch.setattr("invoicing.views.aging.CLIENTS_PER_PAGE", 2)
    bill(ClientFactory(name="Beta"), "7.00", 0)

    first = ivy_client.get(URL, {"as_of": AS_OF.isoformat()})
    second = ivy_client.get(URL, {"as_of": AS_OF.isoformat(), "page": 2})

    rows = [response.context["rows"] for response in (first, second)]
    assert [[item["row"].client_name for item in page] for page in rows] == [["Acme", "Beta"], ["Zoë Łódź & Co"]]
    for response in (first, second):
        page = response.content.decode()
        assert response.context["report"].total == Decimal("1399.10")  # every client's, on each page
        assert "of 3, by name; the totals are of all 3." in page
    assert 'href="?as_of=2026-06-30&amp;page=2">Next page</a>' in first.content.decode()


def test_the_page_defaults_to_today_in_the_companys_zone(two_clients, ivy_client):
    html = ivy_client.get(URL).content.decode()

    assert f"Owed as of {timezone.localdate().strftime('%b %-d, %Y')} (today)" in html
    assert f'value="{timezone.localdate().isoformat()}"' in html


TODAY_USED = "The aging below is as of today."


def test_a_bad_day_is_refused_next_to_the_field_and_today_used(ivy_client):
    response = ivy_client.get(URL, {"as_of": "30/06/2026"})

    assert response.status_code == 400
    html = response.content.decode()
    assert (
        f'<p class="field-error" id="id_as_of_error" role="alert">Enter a day such as 2026-03-31. {TODAY_USED}</p>'
    ) in html
    assert f"Owed as of {timezone.localdate().strftime('%b %-d, %Y')} (today)" in html


# The calendar's ends overflowed the buckets' arithmetic (a 500 on the page, its CSV and XLSX).
@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "3000-01-01"])
@pytest.mark.parametrize("download", [None, "csv", "xlsx"])
def test_a_day_out_of_range_is_named_and_the_aging_shown_as_of_today(two_clients, ivy_client, day, download):
    response = ivy_client.get(URL, {"as_of": day, **({"format": download} if download else {})})

    # A download asked for with a refused day shows the page and why, rather than a file of another day.
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert (
        '<p class="field-error" id="id_as_of_error" role="alert">'
        f"“As of” must be a day from 1900-01-01 to 2999-12-31. {TODAY_USED}</p>"
    ) in html
    assert f"Owed as of {timezone.localdate().strftime('%b %-d, %Y')} (today)" in html
    assert response.context["report"].as_of == timezone.localdate()


@pytest.mark.parametrize("day", ["1900-01-01", "2999-12-31"])
def test_the_first_and_last_days_in_range_are_taken(two_clients, ivy_client, day):
    response = ivy_client.get(URL, {"as_of": day})

    assert response.status_code == 200
    assert response.context["report"].as_of.isoformat() == day


def test_nothing_owed_says_so(ivy_client):
    assert "Nothing is owed as of" in ivy_client.get(URL).content.decode()


def test_only_invoicing_and_managers_see_the_aging(client, sales_rep, production_rep):
    for user in (sales_rep, production_rep):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_the_page_costs_the_same_for_two_clients_or_twenty(bill, ivy_client, django_assert_num_queries):
    for index in range(2):
        bill(ClientFactory(name=f"Few {index}"), "10.00", index * 40)
    ivy_client.get(URL)
    # session, user, the user's groups for the role check, the navigation's unread count and Recent
    # menu, the invoices paid or credited after the day, the aging
    with django_assert_num_queries(7):
        assert ivy_client.get(URL, {"as_of": AS_OF.isoformat()}).status_code == 200
    for index in range(18):
        bill(ClientFactory(name=f"Many {index}"), "10.00", index * 10)
    with django_assert_num_queries(7):
        response = ivy_client.get(URL, {"as_of": AS_OF.isoformat()})
    assert response.content.decode().count("<tr data-client=") == 20


def read_csv(response) -> tuple[str, list[list[str]]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return text, list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_csv_opens_in_excel_with_a_byte_order_mark(two_clients, ivy_client):
    acme, zoe = two_clients

    response = ivy_client.get(URL, {"as_of": AS_OF.isoformat(), "format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="ar-aging-2026-06-30.csv"'
    text, rows = read_csv(response)
    assert text.startswith("\ufeffClient,")
    assert rows == [
        ["Client", *[bucket.label for bucket in BUCKETS], "Total", "Invoices"],
        ["Acme", "100.00", "0.00", "1250.00", "0.00", "0.00", "1350.00", "2"],
        ["Zoë Łódź & Co", "0.00", "0.00", "0.00", "0.00", "42.10", "42.10", "1"],
        ["Total", "100.00", "0.00", "1250.00", "0.00", "42.10", "1392.10", "3"],
    ]


def test_bom_0_drops_the_byte_order_mark(two_clients, ivy_client):
    response = ivy_client.get(URL, {"as_of": AS_OF.isoformat(), "format": "csv", "bom": "0"})

    text, rows = read_csv(response)
    assert text.startswith("Client,")
    assert rows[-1][-2] == "1392.10"


def test_a_client_name_that_looks_like_a_formula_is_kept_as_text(bill, ivy_client):
    bill(ClientFactory(name="=HYPERLINK(1)"), "5.00", 3)

    _, rows = read_csv(ivy_client.get(URL, {"as_of": AS_OF.isoformat(), "format": "csv"}))

    assert rows[1][0] == "'=HYPERLINK(1)"

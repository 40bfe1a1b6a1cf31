"""Draft invoices: saved without a number, counted nowhere, edited or deleted, issued later under the rules of
issuing; and issuing asks first, naming the total and what will remain."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from invoicing.models import Invoice, InvoiceNumberSequence
from invoicing.services.drafts import invoice_draft_delete, invoice_draft_issue, invoice_draft_update
from invoicing.services.issue import LineRequest, invoice_create
from projects.models import Activity, SalesOrder, SalesOrderItem
from reports.invoice_report import invoice_report_rows, invoice_report_totals

pytestmark = pytest.mark.django_db


def _items(order) -> tuple[SalesOrderItem, SalesOrderItem]:
    caps, bags = order.items.order_by("position")
    return caps, bags


def _sequence() -> int:
    row = InvoiceNumberSequence.objects.filter(name="INV").first()
    return row.last_value if row else 0


@pytest.fixture
def draft(ready_order, invoicing_rep) -> Invoice:
    """A draft for 50 caps on SO-2001: 600.00 and 49.50 tax."""
    caps, _ = _items(ready_order)
    return invoice_create(sales_order=ready_order, lines=[LineRequest(caps, 50)], by=invoicing_rep, draft=True)


# The services ------------------------------------------------------------------------------------


def test_a_draft_has_no_number_and_invoices_nothing(draft, ready_order):
    caps, _ = _items(ready_order)

    assert (draft.status, draft.number, draft.sequence_number) == (Invoice.Status.DRAFT, None, None)
    assert (draft.subtotal, draft.total, draft.kind) == (Decimal("600.00"), Decimal("649.50"), Invoice.Kind.PARTIAL)
    assert [(line.sales_order_item_id, line.quantity) for line in draft.lines.all()] == [(caps.pk, 50)]
    assert caps.invoiced_quantity == 0 and _sequence() == 0
    ready_order.refresh_from_db()
    assert ready_order.status == SalesOrder.Status.READY_TO_BE_INVOICED
    assert str(draft) == f"Draft invoice {draft.pk}"


def test_issuing_a_draft_takes_the_next_number_and_counts(draft, ready_order, invoicing_rep, issue):
    caps, bags = _items(ready_order)
    first = issue(ready_order, (bags, 40))  # issued straight away while the draft waits

    issued = invoice_draft_issue(invoice=draft, by=invoicing_rep)

    assert (first.number, issued.number, issued.sequence_number) == ("INV-000001", "INV-000002", 2)
    assert (issued.pk, issued.status, issued.kind) == (draft.pk, Invoice.Status.OPEN, Invoice.Kind.PARTIAL)
    caps.refresh_from_db()
    assert caps.invoiced_quantity == 50
    assert Activity.objects.filter(verb="issued partial invoice", subject_label="INV-000002").exists()


def test_a_draft_is_issued_only_within_what_remains_at_issue_time(draft, ready_order, invoicing_rep, issue):
    caps, _ = _items(ready_order)
    issue(ready_order, (caps, 60))  # 40 caps remain; the draft holds 50

    with pytest.raises(ValidationFailed) as refused:
        invoice_draft_issue(invoice=draft, by=invoicing_rep)

    assert refused.value.errors == {
        "lines[0].quantity": ["Quantity of Embroidered cap must be from 1 to 40 (what remains)."]
    }
    draft.refresh_from_db()
    caps.refresh_from_db()
    assert (draft.status, draft.number, caps.invoiced_quantity, _sequence()) == (Invoice.Status.DRAFT, None, 60, 1)


def test_a_draft_is_issued_only_while_the_order_is_ready(draft, ready_order, invoicing_rep):
    SalesOrder.objects.filter(pk=ready_order.pk).update(status=SalesOrder.Status.IN_PRODUCTION)

    with pytest.raises(TransitionNotAllowed) as refused:
        invoice_draft_issue(invoice=draft, by=invoicing_rep)

    assert str(refused.value) == (
        "Sales order SO-2001 is In Production; invoices are issued only while it is Ready to be Invoiced."
    )
    assert _sequence() == 0


def test_issuing_everything_remaining_makes_the_draft_final_and_the_order_invoiced(ready_order, invoicing_rep):
    draft = invoice_create(sales_order=ready_order, by=invoicing_rep, draft=True)

    issued = invoice_draft_issue(invoice=draft, by=invoicing_rep)

    assert (issued.number, issued.kind, issued.total) == ("INV-000001", Invoice.Kind.FINAL, Decimal("1444.06"))
    ready_order.refresh_from_db()
    assert ready_order.status == SalesOrder.Status.INVOICED


def test_a_draft_is_edited_and_deleted_but_an_issued_invoice_is_not(draft, ready_order, invoicing_rep, issue):
    caps, bags = _items(ready_order)

    edited = invoice_draft_update(invoice=draft, lines=[LineRequest(caps, 10), LineRequest(bags, 40)], by=invoicing_rep)

    assert [(line.sales_order_item_id, line.quantity) for line in edited.lines.all()] == [(caps.pk, 10), (bags.pk, 40)]
    assert edited.total == Decimal("274.96")  # 120.00 + 9.90 + 134.00 + 11.06
    issued = issue(ready_order, (caps, 1))
    with pytest.raises(TransitionNotAllowed) as refused:
        invoice_draft_update(invoice=issued, lines=[LineRequest(caps, 2)], by=invoicing_rep)
    assert str(refused.value) == "Invoice INV-000001 is Open; only a draft can be edited."
    with pytest.raises(TransitionNotAllowed) as refused:
        invoice_draft_delete(invoice=issued, by=invoicing_rep)
    assert str(refused.value) == "Invoice INV-000001 is Open; only a draft can be deleted."

    invoice_draft_delete(invoice=draft, by=invoicing_rep)

    assert not Invoice.objects.filter(pk=draft.pk).exists()
    assert Invoice.objects.count() == 1


def test_only_invoicing_and_managers_write_drafts(ready_order, sales_rep, draft):
    with pytest.raises(RoleRequired):
        invoice_create(sales_order=ready_order, by=sales_rep, draft=True)
    with pytest.raises(RoleRequired):
        invoice_draft_issue(invoice=draft, by=sales_rep)
    with pytest.raises(RoleRequired):
        invoice_draft_delete(invoice=draft, by=sales_rep)


def test_drafts_are_left_out_of_the_invoices_report(draft, ready_order, issue):
    _, bags = _items(ready_order)
    issue(ready_order, (bags, 40))

    rows = invoice_report_rows({})
    totals = invoice_report_totals({})

    assert [row.number for row in rows] == ["INV-000001"]
    assert (totals["count"], totals["total"]) == (1, Decimal("145.06"))


def test_the_database_holds_that_only_drafts_lack_a_number(draft):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=draft.pk).update(status=Invoice.Status.OPEN)


# The pages ---------------------------------------------------------------------------------------


def _form_data(response, **extra) -> dict:
    form = response.context["form"]
    data = {"state": form["state"].value()}
    for row in response.context["rows"]:
        data[row.quantity.html_name] = row.quantity.value()
        if row.included:
            data[row.include.html_name] = "on"
    return {**data, **extra}


def test_the_create_page_saves_a_draft_or_asks_before_issuing(backordered_mug_order, ivy_client):
    html = ivy_client.get(reverse("invoice-create", args=[backordered_mug_order.order.pk])).content.decode()

    assert '<button type="submit" name="action" value="draft">Save as draft</button>' in html
    assert '<input type="hidden" name="confirm" value="" data-confirm-field>' in html
    assert (
        'data-confirm-dialog="Issue an invoice for 1,450.55? After it, 850.00 (net) will remain to invoice on SO-1001."'
    ) in html
    assert '<dialog class="confirm-dialog" id="confirm-dialog"' in html


def test_without_the_dialog_the_server_asks_with_the_total_and_the_remaining_balance(backordered_mug_order, ivy_client):
    url = reverse("invoice-create", args=[backordered_mug_order.order.pk])
    data = _form_data(ivy_client.get(url))

    response = ivy_client.post(url, data)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Issue an invoice for 1,450.55? After it, 850.00 (net) will remain to invoice on SO-1001." in html
    assert '<button type="submit" class="primary" name="confirm" value="1">Issue invoice</button>' in html
    assert f'<input type="hidden" name="quantity_{backordered_mug_order.mugs.pk}" value="300">' in html
    assert not Invoice.objects.exists()

    back = ivy_client.post(url, {**data, "back": "1"})
    assert (
        back.status_code == 200 and back.context["form"][f"quantity_{backordered_mug_order.mugs.pk}"].value() == "300"
    )
    assert not Invoice.objects.exists()

    issued = ivy_client.post(url, {**data, "confirm": "1"})
    assert issued.status_code == 302
    assert Invoice.objects.get().number == "INV-000001"


def test_the_final_invoice_asks_with_nothing_remaining(ready_order, ivy_client):
    url = reverse("invoice-create", args=[ready_order.pk])

    html = ivy_client.post(url, _form_data(ivy_client.get(url))).content.decode()

    assert "Issue the final invoice for 1,444.06? Nothing will remain to invoice on SO-2001." in html


def test_a_draft_saved_from_the_page_is_shown_as_a_draft_and_issued_from_it(backordered_mug_order, ivy_client):
    mug = backordered_mug_order
    url = reverse("invoice-create", args=[mug.order.pk])

    response = ivy_client.post(url, _form_data(ivy_client.get(url), action="draft"), follow=True)

    draft = Invoice.objects.get()
    assert (draft.status, draft.number) == (Invoice.Status.DRAFT, None)
    html = response.content.decode()
    assert "Saved a draft invoice for 1,450.55 on SO-1001; it takes a number when it is issued." in html
    assert 'data-testid="invoice-status">Draft<' in html
    assert "Edit draft" in html and "Delete draft" in html
    assert "Mark paid" not in html and "Email to client" not in html and "Client link" not in html
    assert (
        'data-confirm-dialog="Issue an invoice for 1,450.55? After it, 850.00 (net) will remain to invoice on SO-1001."'
    ) in html
    # the order's page lists it, counted among nothing
    so_page = ivy_client.get(reverse("sales-order-detail", args=[mug.order.pk])).content.decode()
    assert f"Draft invoice {draft.pk}" in so_page
    assert 'data-testid="billing-status">Not invoiced<' in so_page

    asked = ivy_client.post(reverse("invoice-issue", args=[draft.pk]))
    assert asked.status_code == 200 and not Invoice.objects.exclude(status="draft").exists()
    issued = ivy_client.post(reverse("invoice-issue", args=[draft.pk]), {"confirm": "1"}, follow=True)

    assert "Issued partial invoice INV-000001 for 1,450.55." in issued.content.decode()
    draft.refresh_from_db()
    assert (draft.status, draft.number) == (Invoice.Status.OPEN, "INV-000001")


def test_a_draft_is_edited_on_the_create_form(backordered_mug_order, invoicing_rep, ivy_client):
    mug = backordered_mug_order
    draft = invoice_create(sales_order=mug.order, lines=[LineRequest(mug.mugs, 100)], by=invoicing_rep, draft=True)
    url = reverse("invoice-edit", args=[draft.pk])
    page = ivy_client.get(url)
    assert page.status_code == 200
    rows = {row.item.pk: (row.quantity.value(), row.included) for row in page.context["rows"]}
    assert rows == {mug.mugs.pk: (100, True), mug.setup.pk: (1, False)}

    data = _form_data(page, action="draft")
    data[f"quantity_{mug.mugs.pk}"] = "250"
    response = ivy_client.post(url, data)

    assert response.status_code == 302
    assert [(line.sales_order_item_id, line.quantity) for line in draft.lines.all()] == [(mug.mugs.pk, 250)]


def test_a_draft_is_deleted_after_asking(backordered_mug_order, invoicing_rep, ivy_client):
    draft = invoice_create(sales_order=backordered_mug_order.order, by=invoicing_rep, draft=True)
    url = reverse("invoice-delete", args=[draft.pk])

    asked = ivy_client.post(url)
    assert asked.status_code == 200
    assert re.search(r"Delete this draft invoice for 1,450\.55 on SO-1001\?", asked.content.decode())
    response = ivy_client.post(url, {"confirm": "1"}, follow=True)

    assert "Deleted the draft invoice for 1,450.55 on SO-1001." in response.content.decode()
    assert not Invoice.objects.exists()


# The API -----------------------------------------------------------------------------------------


@pytest.fixture
def api_ivy(invoicing_rep):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(invoicing_rep)
    return client


def test_the_api_issues_directly_unless_asked_for_a_draft(ready_order, api_ivy):
    drafted = api_ivy.post("/api/invoices/", {"sales_order": ready_order.pk, "draft": True}, format="json")

    assert drafted.status_code == 201
    assert (drafted.json()["status"], drafted.json()["number"]) == ("draft", None)
    issued = api_ivy.post(f"/api/invoices/{drafted.json()['id']}/issue/", format="json")
    assert issued.status_code == 200
    assert (issued.json()["status"], issued.json()["number"]) == ("open", "INV-000001")
    again = api_ivy.post(f"/api/invoices/{drafted.json()['id']}/issue/", format="json")
    assert again.status_code == 409
    assert again.json() == {"detail": "Invoice INV-000001 is Open; only a draft can be issued."}


def test_a_draft_has_no_pdf_to_send_anywhere(draft, ivy_client, api_ivy):
    # A PDF would carry no number: the draft is printed once it is issued.
    assert ivy_client.get(reverse("invoice-pdf", args=[draft.pk])).status_code == 404
    assert api_ivy.get(f"/api/invoices/{draft.pk}/pdf/").status_code == 404

"""Create invoice: ready quantities proposed, edited or removed, refused when too many, issued once."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from core.errors import ValidationFailed
from invoicing import forms as invoice_forms
from invoicing.models import Invoice
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change

pytestmark = pytest.mark.django_db


def _url(order):
    return reverse("invoice-create", args=[order.pk])


def _form_data(response) -> dict:
    """What the browser would send for the page as drawn, Issue confirmed in its dialog."""
    form = response.context["form"]
    data = {"state": form["state"].value(), "confirm": "1"}
    for row in response.context["rows"]:
        data[row.quantity.html_name] = row.quantity.value()
        if row.included:
            data[row.include.html_name] = "on"
    return data


def test_page_proposes_the_ready_quantities_and_says_partial(backordered_mug_order, ivy_client):
    mug = backordered_mug_order
    response = ivy_client.get(_url(mug.order))

    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(row.item.description, row.quantity.value(), row.included) for row in rows] == [
        ("11 oz mug, 2-colour print", 300, True),
        ("Setup charge", 1, True),
    ]
    preview = response.context["preview"]
    assert (preview.subtotal, preview.tax, preview.total) == (Decimal("1340.00"), Decimal("110.55"), Decimal("1450.55"))
    assert preview.is_final is False
    html = response.content.decode()
    assert "This will be a partial invoice" in html
    assert "After it, 200 units worth 850.00 (net) will remain to invoice on SO-1001." in html
    assert "data-total>1,450.55<" in html
    # each quantity box has a label and the bounds the server will hold it to
    assert f'for="id_quantity_{mug.mugs.pk}">Quantity of 11 oz mug, 2-colour print to invoice<' in html
    assert 'min="0" max="500"' in html
    assert "Include" in html and 'data-remove hidden aria-label="Remove Setup charge"' in html
    assert "js/invoice_form.js" in html and "<script>" not in html


def test_partial_invoice_with_a_lowered_quantity_and_the_setup_charge_removed(backordered_mug_order, ivy_client):
    mug = backordered_mug_order
    data = _form_data(ivy_client.get(_url(mug.order)))
    data[f"quantity_{mug.mugs.pk}"] = "250"
    del data[f"include_{mug.setup.pk}"]  # the Remove button (or the Include box) leaves the row out

    response = ivy_client.post(_url(mug.order), data, follow=True)

    invoice = Invoice.objects.get()
    assert response.redirect_chain[-1][0] == reverse("invoice-detail", args=[invoice.pk])
    assert "Issued partial invoice INV-000001 for 1,150.16." in response.content.decode()
    assert [(line.description, line.quantity) for line in invoice.lines.all()] == [("11 oz mug, 2-colour print", 250)]
    assert (invoice.subtotal, invoice.tax, invoice.total) == (Decimal("1062.50"), Decimal("87.66"), Decimal("1150.16"))
    assert invoice.kind == Invoice.Kind.PARTIAL


def test_a_quantity_above_what_remains_is_refused_next_to_its_row(backordered_mug_order, ivy_client):
    mug = backordered_mug_order
    data = _form_data(ivy_client.get(_url(mug.order)))
    data[f"quantity_{mug.mugs.pk}"] = "501"

    response = ivy_client.post(_url(mug.order), data)

    assert response.status_code == 400
    message = "Only 500 of 11 oz mug, 2-colour print remain to invoice; enter 0 to 500."
    assert response.context["form"].errors == {f"quantity_{mug.mugs.pk}": [message]}
    html = response.content.decode()
    assert f'id="id_quantity_{mug.mugs.pk}_error" data-row-error>{message}<' in html
    assert 'value="501"' in html  # what the rep typed stays, to be corrected
    assert not Invoice.objects.exists()
    mug.refresh()
    assert (mug.mugs.invoiced_quantity, mug.order.status) == (0, SalesOrder.Status.READY_TO_BE_INVOICED)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("501", "Only 500 of 11 oz mug, 2-colour print remain to invoice; enter 0 to 500."),
        ("-1", "Enter a whole number from 0 to 500 for 11 oz mug, 2-colour print."),
        ("2.5", "Enter a whole number from 0 to 500 for 11 oz mug, 2-colour print."),
        # Odd forms Python's int reads as 10: refused, as in the API.
        ("1_0", "Enter a whole number from 0 to 500 for 11 oz mug, 2-colour print."),
        ("١٠", "Enter a whole number from 0 to 500 for 11 oz mug, 2-colour print."),
        (" 10", "Enter a whole number from 0 to 500 for 11 oz mug, 2-colour print."),
        ("", "Enter a quantity from 0 to 500, or leave the row out."),
    ],
)
def test_bad_quantities_are_refused_with_a_message_naming_the_row(backordered_mug_order, ivy_client, typed, message):
    mug = backordered_mug_order
    data = _form_data(ivy_client.get(_url(mug.order)))
    data[f"quantity_{mug.mugs.pk}"] = typed

    response = ivy_client.post(_url(mug.order), data)

    assert response.status_code == 400
    assert response.context["form"].errors[f"quantity_{mug.mugs.pk}"] == [message]
    assert not Invoice.objects.exists()


def test_a_removed_row_is_not_invoiced_whatever_its_box_says(backordered_mug_order, ivy_client):
    mug = backordered_mug_order
    data = _form_data(ivy_client.get(_url(mug.order)))
    data[f"quantity_{mug.setup.pk}"] = "nonsense"
    del data[f"include_{mug.setup.pk}"]

    ivy_client.post(_url(mug.order), data)

    assert [line.quantity for line in Invoice.objects.get().lines.all()] == [300]


def test_nothing_included_is_refused(backordered_mug_order, ivy_client):
    mug = backordered_mug_order
    data = _form_data(ivy_client.get(_url(mug.order)))
    data[f"quantity_{mug.mugs.pk}"] = "0"
    del data[f"include_{mug.setup.pk}"]

    response = ivy_client.post(_url(mug.order), data)

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [invoice_forms.NOTHING_TO_INVOICE]
    assert "Nothing to invoice yet" in response.content.decode()
    assert not Invoice.objects.exists()


def test_every_ready_quantity_at_once_says_final(ready_order, ivy_client):
    response = ivy_client.get(_url(ready_order))

    assert response.context["preview"].is_final is True
    assert "This will be the final invoice" in response.content.decode()


def test_second_invoice_of_a_backordered_order_proposes_exactly_the_rest(
    partial_invoice, backordered_mug_order, production_rep, ivy_client
):
    mug = backordered_mug_order
    purchase_order_stage_change(purchase_order=mug.po, stage=PurchaseOrder.Stage.READY_FOR_BILLING, by=production_rep)

    response = ivy_client.get(_url(mug.order))

    assert [(row.item.description, row.quantity.value()) for row in response.context["rows"]] == [
        ("11 oz mug, 2-colour print", 200)
    ]
    assert response.context["preview"].is_final is True
    assert response.context["preview"].total == Decimal("920.13")

    ivy_client.post(_url(mug.order), _form_data(response))

    final = Invoice.objects.get(kind=Invoice.Kind.FINAL)
    assert final.total == Decimal("920.13")
    mug.refresh()
    assert mug.order.status == SalesOrder.Status.INVOICED


def test_not_ready_orders_get_a_clear_message_and_no_form(mug_order, ivy_client):
    response = ivy_client.get(_url(mug_order.order))

    assert response.status_code == 409
    html = response.content.decode()
    assert "Sales order SO-1001 is In Production; invoices are issued only while it is Ready to be Invoiced." in html
    assert "Issue invoice" not in html


def test_only_invoicing_and_managers_may_create_invoices(backordered_mug_order, client, sales_rep, manager):
    client.force_login(sales_rep)
    assert client.get(_url(backordered_mug_order.order)).status_code == 403

    client.force_login(manager)
    assert client.get(_url(backordered_mug_order.order)).status_code == 200


def test_the_same_form_sent_twice_from_two_tabs_invoices_once(backordered_mug_order, ivy_client):
    mug = backordered_mug_order
    # given two tabs on the same create page
    data = _form_data(ivy_client.get(_url(mug.order)))

    first = ivy_client.post(_url(mug.order), data)
    second = ivy_client.post(_url(mug.order), data)

    # then the first issues the invoice and the second is refused with a message, issuing nothing
    assert first.status_code == 302
    assert second.status_code == 409
    html = second.content.decode()
    assert (
        "Nothing was issued. Sales order SO-1001 is In Production; "
        "invoices are issued only while it is Ready to be Invoiced." in html
    )
    assert "INV-000001" in html
    assert Invoice.objects.count() == 1
    mug.refresh()
    assert mug.mugs.invoiced_quantity == 300


def test_two_tabs_on_an_order_that_stays_ready_still_invoice_once(ready_order, ivy_client):
    # given an order with nothing backordered, and a rep who invoices only part of what is ready
    response = ivy_client.get(_url(ready_order))
    caps, bags = (row.item for row in response.context["rows"])
    data = _form_data(response)
    data[f"quantity_{caps.pk}"] = "50"
    del data[f"include_{bags.pk}"]

    first = ivy_client.post(_url(ready_order), data)
    second = ivy_client.post(_url(ready_order), data)

    # then the order stays Ready to be Invoiced, but the second tab's stale form issues nothing
    assert first.status_code == 302
    assert second.status_code == 409
    message = (
        "Nothing was issued: invoice INV-000001 changed what remains on SO-2001 after this page was opened. "
        "The figures below are up to date; check the quantities and issue again."
    )
    assert second.context["page_error"] == message
    assert message in second.content.decode()
    # and the page is drawn again from the new figures
    assert [(row.item.description, row.item.remaining) for row in second.context["rows"]] == [
        ("Embroidered cap", 50),
        ("Tote bag", 40),
    ]
    assert Invoice.objects.count() == 1
    ready_order.refresh_from_db()
    assert ready_order.status == SalesOrder.Status.READY_TO_BE_INVOICED


def test_a_service_refusal_lands_on_the_row_it_names(backordered_mug_order, ivy_client, monkeypatch):
    mug = backordered_mug_order
    data = _form_data(ivy_client.get(_url(mug.order)))

    def refuse(**kwargs):
        raise ValidationFailed({"lines[1].quantity": ["Quantity of Setup charge must be from 1 to 1 (what remains)."]})

    monkeypatch.setattr("invoicing.views.invoices.invoice_create", refuse)
    response = ivy_client.post(_url(mug.order), data)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        f"quantity_{mug.setup.pk}": ["Quantity of Setup charge must be from 1 to 1 (what remains)."]
    }


@pytest.mark.django_db(transaction=True)
def test_two_tabs_submitting_at_the_same_moment_invoice_once(postgres, backordered_mug_order, invoicing_rep):
    mug = backordered_mug_order
    tabs = [Client(), Client()]
    for tab in tabs:
        tab.force_login(invoicing_rep)
    data = _form_data(tabs[0].get(_url(mug.order)))
    start = threading.Barrier(2)
    codes = []

    def submit(tab):
        try:
            start.wait()
            codes.append(tab.post(_url(mug.order), data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(tab,)) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(codes) == [302, 409]
    assert Invoice.objects.count() == 1
    mug.refresh()
    assert mug.mugs.invoiced_quantity == 300

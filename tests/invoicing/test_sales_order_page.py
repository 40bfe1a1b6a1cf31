"""The sales order page: every item's figures, the billing header, the status control and the invoices."""

from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import SalesOrder
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_stage_change

pytestmark = pytest.mark.django_db


def _figures(response, item):
    row = next(row for row in response.context["items"] if row.pk == item.pk)
    return row.ordered, row.invoiced, row.backordered, row.cancelled, row.remaining, row.ready


def test_page_shows_every_figure_of_every_item(backordered_mug_order, ivy_client):
    mug = backordered_mug_order
    response = ivy_client.get(reverse("sales-order-detail", args=[mug.order.pk]))

    assert response.status_code == 200
    # ordered, invoiced, backordered, cancelled, remaining, ready
    assert _figures(response, mug.mugs) == (500, 0, 200, 0, 500, 300)
    assert _figures(response, mug.setup) == (1, 0, 0, 0, 1, 1)
    html = response.content.decode()
    assert 'data-testid="billing-status">Not invoiced<' in html
    assert 'data-testid="remaining-net">2,190.00<' in html
    assert 'data-testid="remaining-gross">2,370.67<' in html
    assert 'data-testid="ready-amount">1,340.00<' in html
    assert "PO-1001" in html and "Problem" in html


def test_header_shows_what_remains_after_a_partial_invoice(partial_invoice, backordered_mug_order, ivy_client):
    response = ivy_client.get(reverse("sales-order-detail", args=[backordered_mug_order.order.pk]))

    html = response.content.decode()
    assert _figures(response, backordered_mug_order.mugs) == (500, 300, 200, 0, 200, 0)
    assert 'data-testid="billing-status">Partially invoiced<' in html
    assert 'data-testid="remaining-net">850.00<' in html
    assert 'data-testid="remaining-gross">920.13<' in html
    assert 'data-testid="so-status">In Production<' in html
    # the invoice issued so far, with its place among the order's invoices
    [invoice] = response.context["invoices"]
    assert (invoice.number, invoice.position, invoice.position_of) == ("INV-000001", 1, 1)
    assert "INV-000001" in html and "1 of 1" not in html  # alone, it is not numbered "1 of 1"


def test_create_invoice_button_only_while_ready_and_for_invoicing(
    backordered_mug_order, client, invoicing_rep, sales_rep
):
    url = reverse("sales-order-detail", args=[backordered_mug_order.order.pk])
    create_url = reverse("invoice-create", args=[backordered_mug_order.order.pk])

    client.force_login(invoicing_rep)
    assert create_url in client.get(url).content.decode()

    client.force_login(sales_rep)
    assert create_url not in client.get(url).content.decode()


def test_no_create_invoice_button_once_the_order_waits_for_the_backorder(
    partial_invoice, backordered_mug_order, ivy_client
):
    html = ivy_client.get(reverse("sales-order-detail", args=[backordered_mug_order.order.pk])).content.decode()

    assert reverse("invoice-create", args=[backordered_mug_order.order.pk]) not in html
    assert "An invoice can be created once the order is Ready to be Invoiced." in html


def test_status_control_offers_only_the_moves_allowed_to_the_user(mug_order, client, production_rep, invoicing_rep):
    url = reverse("sales-order-detail", args=[mug_order.order.pk])

    client.force_login(production_rep)
    assert client.get(url).context["status_choices"] == [("ready_to_be_invoiced", "Ready to be Invoiced")]

    client.force_login(invoicing_rep)
    response = client.get(url)
    assert response.context["status_choices"] == []
    assert "No status move is open to you on this order." in response.content.decode()


def test_status_move_through_the_control(mug_order, client, production_rep):
    client.force_login(production_rep)

    response = client.post(
        reverse("sales-order-status", args=[mug_order.order.pk]), {"status": "ready_to_be_invoiced"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("sales-order-detail", args=[mug_order.order.pk])
    assert "Sales order SO-1001 is now Ready to be Invoiced." in response.content.decode()
    mug_order.refresh()
    assert mug_order.order.status == SalesOrder.Status.READY_TO_BE_INVOICED


def test_a_move_the_order_does_not_allow_is_refused_next_to_the_control(mug_order, client, sales_rep):
    client.force_login(sales_rep)

    response = client.post(reverse("sales-order-status", args=[mug_order.order.pk]), {"status": "new"})

    assert response.status_code == 409
    assert response.context["status_error"] == ("Sales order SO-1001 is In Production; you may not move it to New.")
    mug_order.refresh()
    assert mug_order.order.status == SalesOrder.Status.IN_PRODUCTION


def test_an_unknown_status_is_refused_and_changes_nothing(mug_order, client, production_rep):
    client.force_login(production_rep)

    response = client.post(reverse("sales-order-status", args=[mug_order.order.pk]), {"status": "done"})

    assert response.status_code == 400
    assert response.context["status_error"].startswith("Unknown status 'done'")
    mug_order.refresh()
    assert mug_order.order.status == SalesOrder.Status.IN_PRODUCTION


def test_signed_out_visitors_are_sent_to_sign_in(mug_order, client):
    response = client.get(reverse("sales-order-detail", args=[mug_order.order.pk]))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_two_invoices_show_their_places_and_nothing_remains(
    partial_invoice, backordered_mug_order, production_rep, issue, ivy_client
):
    mug = backordered_mug_order
    purchase_order_stage_change(purchase_order=mug.po, stage=PurchaseOrder.Stage.READY_FOR_BILLING, by=production_rep)
    issue(mug.order, (mug.mugs, 200))

    response = ivy_client.get(reverse("sales-order-detail", args=[mug.order.pk]))

    assert [(i.number, i.kind, i.position, i.position_of) for i in response.context["invoices"]] == [
        ("INV-000001", "partial", 1, 2),
        ("INV-000002", "final", 2, 2),
    ]
    assert response.context["order"].remaining_amount == Decimal("0.00")
    html = response.content.decode()
    assert 'data-testid="billing-status">Fully invoiced<' in html
    assert 'data-testid="so-status">Invoiced<' in html


def test_ready_to_invoice_now_is_shown_only_while_the_order_can_be_invoiced(mug_order, ivy_client):
    # given SO-1001 in production: nothing backordered, so every unit would count as "ready"
    so_page = ivy_client.get(reverse("sales-order-detail", args=[mug_order.order.pk])).content.decode()
    project_page = ivy_client.get(reverse("project-detail", args=[mug_order.order.project_id])).content.decode()

    # then neither page offers an amount to invoice now: the order cannot be invoiced yet
    assert 'data-testid="ready-amount">—<' in so_page
    assert 'data-testid="ready-amount">—<' in project_page


def test_ready_to_invoice_now_is_shown_once_the_order_is_ready(backordered_mug_order, ivy_client):
    so_page = ivy_client.get(reverse("sales-order-detail", args=[backordered_mug_order.order.pk])).content.decode()
    project_page = ivy_client.get(
        reverse("project-detail", args=[backordered_mug_order.order.project_id])
    ).content.decode()

    assert 'data-testid="ready-amount">1,340.00<' in so_page
    assert 'data-testid="ready-amount">1,340.00<' in project_page

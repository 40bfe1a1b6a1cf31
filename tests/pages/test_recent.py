"""The header's Recent menu: what the signed-in user opened lately, most recent first, one click away."""

import re

import pytest
from django.urls import reverse

from accounts.models import RecentItem
from accounts.recent import RECENT_SHOWN
from invoicing.services.issue import LineRequest, invoice_create
from projects.models import SalesOrder
from tests.factories import ClientFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def recent_menu(response) -> list[tuple[str, str]]:
    """The Recent menu's links as (address, text), in the order shown."""
    html = response.content.decode()
    menu = html.split('data-testid="recent-menu"', 1)[1].split("</details>", 1)[0]
    return [
        (url, " ".join(re.sub(r"<[^>]+>", " ", text).split()))
        for url, text in re.findall(r'<a href="([^"]+)">(.*?)</a>', menu, re.S)
    ]


def test_opening_three_pages_lists_them_most_recent_first(signed_in, production_rep, mug_order):
    client = signed_in(production_rep)
    order, po, project = mug_order.order, mug_order.po, mug_order.order.project

    assert recent_menu(client.get(reverse("desk"))) == []
    client.get(reverse("project-detail", args=[project.pk]))
    client.get(reverse("purchase-order-detail", args=[po.pk]))
    client.get(reverse("sales-order-detail", args=[order.pk]))

    client_name = project.client.name
    assert recent_menu(client.get(reverse("desk"))) == [
        (f"/sales-orders/{order.pk}/", f"SO-1001 {client_name}"),
        (f"/purchase-orders/{po.pk}/", f"PO-1001 {client_name}"),
        (f"/projects/{project.pk}/", f"P-1001 Spring fair mugs · {client_name}"),
    ]

    # opening the project again moves it to the top, once
    client.get(reverse("project-detail", args=[project.pk]))
    assert [url for url, _text in recent_menu(client.get(reverse("desk")))] == [
        f"/projects/{project.pk}/",
        f"/sales-orders/{order.pk}/",
        f"/purchase-orders/{po.pk}/",
    ]


def test_clients_and_invoices_are_listed_too(signed_in, invoicing_rep, mug_order):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(status=SalesOrder.Status.READY_TO_BE_INVOICED)
    mug_order.refresh()
    invoice = invoice_create(sales_order=mug_order.order, lines=[LineRequest(mug_order.setup, 1)], by=invoicing_rep)
    buyer = mug_order.order.project.client
    client = signed_in(invoicing_rep)

    client.get(reverse("client-detail", args=[buyer.pk]))
    client.get(reverse("invoice-detail", args=[invoice.pk]))

    assert recent_menu(client.get(reverse("desk"))) == [
        (f"/invoices/{invoice.pk}/", f"INV-000001 {buyer.name}"),
        (f"/clients/{buyer.pk}/", buyer.name),
    ]


def test_another_users_recent_items_are_not_shown(signed_in, production_rep, sales_rep, mug_order):
    signed_in(sales_rep).get(reverse("purchase-order-detail", args=[mug_order.po.pk]))

    assert recent_menu(signed_in(production_rep).get(reverse("desk"))) == []
    assert [url for url, _ in recent_menu(signed_in(sales_rep).get(reverse("desk")))] == [
        f"/purchase-orders/{mug_order.po.pk}/"
    ]


def test_deleted_items_drop_out(signed_in, production_rep, sales_rep):
    kept, gone = ProjectFactory(), ProjectFactory()
    for user in (production_rep, sales_rep):
        for project in (kept, gone):
            signed_in(user).get(reverse("project-detail", args=[project.pk]))

    gone.delete()

    assert [url for url, _ in recent_menu(signed_in(production_rep).get(reverse("desk")))] == [f"/projects/{kept.pk}/"]
    assert not RecentItem.objects.filter(subject_id=gone.pk, subject_type="projects.project").exists()


def test_only_the_last_few_are_kept_per_user(signed_in, production_rep, sales_rep):
    clients = ClientFactory.create_batch(RECENT_SHOWN + 4)
    signed_in(sales_rep).get(reverse("client-detail", args=[clients[0].pk]))
    client = signed_in(production_rep)
    for buyer in clients:
        client.get(reverse("client-detail", args=[buyer.pk]))

    # the table does not grow: the oldest rows go as new ones come, and the other user's row stays
    assert RecentItem.objects.filter(user=production_rep).count() == RECENT_SHOWN
    assert RecentItem.objects.filter(user=sales_rep).count() == 1
    shown = recent_menu(client.get(reverse("desk")))
    assert [url for url, _ in shown] == [f"/clients/{buyer.pk}/" for buyer in reversed(clients[-RECENT_SHOWN:])]


def test_a_name_with_html_is_shown_escaped(signed_in, production_rep):
    buyer = ClientFactory(name="<b>Bold & Co</b>")
    client = signed_in(production_rep)
    client.get(reverse("client-detail", args=[buyer.pk]))

    html = client.get(reverse("desk")).content.decode()
    assert "&lt;b&gt;Bold &amp; Co&lt;/b&gt;" in html.split('data-testid="recent-menu"', 1)[1]

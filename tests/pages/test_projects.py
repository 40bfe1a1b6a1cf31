"""The projects list and the project overview."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from backorders.services import BackorderRequest, backorder_flag
from invoicing.services.issue import invoice_create
from projects.models import SalesOrder
from purchasing.models import PurchaseOrder
from tests.factories import ClientFactory, ProjectFactory, SalesOrderFactory, SalesOrderItemFactory

pytestmark = pytest.mark.django_db


def test_the_list_searches_number_name_and_client_and_filters_by_rep_and_client(
    mug_order, production_rep, sales_rep, signed_in
):
    acme = ClientFactory(name="Acme Events")
    other = ProjectFactory(number="P-2002", name="Trade show pens", client=acme)
    client = signed_in(production_rep)
    url = reverse("project-list")

    def numbers(**query) -> list[str]:
        return [project.number for project in client.get(url, query).context["projects"]]

    assert numbers() == ["P-2002", "P-1001"]
    assert numbers(q="mugs") == ["P-1001"]
    assert numbers(q="p-2002") == ["P-2002"]
    assert numbers(q="acme") == ["P-2002"]
    assert numbers(rep=sales_rep.pk) == ["P-1001"]
    assert numbers(rep=other.production_rep.pk) == ["P-2002"]
    assert numbers(client=acme.pk) == ["P-2002"]
    assert numbers(q="nothing like it") == []
    page = client.get(url).content.decode()
    for control in ("id_q", "id_rep", "id_client"):
        assert f'<label for="{control}">' in page


def test_the_list_shows_each_projects_stage_in_hands_date_amount_to_invoice_and_open_backorders(
    mug_order, production_rep, signed_in, next_week
):
    # given the mug order (In Production, 2,190.00) with 200 mugs backordered, a new order of pens due
    # in 10 days, and an invoiced order due in 2 days
    today = timezone.localdate()
    project = mug_order.order.project
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(in_hands_date=today + timedelta(days=20))
    pens = SalesOrderFactory(project=project, status=SalesOrder.Status.NEW, in_hands_date=today + timedelta(days=10))
    SalesOrderItemFactory(sales_order=pens, quantity=10, unit_price=Decimal("3.00"))
    done = SalesOrderFactory(project=project, status=SalesOrder.Status.INVOICED, in_hands_date=today + timedelta(2))
    SalesOrderItemFactory(sales_order=done, quantity=5, unit_price=Decimal("2.00"), invoiced_quantity=5)
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short")],
        note="",
        by=production_rep,
    )
    empty = ProjectFactory(number="P-0999", name="Not sold yet")
    # when production opens the list
    response = signed_in(production_rep).get(reverse("project-list"))
    rows = {row.number: row for row in response.context["projects"]}
    # then the project stands where its furthest-behind order is, due when its first open order is due,
    # worth all its orders, with what is left to invoice and its one open backorder
    row = rows["P-1001"]
    assert (row.stage, row.stage_label) == ("new", "New")
    assert row.in_hands_date == today + timedelta(days=10)
    assert row.amount == Decimal("2230.00")  # 500 × 4.25 + 65.00 + 10 × 3.00 + 5 × 2.00
    assert row.remaining_amount == Decimal("2220.00")  # the invoiced order has nothing left
    assert row.open_backorders == 1
    assert (rows[empty.number].stage, rows[empty.number].amount, rows[empty.number].open_backorders) == (
        None,
        Decimal("0.00"),
        0,
    )
    page = response.content.decode()
    assert '<td class="num" data-col="amount">2,230.00</td>' in page
    assert '<td class="num remaining" data-col="remaining">2,220.00</td>' in page
    assert '<span class="pill new">New</span>' in page
    assert '<td class="num" data-col="open-backorders">1</td>' in page
    assert ">No order<" in page


def test_once_every_order_is_invoiced_the_project_shows_invoiced_and_no_in_hands_date(mug_order, signed_in, manager):
    SalesOrder.objects.filter(pk=mug_order.order.pk).update(
        status=SalesOrder.Status.INVOICED, in_hands_date=timezone.localdate()
    )
    closed = SalesOrderFactory(project=mug_order.order.project, status=SalesOrder.Status.CLOSED)
    SalesOrderItemFactory(sales_order=closed)
    (row,) = signed_in(manager).get(reverse("project-list")).context["projects"]
    assert (row.stage_label, row.in_hands_date) == ("Invoiced", None)


def test_a_sales_rep_starts_on_their_own_projects_and_can_see_everyones(mug_order, sales_rep, signed_in):
    other = ProjectFactory(number="P-2002", name="Trade show pens")
    client = signed_in(sales_rep)
    url = reverse("project-list")
    mine = client.get(url)
    assert [project.number for project in mine.context["projects"]] == ["P-1001"]
    page = mine.content.decode()
    # The list says whose projects it shows, in a labelled control.
    assert '<label for="id_whose">Whose</label>' in page
    assert '<option value="mine" selected>Mine (I am the order rep)</option>' in page
    everyone = client.get(url, {"whose": "everyone"})
    assert [project.number for project in everyone.context["projects"]] == ["P-2002", "P-1001"]
    assert '<option value="everyone" selected>Everyone</option>' in everyone.content.decode()
    # The other filters apply within the choice.
    assert [project.number for project in client.get(url, {"q": "pens"}).context["projects"]] == []
    found = client.get(url, {"q": "pens", "whose": "everyone"}).context["projects"]
    assert [project.number for project in found] == [other.number]


@pytest.mark.parametrize("role", ["production_rep", "invoicing_rep", "manager"])
def test_other_roles_start_on_everyones_projects(role, request, mug_order, signed_in):
    ProjectFactory(number="P-2002")
    response = signed_in(request.getfixturevalue(role)).get(reverse("project-list"))
    assert [project.number for project in response.context["projects"]] == ["P-2002", "P-1001"]
    assert '<option value="everyone" selected>Everyone</option>' in response.content.decode()


def test_an_unknown_whose_is_refused_naming_the_field(mug_order, sales_rep, signed_in):
    response = signed_in(sales_rep).get(reverse("project-list"), {"whose": "theirs"})
    assert response.status_code == 200
    assert "Select a valid choice. theirs is not one of the available choices." in response.content.decode()


def test_the_list_pages_by_50(production_rep, signed_in):
    ProjectFactory.create_batch(
        51, order_rep=production_rep, production_rep=production_rep, invoicing_rep=production_rep
    )
    client = signed_in(production_rep)
    first = client.get(reverse("project-list"), {"q": "Project"})
    assert len(first.context["projects"]) == 50
    assert "Next page" in first.content.decode()
    second = client.get(reverse("project-list"), {"q": "Project", "page": 2})
    assert len(second.context["projects"]) == 1


def test_the_overview_shows_pinned_notes_first_then_orders_pos_invoices_backorders_and_activity(
    mug_order, production_rep, invoicing_rep, sales_rep, signed_in, next_week
):
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, next_week, "Supplier short")],
        note="@sam @ivy 300 mugs and the setup charge can be invoiced now.",
        by=production_rep,
    )
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    response = signed_in(sales_rep).get(reverse("project-detail", args=[mug_order.order.project.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    headings = ["Pinned notes", "Sales orders", "Purchase orders", "Invoices", "Open backorders", "Notes", "Activity"]
    positions = [page.index(f">{heading}</h2>") for heading in headings]
    assert positions == sorted(positions)
    assert 'class="mention">@ivy</span>' in page
    order = response.context["sales_orders"][0]
    assert (order.number, order.billing_status_label) == ("SO-1001", "Partially invoiced")
    assert f'href="{reverse("sales-order-detail", args=[order.pk])}"' in page
    assert ">850.00<" in page  # the remaining amount: 200 mugs × 4.25
    assert f'href="{reverse("invoice-detail", args=[invoice.pk])}"' in page
    assert invoice.number in page
    assert ">Problem<" in page and ">Confirmed<" in page
    assert [backorder.quantity for backorder in response.context["open_backorders"]] == [200]
    # The log: who (or "automatic"), what, from and to.
    assert "Changed status of SO-1001" in page
    assert "Wrote a note" in page
    assert ">In Production</td>" in page and ">Ready to be Invoiced</td>" in page
    assert ">automatic</span>" in page  # the invoice moved the order back to production by rule 5


def test_a_note_with_markup_is_shown_as_text(mug_order, production_rep, signed_in):
    client = signed_in(production_rep)
    client.post(
        reverse("note-create", args=[mug_order.order.project.pk]),
        {"body": '<script>alert("x")</script> <b>bold</b> @ivy', "pinned": "on"},
    )
    page = client.get(reverse("project-detail", args=[mug_order.order.project.pk])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;" in page
    assert '<span class="mention">@ivy</span>' in page


def test_the_overview_is_for_signed_in_people_only(mug_order, client):
    response = client.get(reverse("project-detail", args=[mug_order.order.project.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_unknown_project_is_not_found(production_rep, signed_in):
    assert signed_in(production_rep).get(reverse("project-detail", args=[999])).status_code == 404

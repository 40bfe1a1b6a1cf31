"""The projects list and the project overview."""

import pytest
from django.urls import reverse

from backorders.services import BackorderRequest, backorder_flag
from invoicing.services.issue import invoice_create
from purchasing.models import PurchaseOrder
from tests.factories import ClientFactory, ProjectFactory

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

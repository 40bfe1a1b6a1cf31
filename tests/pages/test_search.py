"""The search box in the header: an exact number opens its page, anything else lists what matches."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from backorders.services import BackorderRequest, backorder_flag
from invoicing.models import Invoice
from invoicing.services.issue import invoice_create
from projects.models import Client
from purchasing.models import PurchaseOrder
from reports.search import SEARCH_LIMIT
from tests.factories import (
    ClientFactory,
    ProjectFactory,
    PurchaseOrderFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

# Every signed-in page pays 5 queries before its own (see test_query_counts.py).
PAGE_BASE = 5


@pytest.fixture
def invoiced_mug_order(mug_order, production_rep, invoicing_rep):
    """P-1001 for Acme Promotions: SO-1001 partly invoiced on INV-000001, 200 mugs (850.00) still to invoice."""
    Client.objects.filter(pk=mug_order.order.project.client_id).update(name="Acme Promotions")
    backorder_flag(
        purchase_order=mug_order.po,
        status=PurchaseOrder.Status.PROBLEM,
        items=[BackorderRequest(mug_order.po_mugs, 200, timezone.localdate() + timedelta(days=7), "Supplier short")],
        note="@sam @ivy 300 mugs and the setup charge can be invoiced now.",
        by=production_rep,
    )
    invoice = invoice_create(sales_order=mug_order.order, by=invoicing_rep)
    assert invoice.number == "INV-000001"
    return mug_order.refresh(), invoice


def search(client, query: str):
    return client.get(reverse("search"), {"q": query})


@pytest.mark.parametrize(
    ("query", "page"),
    [
        ("P-1001", "project"),
        ("p-1001", "project"),
        ("so-1001", "sales_order"),
        ("SO-1001", "sales_order"),
        ("PO-1001", "purchase_order"),
        ("po-1001", "purchase_order"),
        ("INV-000001", "invoice"),
        ("inv-000001", "invoice"),
        ("  SO-1001  ", "sales_order"),
    ],
)
def test_an_exact_number_opens_its_page(query, page, signed_in, invoiced_mug_order, sales_rep):
    mug_order, invoice = invoiced_mug_order
    pages = {
        "project": mug_order.order.project.get_absolute_url(),
        "sales_order": mug_order.order.get_absolute_url(),
        "purchase_order": mug_order.po.get_absolute_url(),
        "invoice": invoice.get_absolute_url(),
    }
    response = search(signed_in(sales_rep), query)
    assert response.status_code == 302
    assert response["Location"] == pages[page]


def test_part_of_a_number_lists_the_project_order_and_po_with_links_and_remaining_amounts(
    signed_in, invoiced_mug_order, invoicing_rep
):
    mug_order, invoice = invoiced_mug_order
    response = search(signed_in(invoicing_rep), "1001")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Search results for “1001”" in page
    assert 'value="1001"' in page  # the box keeps what was typed
    assert re.search(r"Projects <span class=\"muted\">\(1\)</span>", page)
    assert re.search(r"Sales orders <span class=\"muted\">\(1\)</span>", page)
    assert re.search(r"Purchase orders <span class=\"muted\">\(1\)</span>", page)
    assert 'data-testid="search-invoices"' not in page  # INV-000001 does not contain 1001
    assert f'href="{mug_order.order.project.get_absolute_url()}">P-1001</a>' in page
    assert f'href="{mug_order.order.get_absolute_url()}">SO-1001</a>' in page
    assert f'href="{mug_order.po.get_absolute_url()}">PO-1001</a>' in page
    # 200 mugs at 4.25 are still to invoice: on the order, and beside its PO.
    assert re.search(r'data-testid="so-remaining">850.00<', page)
    assert re.search(r'data-testid="po-remaining">850.00<', page)
    assert "Partially invoiced" in page


def test_part_of_an_invoice_number_lists_the_invoice_with_what_remains_on_its_order(
    signed_in, invoiced_mug_order, invoicing_rep
):
    _mug_order, invoice = invoiced_mug_order
    page = search(signed_in(invoicing_rep), "inv-0000").content.decode()
    assert re.search(r"Invoices <span class=\"muted\">\(1\)</span>", page)
    assert f'href="{invoice.get_absolute_url()}">INV-000001</a>' in page
    assert re.search(r'data-testid="invoice-remaining">850.00<', page)


def test_a_client_name_lists_the_client_linked_to_its_page(signed_in, invoiced_mug_order, sales_rep):
    mug_order, _invoice = invoiced_mug_order
    page = search(signed_in(sales_rep), "acme").content.decode()
    clients = page.split('data-testid="search-clients"')[1].split("</section>")[0]
    assert f'href="{reverse("client-detail", args=[mug_order.order.project.client_id])}">Acme Promotions</a>' in clients
    # A client's name finds the client, not its whole history: its page lists its projects.
    for kind in ("projects", "sales-orders", "purchase-orders", "invoices"):
        assert f'data-testid="search-{kind}"' not in page


def test_a_project_name_finds_the_project(signed_in, invoiced_mug_order, production_rep):
    mug_order, _invoice = invoiced_mug_order
    page = search(signed_in(production_rep), "spring fair").content.decode()
    projects = page.split('data-testid="search-projects"')[1].split("</section>")[0]
    assert f'href="{mug_order.order.project.get_absolute_url()}">P-1001</a> Spring fair mugs' in projects
    assert 'data-testid="search-sales-orders"' not in page


def test_the_clients_po_number_finds_the_sales_order(signed_in, invoiced_mug_order, sales_rep):
    mug_order, _invoice = invoiced_mug_order
    SalesOrderFactory(number="SO-2002", client_po_number="REQ-55-OTHER")
    mug_order.order.client_po_number = "Acme PO 4500-7731"
    mug_order.order.save()
    page = search(signed_in(sales_rep), "4500-773").content.decode()
    orders = page.split('data-testid="search-sales-orders"')[1].split("</section>")[0]
    assert f'href="{mug_order.order.get_absolute_url()}">SO-1001</a>' in orders
    assert "<td>Acme PO 4500-7731</td>" in orders
    assert "SO-2002" not in page


def test_a_supplier_name_finds_the_supplier_linked_to_its_page(signed_in, mug_order, sales_rep):
    mug_order.po.supplier.name = "Mugs Unlimited"
    mug_order.po.supplier.save()
    page = search(signed_in(sales_rep), "mugs unlimited").content.decode()
    suppliers = page.split('data-testid="search-suppliers"')[1].split("</section>")[0]
    assert f'href="{reverse("supplier-detail", args=[mug_order.po.supplier_id])}">Mugs Unlimited</a>' in suppliers
    assert 'data-testid="search-purchase-orders"' not in page


def test_numbers_that_start_with_the_query_come_first(signed_in, sales_rep):
    ProjectFactory(number="P-9100", name="Caps for team P-77")
    ProjectFactory(number="P-7700", name="Pens")
    page = search(signed_in(sales_rep), "p-77").content.decode()
    # Newest first would put P-9100 first; the number that starts with the query leads.
    assert page.index(">P-7700<") < page.index(">P-9100<")


def test_two_characters_match_the_start_of_a_name_or_the_digits_after_a_prefix(signed_in, sales_rep):
    ClientFactory(name="Northwind Traders")
    ClientFactory(name="Snowcap Outfitters")  # "no" inside a word: not for two characters
    ProjectFactory(number="P-7700", name="Pens")
    ProjectFactory(number="P-1770", name="Caps")
    client = signed_in(sales_rep)
    by_name = search(client, "no").content.decode()
    assert "Northwind Traders" in by_name and "Snowcap" not in by_name
    by_digits = search(client, "77").content.decode()
    assert ">P-7700<" in by_digits and ">P-1770<" not in by_digits
    assert "Snowcap" in search(client, "now").content.decode()  # three characters: anywhere


def test_a_query_that_matches_nothing_says_so_and_keeps_the_text(signed_in, invoiced_mug_order, sales_rep):
    response = search(signed_in(sales_rep), "Zebra stripes")
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Nothing matches “Zebra stripes”: no project by number or name, sales order by number or client's PO "
        "number, purchase order or invoice by number, client or supplier by name." in page
    )
    assert 'name="q" value="Zebra stripes"' in page
    assert 'data-testid="search-projects"' not in page


def test_html_in_the_query_is_shown_escaped(signed_in, db, sales_rep):
    response = search(signed_in(sales_rep), '<script>alert("x")</script>')
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_an_empty_query_asks_for_something_to_find(signed_in, db, sales_rep):
    response = search(signed_in(sales_rep), "   ")
    assert response.status_code == 200
    assert "Type in the search box above: a project's number or name" in response.content.decode()


def test_a_too_long_query_is_refused_naming_the_field(signed_in, db, sales_rep):
    response = search(signed_in(sales_rep), "x" * 101)
    assert response.status_code == 400
    assert "Search: Ensure this value has at most 100 characters (it has 101)." in response.content.decode()


def test_a_one_character_query_is_refused_naming_the_field(signed_in, mug_order, sales_rep):
    response = search(signed_in(sales_rep), " 1 ")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Search: Ensure this value has at least 2 characters (it has 1)." in page
    assert 'data-testid="search-projects"' not in page


def test_a_nul_in_the_query_is_refused_naming_the_field(signed_in, db, sales_rep):
    response = search(signed_in(sales_rep), "SO-\x001001")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Search: Null characters are not allowed." in page
    assert "\x00" not in page


def test_signed_out_is_sent_to_sign_in(client, mug_order):
    response = client.get(reverse("search"), {"q": "SO-1001"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=/search/")


def test_every_page_has_the_labelled_search_box(signed_in, mug_order, sales_rep):
    page = signed_in(sales_rep).get(reverse("desk")).content.decode()
    assert '<label for="site-search" class="visually-hidden">Search projects, orders and invoices</label>' in page
    box = re.search(r'<input type="search" id="site-search" name="q"[^>]*>', page)
    assert box and f'action="{reverse("search")}"' in page


def test_results_are_bounded_per_kind(signed_in, sales_rep):
    for index in range(SEARCH_LIMIT + 5):
        SalesOrderFactory(client_po_number=f"BULK-{index:03d}")
    page = search(signed_in(sales_rep), "bulk-").content.decode()
    assert len(re.findall(r'data-testid="so-remaining"', page)) == SEARCH_LIMIT
    assert f'Sales orders <span class="muted">({SEARCH_LIMIT}+)</span>' in page
    assert f"Showing the first {SEARCH_LIMIT}; more match." in page


def test_a_prefix_that_fills_the_page_lists_the_newest_numbers(signed_in, sales_rep):
    for index in range(SEARCH_LIMIT + 3):
        ProjectFactory(number=f"P-{3000 + index}", name=f"Caps {index}")
    ProjectFactory(number="P-9999", name="Mentions P-30 in its name")
    page = search(signed_in(sales_rep), "P-30").content.decode()
    projects = page.split('data-testid="search-projects"')[1].split("</section>")[0]
    shown = re.findall(r">(P-\d+)</a>", projects)
    assert shown == [f"P-{3000 + index}" for index in range(SEARCH_LIMIT + 2, 2, -1)]
    assert "P-9999" not in projects  # the prefix filled the page before anything merely containing it


@pytest.mark.parametrize("rows", [5, 50])
def test_search_costs_the_same_for_5_or_50_matches_of_each_kind(
    rows, signed_in, sales_rep, settings, django_assert_num_queries
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    reps = {
        "order_rep": UserFactory(roles=["Sales"]),
        "production_rep": UserFactory(roles=["Production"]),
        "invoicing_rep": UserFactory(roles=["Invoicing"]),
    }
    today = timezone.localdate()
    for index in range(rows):
        client_row = ClientFactory(name=f"Zenith Client {index}")
        project = ProjectFactory(number=f"P-Z{index}", name=f"Zenith fair {index}", client=client_row, **reps)
        order = SalesOrderFactory(project=project, client_po_number=f"ZENITH-{index}")
        SalesOrderItemFactory(sales_order=order, quantity=10, unit_price=Decimal("3.00"))
        SalesOrderItemFactory(sales_order=order, quantity=2, unit_price=Decimal("5.00"))
        PurchaseOrderFactory(number=f"PO-ZENITH-{index}", sales_order=order, supplier__name=f"Zenith Supply {index}")
        Invoice.objects.create(
            number=f"INV-ZENITH-{index:05d}",
            sequence_number=900_000 + index,
            sales_order=order,
            client_id=order.project.client_id,
            date=today,
            due_date=today,
            kind=Invoice.Kind.PARTIAL,
            subtotal=Decimal("6.00"),
            tax=Decimal("0.00"),
            total=Decimal("6.00"),
            issued_by=reps["invoicing_rep"],
        )
    client = signed_in(sales_rep)
    # The exact-number lookup (one union over the four kinds); for projects, sales orders, POs and
    # invoices the numbers that start with the query, then (the page not full) the rest that contain
    # it, then the rows found with everything they show joined or annotated in (the SOs' and the POs'
    # and invoices' orders' figures); clients and suppliers in one query each.
    with django_assert_num_queries(PAGE_BASE + 1 + 4 * 3 + 2):
        response = search(client, "zenith")
    assert response.status_code == 200
    page = response.content.decode()
    shown = min(rows, SEARCH_LIMIT)
    for kind in ("projects", "sales-orders", "purchase-orders", "invoices", "clients", "suppliers"):
        section = page.split(f'data-testid="search-{kind}"')[1].split("</section>")[0]
        assert len(re.findall(r"<tr>\s*<td><a href=", section)) == shown, kind
    assert len(re.findall(r'data-testid="so-remaining">40.00<', page)) == shown
    assert len(re.findall(r'data-testid="po-remaining">40.00<', page)) == shown
    assert len(re.findall(r'data-testid="invoice-remaining">40.00<', page)) == shown

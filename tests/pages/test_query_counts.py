"""List pages cost the same number of queries for 5 rows as for 50."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.recent import RECENT_SHOWN
from tests.factories import ProjectFactory, PurchaseOrderFactory, SalesOrderFactory, SalesOrderItemFactory

pytestmark = pytest.mark.django_db

# Every signed-in page pays 5 queries before its own: the session, the user, the user's groups
# (for the role checks and the navigation), the unread-notification count in the navigation and the
# header's Recent menu (its rows carry their number and name, so one query whatever they are).
PAGE_BASE = 5


@pytest.mark.parametrize("rows", [5, 50])
def test_project_list_costs_the_same_for_5_or_50_projects(rows, signed_in, production_rep, django_assert_num_queries):
    # Each project with an order of one item: its stage, in-hands date, amounts and open backorders are
    # subqueries of the list's one query.
    SalesOrderItemFactory.create_batch(rows)
    client = signed_in(production_rep)
    # The page count, the projects with client, reps and figures, and the options of the rep and client filters.
    with django_assert_num_queries(PAGE_BASE + 4):
        response = client.get(reverse("project-list"))
    assert response.status_code == 200
    assert len(re.findall(r'href="/projects/\d+/"', response.content.decode())) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_purchase_order_list_costs_the_same_for_5_or_50_orders(
    rows, signed_in, production_rep, django_assert_num_queries
):
    PurchaseOrderFactory.create_batch(rows)
    client = signed_in(production_rep)
    # The page count, the orders with project, client, supplier, rep and total (a subquery), their items, and
    # the supplier options; the "Move selected to" form's stages are fixed choices.
    with django_assert_num_queries(PAGE_BASE + 4):
        response = client.get(reverse("purchase-order-list"))
    assert response.status_code == 200
    assert len(re.findall(r'href="/purchase-orders/\d+/"', response.content.decode())) == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_desk_costs_the_same_for_5_or_50_rows_in_every_section(
    rows, signed_in, manager, desk_rows, django_assert_num_queries
):
    desk_rows(rows, for_user=manager)
    client = signed_in(manager)
    # A manager sees every section: POs waiting for confirmation, POs due to ship this week, flagged POs
    # (+ their items), open backorders, orders Ready to be Invoiced (+ items, + pinned notes), unsent
    # invoices, 4 totals, mentions and notifications.
    with django_assert_num_queries(PAGE_BASE + 14):
        response = client.get(reverse("desk"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="desk-flagged"') == 1
    assert page.count("Create invoice") == rows


@pytest.mark.parametrize("orders", [2, 20])
def test_the_order_editor_costs_the_same_whatever_the_clients_history(
    orders, signed_in, sales_rep, django_assert_num_queries
):
    project = ProjectFactory(order_rep=sales_rep)
    for _ in range(orders):
        SalesOrderItemFactory.create_batch(3, sales_order=SalesOrderFactory(project=project))
    client = signed_in(sales_rep)
    # The project with its client; the client's and the rep's recent items (their last orders only, with
    # suppliers); the supplier options of the first row and of the row new ones are cloned from.
    with django_assert_num_queries(PAGE_BASE + 5):
        response = client.get(reverse("sales-order-create", args=[project.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("data-pick ") == min(3 * orders, 8)


def test_the_recent_menu_costs_one_query_for_none_or_a_full_menu(signed_in, production_rep, django_assert_num_queries):
    client = signed_in(production_rep)
    # The API tokens page's own query: the user's token.
    with django_assert_num_queries(PAGE_BASE + 1) as empty:
        response = client.get(reverse("account-tokens"))
    assert 'data-testid="recent-menu"' in response.content.decode()
    assert len([query for query in empty.captured_queries if "accounts_recentitem" in query["sql"]]) == 1

    for project in ProjectFactory.create_batch(RECENT_SHOWN + 2):
        client.get(reverse("project-detail", args=[project.pk]))
    with django_assert_num_queries(PAGE_BASE + 1):
        response = client.get(reverse("account-tokens"))
    assert response.content.decode().count('<span class="recent-number">P-') == RECENT_SHOWN


def test_opening_a_page_records_it_in_two_queries(signed_in, production_rep):
    projects = ProjectFactory.create_batch(RECENT_SHOWN + 2)
    client = signed_in(production_rep)
    for project in projects:
        with CaptureQueriesContext(connection) as opened:
            client.get(reverse("project-detail", args=[project.pk]))
        # One upsert and one trim of what is beyond the menu, whatever the menu held; then the header's read.
        recent = [query["sql"].split()[0] for query in opened.captured_queries if "accounts_recentitem" in query["sql"]]
        assert recent == ["INSERT", "DELETE", "SELECT"]

"""A report's filters saved by name, per user: saved, applied in one click, deleted; nobody else's shown."""

import re
from html import unescape

import pytest
from django.urls import reverse

from reports.models import SavedFilter
from tests.reports.conftest import signed_in

pytestmark = pytest.mark.django_db

BACKORDERS = reverse("backorder-report")
INVOICES = reverse("invoice-report")
SAVE_BACKORDERS = reverse("saved-filter-create", args=["backorders"])
SAVE_INVOICES = reverse("saved-filter-create", args=["invoices"])


def saved_links(html: str) -> list[tuple[str, str]]:
    """The Saved filters section's links as (address, name)."""
    section = html.split('data-testid="saved-filters"', 1)[1].split("</section>", 1)[0]
    return [(unescape(url), unescape(name)) for url, name in re.findall(r'<a href="([^"]+)">([^<]*)</a>', section)]


def name_error(html: str) -> str:
    match = re.search(r'<p class="field-error" id="saved-filter-name-error" role="alert">([^<]*)</p>', html)
    return unescape(match.group(1)) if match else ""


def test_the_page_offers_to_save_its_own_filters(production_rep):
    page = signed_in(production_rep).get(BACKORDERS, {"overdue": "yes", "page": "2"}).content.decode()
    assert '<label for="saved-filter-name">Name</label>' in page
    # the page's filters are what is saved, not the page of rows the user was on
    assert '<input type="hidden" name="query" value="overdue=yes">' in page
    assert "None yet." in page


def test_saved_filters_are_listed_and_applied_in_one_click(production_rep):
    browser = signed_in(production_rep)
    response = browser.post(SAVE_BACKORDERS, {"name": "  Overdue   mugs ", "query": "?overdue=yes&page=3&format=csv"})

    # then the report opens with those filters, and says so
    assert response.status_code == 302
    assert response["Location"] == f"{BACKORDERS}?overdue=yes"
    saved = SavedFilter.objects.get()
    assert (saved.user, saved.report, saved.name, saved.query) == (
        production_rep,
        "backorders",
        "Overdue mugs",
        "overdue=yes",
    )
    page = browser.get(response["Location"]).content.decode()
    assert "Saved these filters as “Overdue mugs”." in unescape(page)
    assert saved_links(page) == [(f"{BACKORDERS}?overdue=yes", "Overdue mugs")]
    # the same link on the report without filters applies them
    assert saved_links(browser.get(BACKORDERS).content.decode()) == [(f"{BACKORDERS}?overdue=yes", "Overdue mugs")]


def test_the_invoices_report_has_its_own(invoicing_rep):
    browser = signed_in(invoicing_rep)
    browser.post(SAVE_BACKORDERS, {"name": "Overdue", "query": "overdue=yes"})
    response = browser.post(SAVE_INVOICES, {"name": "Overdue", "query": "balance_due=yes&sort=-date"})

    assert response["Location"] == f"{INVOICES}?balance_due=yes&sort=-date"
    assert saved_links(browser.get(INVOICES).content.decode()) == [
        (f"{INVOICES}?balance_due=yes&sort=-date", "Overdue")
    ]
    assert saved_links(browser.get(BACKORDERS).content.decode()) == [(f"{BACKORDERS}?overdue=yes", "Overdue")]


def test_only_those_who_read_the_invoices_report_save_filters_on_it(production_rep):
    assert signed_in(production_rep).post(SAVE_INVOICES, {"name": "Mine", "query": ""}).status_code == 403
    assert (
        signed_in(production_rep).post(reverse("saved-filter-create", args=["other"]), {"name": "x"}).status_code == 404
    )
    assert not SavedFilter.objects.exists()


def test_a_user_deletes_their_own(production_rep):
    browser = signed_in(production_rep)
    browser.post(SAVE_BACKORDERS, {"name": "Overdue", "query": "overdue=yes"})
    saved = SavedFilter.objects.get()

    response = browser.post(reverse("saved-filter-delete", args=[saved.pk]))

    assert response.status_code == 302
    assert response["Location"] == BACKORDERS
    assert not SavedFilter.objects.exists()
    page = unescape(browser.get(BACKORDERS).content.decode())
    assert "Deleted the saved filters “Overdue”." in page
    assert saved_links(page) == []


def test_another_users_saved_filters_are_neither_shown_nor_deletable(production_rep, sales_rep):
    signed_in(sales_rep).post(SAVE_BACKORDERS, {"name": "Sam's overdue", "query": "overdue=yes"})
    theirs = SavedFilter.objects.get()

    browser = signed_in(production_rep)
    assert saved_links(browser.get(BACKORDERS).content.decode()) == []
    assert browser.post(reverse("saved-filter-delete", args=[theirs.pk])).status_code == 404
    assert SavedFilter.objects.filter(pk=theirs.pk).exists()
    # and the same name is free for another user
    assert browser.post(SAVE_BACKORDERS, {"name": "Sam's overdue", "query": ""}).status_code == 302


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "Enter a name for these filters."),
        ("   ", "Enter a name for these filters."),
        ("x" * 81, "The name may hold at most 80 characters."),
        ("overdue", "You already have filters named “overdue” on this report: choose another name."),
    ],
)
def test_a_bad_name_is_named_next_to_the_field_and_nothing_is_saved(production_rep, name, error):
    browser = signed_in(production_rep)
    browser.post(SAVE_BACKORDERS, {"name": "Overdue", "query": "overdue=yes"})

    response = browser.post(SAVE_BACKORDERS, {"name": name, "query": "supplier=1&overdue=yes"})

    assert response.status_code == 400
    page = response.content.decode()
    assert name_error(page) == error
    assert 'aria-describedby="saved-filter-name-error"' in page
    # the report is shown with the filters the user had, ready to try another name
    assert '<input type="hidden" name="query" value="supplier=1&amp;overdue=yes">' in page
    assert SavedFilter.objects.count() == 1


def test_html_in_a_name_is_shown_escaped(production_rep):
    browser = signed_in(production_rep)
    browser.post(SAVE_BACKORDERS, {"name": "<script>alert(1)</script>", "query": "overdue=yes"})

    page = browser.get(BACKORDERS).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert saved_links(page) == [(f"{BACKORDERS}?overdue=yes", "<script>alert(1)</script>")]

"""Keyboard and screen-reader users reach every page's content: a skip link first, and axe-core finds nothing serious."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# The text of the first element in the document that the Tab key stops at.
FIRST_FOCUSABLE = """() => {
  const stops = document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea, [tabindex]");
  const first = [...stops].find((element) => element.tabIndex >= 0 && !element.disabled);
  return first ? first.textContent.trim() : null;
}"""


def test_the_first_tab_lands_on_skip_to_content_which_jumps_to_the_main_content(page, sign_in, manager):
    sign_in(manager)
    for address in (reverse("desk"), reverse("project-list")):
        page.goto(address)
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        expect(skip).to_have_attribute("href", "#main")
        # Hidden until focused, then on screen where a sighted keyboard user sees it.
        box = skip.bounding_box()
        assert box and box["y"] >= 0 and box["width"] > 1 and box["height"] > 1
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#main"
        assert page.evaluate("document.activeElement.id") == "main"
        expect(skip).not_to_be_in_viewport()


def test_the_skip_link_is_out_of_sight_until_focused(page, sign_in, manager):
    sign_in(manager)
    page.goto(reverse("desk"))
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_have_count(1)
    expect(skip).not_to_be_in_viewport()
    expect(page.locator("main#main")).to_have_count(1)


def test_signed_out_the_skip_link_comes_before_the_sign_in_form(page, db):
    page.goto(reverse("login"))
    # The user name field takes the focus on its own; the skip link is still the first stop of the page.
    expect(page.get_by_label("User name")).to_be_focused()
    first = page.evaluate(FIRST_FOCUSABLE)
    assert first == "Skip to content"

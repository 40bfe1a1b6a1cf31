"""Playwright driving Debian's Chromium against a live server: the page flows as people click them."""

import os
from pathlib import Path

import pytest

from tests.browser.pages import World, build_world
from tests.browser.problems import KINDS, ProblemWatch, allowances_of
from tests.conftest import need_service
from tests.factories import PASSWORD

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make between
# clicks are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("TEST_OUTPUT_DIR", "test-results")) / "screenshots"


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium, started once; tests open their windows through new_context, which watches them."""
    need_service(Path(CHROMIUM).exists(), f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "expected_browser_problem(kind, text, url=None): a problem this test provokes on purpose and the page "
        "handles: kind is one of " + ", ".join(KINDS) + "; text and url are regular expressions that must match "
        "the whole message and the whole path of the address. The test fails if it never happens.",
    )


@pytest.fixture
def no_browser_dialogs(page):
    """Fail the test on any window.confirm, alert or prompt: every confirmation is the page's own dialog."""
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(f"a {dialog.type} dialog: {dialog.message}") or dialog.dismiss())
    yield
    assert dialogs == []


@pytest.fixture
def new_context(chromium, live_server, request):
    """Open a browser window on the live server; anything going wrong in it fails the test at teardown.

    A console error, an uncaught exception, a request that failed and a server error are each a bug
    a person would meet, so every test checks for them, whatever it clicks. A test that provokes one
    on purpose names it with the expected_browser_problem marker and says why.
    """
    watch = ProblemWatch(allowances_of(request.node))
    contexts = []

    def open_context(**options):
        options = {"base_url": live_server.url, "viewport": {"width": 1280, "height": 900}, **options}
        context = chromium.new_context(**options)
        context.set_default_timeout(10_000)
        watch.listen(context)
        contexts.append(context)
        return context

    yield open_context
    problems = watch.verdict()
    for context in contexts:
        context.close()
    if problems:
        pytest.fail("The browser met problems:\n  " + "\n  ".join(problems), pytrace=False)


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture
def sign_in(request):
    """Sign a user in through the sign-in page, as a person would: on the test's page, or in the window given."""

    def sign_in_as(user, window=None):
        # The test's page opens only when it is the one signed in: a test with a window of its own
        # (one without JavaScript, say) gets no second window.
        page = window or request.getfixturevalue("page")
        page.goto("/accounts/login/")
        page.get_by_label("User name").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        # Signed in once the sign-in page has sent the browser on and the next page has loaded.
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return sign_in_as


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under the test output folder."""

    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def world(settings, mug_order, production_rep, sales_rep, invoicing_rep) -> World:
    """A desk with something on every page, for the tests that look at each one (tests/browser/pages.py)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return build_world(
        mug_order=mug_order, production_rep=production_rep, sales_rep=sales_rep, invoicing_rep=invoicing_rep
    )

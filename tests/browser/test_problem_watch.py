"""The watch every browser test runs under: what it catches, and what a test may expect on purpose."""

import pytest

from tests.browser.problems import BAD_REQUEST, CONSOLE, REQUEST_FAILED, SERVER_ERROR, Allowance, ProblemWatch

pytestmark = pytest.mark.browser

SITE = "http://desk.test"
POLICY = "default-src 'self'; script-src 'self'"


@pytest.fixture
def watched(chromium):
    """A window on a made-up site whose answers the test writes, and the watch over it."""

    def open_with(*allowances: Allowance):
        watch = ProblemWatch(list(allowances))
        context = chromium.new_context()
        watch.listen(context)
        opened.append(context)
        return context.new_page(), watch

    opened = []
    yield open_with
    for context in opened:
        context.close()


def serve(page, path: str, body: str, *, status: int = 200, headers: dict | None = None) -> None:
    page.route(
        f"{SITE}{path}",
        lambda route: route.fulfill(status=status, body=body, content_type="text/html", headers=headers or {}),
    )


def test_a_console_error_is_caught_with_its_message_and_address(watched):
    page, watch = watched()
    serve(page, "/", "<h1>Desk</h1>")
    page.goto(f"{SITE}/")
    page.evaluate("console.error('htmx:oobErrorNoTarget, #items-1-amount')")
    page.evaluate("console.warn('a warning is no error')")

    assert watch.verdict() == [f"console error: htmx:oobErrorNoTarget, #items-1-amount\n    at {SITE}/"]


def test_an_uncaught_exception_is_caught(watched):
    page, watch = watched()
    serve(page, "/", "<h1>Desk</h1>")
    page.goto(f"{SITE}/")
    with page.context.expect_event("weberror"):
        page.evaluate("setTimeout(() => { throw new Error('rows is null') })")

    assert watch.verdict() == [f"page error: rows is null\n    at {SITE}/"]


def test_a_script_the_content_security_policy_refuses_is_caught(watched):
    page, watch = watched()
    serve(page, "/", "<script>document.title = 'inline'</script>", headers={"Content-Security-Policy": POLICY})
    page.goto(f"{SITE}/")

    [problem] = watch.verdict()
    assert problem.startswith(f"{CONSOLE}: Executing inline script violates the following Content Security Policy")


def test_a_failed_request_and_a_server_error_are_caught_with_their_addresses(watched):
    page, watch = watched()
    serve(page, "/", "<h1>Desk</h1>")
    serve(page, "/broken/", "Server Error (500)", status=500)
    page.route(f"{SITE}/gone/", lambda route: route.abort())
    page.goto(f"{SITE}/")
    with page.context.expect_event("response", lambda response: response.url == f"{SITE}/broken/"):
        page.evaluate("fetch('/broken/')")
    with page.context.expect_event("requestfailed", lambda request: request.url == f"{SITE}/gone/"):
        page.evaluate("fetch('/gone/').catch(() => null)")

    problems = watch.verdict()
    assert f"{SERVER_ERROR}: GET 500\n    at {SITE}/broken/ (page {SITE}/)" in problems
    assert f"{REQUEST_FAILED}: GET net::ERR_FAILED\n    at {SITE}/gone/ (page {SITE}/)" in problems


def test_a_request_the_page_aborts_by_leaving_is_no_problem(watched):
    # A form submitted while a running total is being asked for: Chromium aborts the asking.
    page, watch = watched()
    serve(page, "/", "<h1>Desk</h1>")
    page.route(f"{SITE}/left-behind/", lambda route: route.abort("aborted"))
    page.goto(f"{SITE}/")
    with page.context.expect_event("requestfailed", lambda request: request.url == f"{SITE}/left-behind/"):
        page.evaluate("fetch('/left-behind/').catch(() => null)")

    assert watch.verdict() == []


def test_an_expected_problem_passes_only_where_it_was_expected_and_must_happen(watched):
    refused = Allowance(CONSOLE, BAD_REQUEST, r"/clients/new/")
    never = Allowance(SERVER_ERROR, r"POST 500", r"/invoices/\d+/payments/")
    page, watch = watched(refused, never)
    serve(page, "/clients/new/", "<p>Enter a valid email address.</p>", status=400)
    serve(page, "/projects/new/", "<p>Enter a name.</p>", status=400)
    page.goto(f"{SITE}/clients/new/")
    page.goto(f"{SITE}/projects/new/")

    assert watch.verdict() == [
        f"{CONSOLE}: Failed to load resource: the server responded with a status of 400 (Bad Request)\n"
        f"    at {SITE}/projects/new/",
        r"expected but never seen: server error: POST 500 at /invoices/\d+/payments/",
    ]

"""What fails a browser test: console errors, uncaught exceptions, failed requests and server errors.

tests/browser/conftest.py watches every window a test opens (new_context, and page on top of it)
and fails the test at teardown with each problem's message and address. A test that provokes one
on purpose says so with the expected_browser_problem marker, narrowly, and a comment saying why.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest

CONSOLE = "console error"
PAGE_ERROR = "page error"
REQUEST_FAILED = "request failed"
SERVER_ERROR = "server error"
KINDS = (CONSOLE, PAGE_ERROR, REQUEST_FAILED, SERVER_ERROR)

ABORTED_BY_NAVIGATION = "net::ERR_ABORTED"
# Chromium logs any response of 400 or more as a console error, the page's own address included.
BAD_REQUEST = r"Failed to load resource: the server responded with a status of 400 \(Bad Request\)"


def refused_form(path: str) -> pytest.MarkDecorator:
    """Expect the page at path (a regular expression) to come back 400: a form the test fills wrong on purpose."""
    return pytest.mark.expected_browser_problem(CONSOLE, BAD_REQUEST, url=path)


@dataclass(frozen=True)
class Problem:
    kind: str
    text: str
    url: str  # the address the problem is about: the request, the script that logged, or the page
    page: str = ""

    def __str__(self) -> str:
        on_page = f" (page {self.page})" if self.page and self.page != self.url else ""
        return f"{self.kind}: {self.text}\n    at {self.url}{on_page}"


@dataclass
class Allowance:
    kind: str
    text: str
    url: str | None
    seen: bool = False

    def covers(self, problem: Problem) -> bool:
        return (
            problem.kind == self.kind
            and re.fullmatch(self.text, problem.text) is not None
            and (self.url is None or re.fullmatch(self.url, urlsplit(problem.url).path) is not None)
        )

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}" + (f" at {self.url}" if self.url else "")


class ProblemWatch:
    """What went wrong in a test's browser windows: console errors, uncaught exceptions, failed requests, 5xx."""

    def __init__(self, allowances: list[Allowance]):
        self.allowances = allowances
        self.found: list[Problem] = []
        self.listening = True

    def listen(self, context) -> None:
        context.on("console", self._console)
        context.on("weberror", self._page_error)
        context.on("requestfailed", self._request_failed)
        context.on("response", self._response)

    def _record(self, problem: Problem) -> None:
        if not self.listening:
            return
        for allowance in self.allowances:
            if allowance.covers(problem):
                allowance.seen = True
                return
        self.found.append(problem)

    def _console(self, message) -> None:
        # A Content Security Policy report comes as an error, or as a warning when the policy only reports.
        if message.type == "error" or "Content Security Policy" in message.text:
            page = message.page.url if message.page else ""
            self._record(Problem(CONSOLE, message.text, message.location.get("url") or page, page))

    def _page_error(self, web_error) -> None:
        where = web_error.page.url if web_error.page else ""
        self._record(Problem(PAGE_ERROR, str(web_error.error), where))

    def _request_failed(self, request) -> None:
        # Chromium aborts what a page still loads when it leaves it (a click that navigates, a form
        # submitted while its running total is asked for): that is the browser's doing, not a fault.
        if request.failure == ABORTED_BY_NAVIGATION:
            return
        page = request.frame.url if request.frame else ""
        self._record(Problem(REQUEST_FAILED, f"{request.method} {request.failure}", request.url, page))

    def _response(self, response) -> None:
        if response.status >= 500:
            request = response.request
            page = request.frame.url if request.frame else ""
            self._record(Problem(SERVER_ERROR, f"{request.method} {response.status}", response.url, page))

    def verdict(self) -> list[str]:
        """Stop listening (closing a window aborts what it still loads) and say what went wrong."""
        self.listening = False
        lines = [str(problem) for problem in self.found]
        lines += [f"expected but never seen: {allowance}" for allowance in self.allowances if not allowance.seen]
        return lines


def allowances_of(node) -> list[Allowance]:
    allowances = []
    for mark in node.iter_markers("expected_browser_problem"):
        kind, text = mark.args
        if kind not in KINDS:
            raise pytest.UsageError(f"expected_browser_problem: kind {kind!r} is none of {', '.join(KINDS)}")
        allowances.append(Allowance(kind, text, mark.kwargs.get("url")))
    return allowances

"""The site's own address for links that leave it (emails): SITE_URL when set, else the request's own.

Emails are built by Celery workers, long after the request that asked for them. The middleware notes
the scheme and host (with its port) each request came in on; whoever asks for an email captures
that with request_base_url() and hands it to the worker, which builds the links with site_url().
SITE_URL is required with DEBUG off (config/settings.py), so only development uses the captured
address, and mail with no request behind it there links to DEVELOPMENT_SITE_URL, `make run`'s address.
"""

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest, HttpResponse

_request_base_url: ContextVar[str] = ContextVar("request_base_url", default="")


class RequestBaseUrlMiddleware:
    """Note the address the current request came in on, for the emails it may ask for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # get_host() has been checked against ALLOWED_HOSTS by CommonMiddleware, which runs first.
        token = _request_base_url.set(f"{request.scheme}://{request.get_host()}")
        try:
            return self.get_response(request)
        finally:
            _request_base_url.reset(token)


def request_base_url() -> str:
    """Return the scheme and host of the request being served, e.g. http://desk.local:8202, or ""."""
    return _request_base_url.get()


def site_url(*, captured: str = "") -> str:
    """Return the base of the site's links: SITE_URL, else the address captured from the request.

    With neither (DEBUG on, mail no request asked for: beat's digests, the worker's re-queues), the
    address the development server serves on.
    """
    return (settings.SITE_URL or captured or settings.DEVELOPMENT_SITE_URL).rstrip("/")

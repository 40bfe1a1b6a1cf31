"""Page hooks: a lower app's page shows what higher apps add to it, without importing them.

The project page (projects/) lists the project's purchase orders, invoices and backorders, which live in
apps above projects/. projects/ declares a hook; each higher app registers a provider in its AppConfig.ready();
the view merges what the providers return into its context. The providers run in the order the apps are
installed, so a page's queries are the same on every request (the tests pin them).
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

Provider = Callable[[HttpRequest, Any], dict[str, Any]]


class PageHook:
    """A named point on a page where higher apps add context."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._providers: list[Provider] = []

    def provide(self, provider: Provider) -> Provider:
        """Register a provider (use as a decorator); registering the same one twice keeps one."""
        if provider not in self._providers:
            self._providers.append(provider)
        return provider

    def context(self, request: HttpRequest, subject: Any) -> dict[str, Any]:
        """What every provider adds for this subject, merged; a key given twice is a programming error."""
        merged: dict[str, Any] = {}
        for provider in self._providers:
            added = provider(request, subject)
            clash = merged.keys() & added.keys()
            if clash:
                raise RuntimeError(f"{self.name}: {sorted(clash)} given by two providers")
            merged.update(added)
        return merged

"""Date formats for English locales (en, en-us, en-gb, ...): the company's DATE_FORMAT setting.

Django looks for a locale's formats here before its own, so these win over its "N j, Y". They are
read from settings at each lookup (Django caches them until a setting changes), so DATE_FORMAT, or
a test's override of it, reaches every page, email and PDF. Another language copies this file.
"""

from django.conf import settings


def __getattr__(name: str) -> str:
    if name == "DATE_FORMAT":
        return settings.DATE_FORMAT
    if name == "DATETIME_FORMAT":
        # A time beside a date: the same date, then the 24-hour time.
        return f"{settings.DATE_FORMAT} H:i"
    raise AttributeError(name)

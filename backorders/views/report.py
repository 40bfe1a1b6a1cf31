"""Placeholder pages, replaced as each page is built."""

from django.http import HttpResponse


def backorder_report(request, *args, **kwargs):
    return HttpResponse("backorder_report: not built yet", status=501)

"""Placeholder pages, replaced as each page is built."""

from django.http import HttpResponse


def invoice_report(request, *args, **kwargs):
    return HttpResponse("invoice_report: not built yet", status=501)

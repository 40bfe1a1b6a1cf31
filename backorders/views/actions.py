"""Placeholder pages, replaced as each page is built."""

from django.http import HttpResponse


def backorder_resolve_view(request, *args, **kwargs):
    return HttpResponse("backorder_resolve_view: not built yet", status=501)


def backorder_cancel_view(request, *args, **kwargs):
    return HttpResponse("backorder_cancel_view: not built yet", status=501)

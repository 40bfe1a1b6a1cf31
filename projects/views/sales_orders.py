"""Placeholder pages, replaced as each page is built."""

from django.http import HttpResponse


def sales_order_detail(request, *args, **kwargs):
    return HttpResponse("sales_order_detail: not built yet", status=501)


def sales_order_status(request, *args, **kwargs):
    return HttpResponse("sales_order_status: not built yet", status=501)

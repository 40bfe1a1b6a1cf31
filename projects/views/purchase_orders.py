"""Placeholder pages, replaced as each page is built."""

from django.http import HttpResponse


def purchase_order_list(request, *args, **kwargs):
    return HttpResponse("purchase_order_list: not built yet", status=501)


def purchase_order_detail(request, *args, **kwargs):
    return HttpResponse("purchase_order_detail: not built yet", status=501)


def purchase_order_stage(request, *args, **kwargs):
    return HttpResponse("purchase_order_stage: not built yet", status=501)


def purchase_order_status(request, *args, **kwargs):
    return HttpResponse("purchase_order_status: not built yet", status=501)


def backorder_flag_view(request, *args, **kwargs):
    return HttpResponse("backorder_flag_view: not built yet", status=501)

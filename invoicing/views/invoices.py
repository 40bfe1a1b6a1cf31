"""Placeholder pages, replaced as each page is built."""

from django.http import HttpResponse


def invoice_create_view(request, *args, **kwargs):
    return HttpResponse("invoice_create_view: not built yet", status=501)


def invoice_detail(request, *args, **kwargs):
    return HttpResponse("invoice_detail: not built yet", status=501)


def invoice_pdf(request, *args, **kwargs):
    return HttpResponse("invoice_pdf: not built yet", status=501)


def invoice_send_view(request, *args, **kwargs):
    return HttpResponse("invoice_send_view: not built yet", status=501)


def invoice_status_view(request, *args, **kwargs):
    return HttpResponse("invoice_status_view: not built yet", status=501)


def invoice_void_view(request, *args, **kwargs):
    return HttpResponse("invoice_void_view: not built yet", status=501)


def invoice_client_view(request, *args, **kwargs):
    return HttpResponse("invoice_client_view: not built yet", status=501)


def invoice_client_pdf(request, *args, **kwargs):
    return HttpResponse("invoice_client_pdf: not built yet", status=501)

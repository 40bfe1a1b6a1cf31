"""Placeholder pages, replaced as each page is built."""

from django.http import HttpResponse


def project_list(request, *args, **kwargs):
    return HttpResponse("project_list: not built yet", status=501)


def project_detail(request, *args, **kwargs):
    return HttpResponse("project_detail: not built yet", status=501)

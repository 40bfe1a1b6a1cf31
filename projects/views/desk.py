"""Placeholder pages, replaced as each page is built."""

from django.http import HttpResponse


def desk(request, *args, **kwargs):
    return HttpResponse("desk: not built yet", status=501)

"""Placeholder pages, replaced as each page is built."""

from django.http import HttpResponse


def inbox(request, *args, **kwargs):
    return HttpResponse("inbox: not built yet", status=501)


def notification_read_view(request, *args, **kwargs):
    return HttpResponse("notification_read_view: not built yet", status=501)


def notification_read_all_view(request, *args, **kwargs):
    return HttpResponse("notification_read_all_view: not built yet", status=501)


def preference_view(request, *args, **kwargs):
    return HttpResponse("preference_view: not built yet", status=501)

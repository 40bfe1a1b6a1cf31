"""Placeholder pages, replaced as each page is built."""

from django.http import HttpResponse


def note_create_view(request, *args, **kwargs):
    return HttpResponse("note_create_view: not built yet", status=501)


def mention_suggestions(request, *args, **kwargs):
    return HttpResponse("mention_suggestions: not built yet", status=501)


def note_pin_view(request, *args, **kwargs):
    return HttpResponse("note_pin_view: not built yet", status=501)

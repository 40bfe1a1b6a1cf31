"""Page-number pagination for every API list: ?page= and ?page_size= (at most 200).

With `?updated_since=` (see invoicing.filters.UpdatedSinceFilter) a list that opts in with
UpdatedSincePagination is paged by a cursor over (updated_at, id) instead, so a poller walking the
pages misses no row even when rows change meanwhile.

Kept apart from config/api.py: DRF imports its pagination class while its own generics module is
still loading, so this module must not import anything that imports DRF's views.
"""

import base64
import binascii
import re
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_ID = 2**63


# A page number or size as a person writes it: plain digits, from 1 (never 1_0, ١٠, " 2" or 2.0).
PLAIN_COUNT = re.compile(r"[1-9][0-9]*")


class PageNumberPagination(pagination.PageNumberPagination):
    """?page= and ?page_size= in plain digits; anything else answers 400 naming the parameter.

    A page size above the maximum is served at the maximum; a page past the last answers 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        text = request.query_params.get(self.page_size_query_param)
        if not text:
            return self.page_size
        if not PLAIN_COUNT.fullmatch(text):
            raise ValidationError(
                {self.page_size_query_param: [f"Give a page size from 1 to {self.max_page_size}, in plain digits."]}
            )
        return min(int(text), self.max_page_size) if len(text) <= 6 else self.max_page_size

    def get_page_number(self, request, paginator):
        text = request.query_params.get(self.page_query_param)
        if not text:
            return 1
        if text in self.last_page_strings:
            return paginator.num_pages
        if not PLAIN_COUNT.fullmatch(text):
            raise ValidationError({self.page_query_param: ["Give a page number from 1, in plain digits, or last."]})
        # Longer than any page count: past the last page (404), without reading thousands of digits.
        return int(text) if len(text) <= 18 else paginator.num_pages + 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] in (self.page_query_param, self.page_size_query_param):
                parameter["schema"]["minimum"] = 1
        return parameters


class UpdatedSincePagination(PageNumberPagination):
    """Page numbers; with ?updated_since= a cursor over (updated_at, id), oldest change first.

    A page number counts rows from the start, so a row changed between two requests (it moves to the
    end of an updated_at order) would shift the next page by one and a row would never be seen. The
    cursor instead names the last row seen, and the next page starts strictly after it.
    The answer keeps the same fields: `count` (every row the filters match), `next` (with `cursor`,
    null on the last page), `previous` (always null: a poller walks forward) and `results`.
    """

    cursor_query_param = "cursor"
    trigger_query_param = "updated_since"
    cursor_description = (
        "With `updated_since` only: where the page starts. Take it from the previous page's `next` link."
    )

    def paginate_queryset(self, queryset, request, view=None):
        self.by_cursor = bool(request.query_params.get(self.trigger_query_param))
        if not self.by_cursor:
            if request.query_params.get(self.cursor_query_param):
                raise ValidationError({self.cursor_query_param: ["A cursor pages an updated_since list only."]})
            return super().paginate_queryset(queryset, request, view)
        if request.query_params.get(self.page_query_param):
            raise ValidationError(
                {self.page_query_param: ["An updated_since list is paged by cursor: follow the `next` link."]}
            )
        self.request = request
        size = self.get_page_size(request) or self.page_size
        self.count = queryset.count()
        position = self.decode_cursor(request.query_params.get(self.cursor_query_param))
        if position is not None:
            moment, pk = position
            # The first condition is implied by the second; it lets the database walk the updated_at index.
            queryset = queryset.filter(
                Q(updated_at__gte=moment), Q(updated_at__gt=moment) | Q(updated_at=moment, pk__gt=pk)
            )
        rows = list(queryset.order_by("updated_at", "pk")[: size + 1])
        self.next_position = (rows[size - 1].updated_at, rows[size - 1].pk) if len(rows) > size else None
        return rows[:size]

    def get_paginated_response(self, data):
        if not self.by_cursor:
            return super().get_paginated_response(data)
        return Response({"count": self.count, "next": self.get_next_link(), "previous": None, "results": data})

    def get_next_link(self):
        if not self.by_cursor:
            return super().get_next_link()
        if self.next_position is None or self.request is None:  # the request is set by paginate_queryset
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, self.encode_cursor(*self.next_position))

    def get_previous_link(self):
        return None if self.by_cursor else super().get_previous_link()

    @staticmethod
    def encode_cursor(moment: datetime, pk: int) -> str:
        return base64.urlsafe_b64encode(f"{moment.isoformat()}~{pk}".encode()).decode().rstrip("=")

    def decode_cursor(self, text: str | None) -> tuple[datetime, int] | None:
        if not text:
            return None
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            moment_text, _, pk_text = raw.rpartition("~")
            moment, pk = datetime.fromisoformat(moment_text), int(pk_text)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            moment, pk = None, 0
        if moment is None or timezone.is_naive(moment) or not 0 < pk < MAX_ID:
            raise ValidationError(
                {self.cursor_query_param: ["Invalid cursor: follow the `next` link of the previous page."]}
            )
        return moment, pk

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": self.cursor_description,
                "schema": {"type": "string"},
            }
        )
        return parameters

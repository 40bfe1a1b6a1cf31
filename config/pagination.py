"""Page-number pagination for every API list: ?page= and ?page_size= (at most 200).

Kept apart from config/api.py: DRF imports its pagination class while its own generics module is
still loading, so this module must not import anything that imports DRF's views.
"""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

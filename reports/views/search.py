"""The search box in the header: an exact number jumps to its page, anything else lists what matches."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.db_router import replica_reads
from projects.models import SalesOrder
from reports.search import MAX_QUERY_LENGTH, MIN_QUERY_LENGTH, SEARCH_LIMIT, search, search_exact_number


class SearchForm(forms.Form):
    # Used by this view only: the box itself is written once, in base.html's header.
    # At least two characters: one would match most of the history and tell nobody anything.
    q = forms.CharField(label="Search", min_length=MIN_QUERY_LENGTH, max_length=MAX_QUERY_LENGTH, required=False)


@login_required
@replica_reads
def search_view(request: HttpRequest) -> HttpResponse:
    """Jump to the object an exact number names, or list what matches the query, kind by kind."""
    form = SearchForm(request.GET)
    # A NUL cannot be searched (or shown); the box keeps the rest of what was typed.
    query = request.GET.get("q", "").replace("\x00", "")
    context = {"search_query": query, "results": None, "error": None, "limit": SEARCH_LIMIT}
    if not form.is_valid():
        context["error"] = f"{form.fields['q'].label}: {' '.join(form.errors['q'])}"
        return render(request, "projects/search.html", context, status=400)
    query = form.cleaned_data["q"]
    context["search_query"] = query
    if query:
        found = search_exact_number(query=query)
        if found is not None:
            return redirect(found.get_absolute_url())
        results = search(query=query)
        for order in results.sales_orders.rows:
            order.billing_status_label = SalesOrder.BillingStatus(order.billing_status).label
        context["results"] = results
    return render(request, "projects/search.html", context)

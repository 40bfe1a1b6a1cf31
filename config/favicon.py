"""The icon browsers ask for at /favicon.ico on their own, before or without reading a page's icon link."""

from django.http import HttpRequest, HttpResponseRedirect
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe


@require_safe
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Send the browser to the icon among the static files."""
    # Not permanent: the static URL carries a content hash in production and changes with the icon.
    response = HttpResponseRedirect(static("favicon.svg"))
    patch_cache_control(response, public=True, max_age=86400)
    return response

"""The desk has an icon: every page links it, and the browser's own request for /favicon.ico finds it."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse

ICON = "favicon.svg"


def test_the_icon_is_a_small_svg_in_the_brand_colours():
    path = finders.find(ICON)
    assert path, f"static/{ICON} is missing"
    text = Path(path).read_text()
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and text.rstrip().endswith("</svg>")
    assert "#142033" in text
    assert "#1f5fbf" in text
    assert len(text) < 2_000


def test_every_page_links_the_icon(client, db):
    # The sign-in page is drawn by the same base template as every other page.
    html = client.get(reverse("login")).content.decode()
    assert f'<link rel="icon" href="{static(ICON)}" type="image/svg+xml">' in html
    assert (Path(settings.BASE_DIR) / "templates" / "base.html").read_text().count('rel="icon"') == 1


def test_the_browsers_own_favicon_request_finds_the_icon(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static(ICON)
    # Signed out too: the sign-in page asks for it before anyone signs in.
    assert "accounts/login" not in response["Location"]
    assert client.post("/favicon.ico").status_code == 405


def test_the_icon_itself_is_served(live_server):
    from urllib.request import urlopen

    with urlopen(live_server.url + static(ICON)) as answer:  # noqa: S310 - the test's own live server
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("image/svg+xml")

"""Writing notes with @mentions, the suggestions, and pinning in place with htmx or a plain post."""

import pytest
from django.urls import reverse

from notifications.models import Notification
from projects.models import Note
from projects.services.notes import note_create
from tests.factories import UserFactory
from tests.pages.helpers import error_next_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(mug_order):
    return mug_order.order.project


def test_anyone_signed_in_writes_a_note_that_notifies_who_it_mentions(project, invoicing_rep, sales_rep, signed_in):
    client = signed_in(invoicing_rep)
    response = client.post(
        reverse("note-create", args=[project.pk]), {"body": "@sam the client called", "pinned": "on"}
    )
    note = Note.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("project-detail", args=[project.pk]) + f"#note-{note.pk}"
    assert note.pinned and note.author == invoicing_rep
    assert Notification.objects.filter(recipient=sales_rep, kind=Notification.Kind.MENTION).count() == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", "Write something in the note."),
        ("@sam and @ghost, see this", "No active user is called @ghost."),
    ],
)
def test_a_refused_note_shows_why_next_to_the_field_and_keeps_the_text(
    project, production_rep, signed_in, body, message
):
    response = signed_in(production_rep).post(reverse("note-create", args=[project.pk]), {"body": body})
    assert response.status_code == 400
    assert response.context["note_form"]["body"].value() == body
    assert error_next_to(response.content.decode(), "id_body", message)
    assert not Note.objects.exists()


def test_a_mention_of_an_inactive_colleague_is_refused(project, production_rep, signed_in):
    UserFactory(username="gone", is_active=False)
    response = signed_in(production_rep).post(reverse("note-create", args=[project.pk]), {"body": "@gone hi"})
    assert response.context["note_form"].errors["body"] == ["No active user is called @gone."]


def test_suggestions_list_active_colleagues_matching_what_is_typed(project, production_rep, signed_in):
    UserFactory(username="maria", first_name="Maria", last_name="Lopez")
    UserFactory(username="mallory", is_active=False)
    UserFactory(username="zed", first_name="Max", last_name="Zed")
    client = signed_in(production_rep)
    url = reverse("mention-suggestions", args=[project.pk])
    data = client.get(url, {"q": "ma", "format": "json"}).json()
    assert [person["username"] for person in data["results"]] == ["maria", "zed"]
    assert data["results"][0]["name"] == "Maria Lopez"
    fragment = client.get(url, {"q": "mar"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-username="maria"' in fragment and "zed" not in fragment
    assert "No active colleague matches @qq." in client.get(url, {"q": "qq"}).content.decode()
    # The author is not offered to themself.
    assert "pat" not in [p["username"] for p in client.get(url, {"q": "pa", "format": "json"}).json()["results"]]


def test_a_nul_in_what_is_typed_is_dropped_not_sent_to_the_database(project, production_rep, signed_in):
    # PostgreSQL refused the query (a 500); no name holds a NUL, so it is left out of the search.
    UserFactory(username="maria")
    url = reverse("mention-suggestions", args=[project.pk])
    data = signed_in(production_rep).get(url, {"q": "m\x00a", "format": "json"}).json()
    assert [person["username"] for person in data["results"]] == ["maria"]


def test_pinning_with_htmx_returns_the_pinned_box_and_the_other_notes(project, production_rep, signed_in):
    note = note_create(project=project, body="Call the supplier on Monday", by=production_rep)
    response = signed_in(production_rep).post(
        reverse("note-pin", args=[note.pk]), {"pinned": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section class="card pinned-box" id="pinned-notes"')
    assert 'id="other-notes" hx-swap-oob="true"' in fragment
    pinned_box = fragment[: fragment.index('id="other-notes"')]
    assert "Call the supplier on Monday" in pinned_box and ">Unpin</button>" in pinned_box
    note.refresh_from_db()
    assert note.pinned is True


def test_unpinning_without_javascript_goes_back_to_the_note(project, production_rep, signed_in):
    note = note_create(project=project, body="Pinned for now", pinned=True, by=production_rep)
    client = signed_in(production_rep)
    response = client.post(reverse("note-pin", args=[note.pk]), {"pinned": "0"})
    assert response.status_code == 302
    assert response.url == reverse("project-detail", args=[project.pk]) + f"#note-{note.pk}"
    note.refresh_from_db()
    assert note.pinned is False
    page = client.get(response.url).content.decode()
    assert "Note unpinned." in page
    assert "No pinned notes." in page


def test_pinning_a_pinned_note_says_so(project, production_rep, signed_in):
    note = note_create(project=project, body="Already on top", pinned=True, by=production_rep)
    response = signed_in(production_rep).post(
        reverse("note-pin", args=[note.pk]), {"pinned": "1"}, HTTP_HX_REQUEST="true"
    )
    assert "The note is already pinned." in response.content.decode()


def test_pin_needs_a_post_and_a_signed_in_user(project, production_rep, client):
    note = note_create(project=project, body="x", by=production_rep)
    assert client.post(reverse("note-pin", args=[note.pk]), {"pinned": "1"}).status_code == 302
    note.refresh_from_db()
    assert note.pinned is False
    client.force_login(production_rep)
    assert client.get(reverse("note-pin", args=[note.pk])).status_code == 405

"""Notes (everyone writes and pins them) and notifications (each caller sees only their own)."""

import pytest

from notifications.models import Notification
from projects.models import Note
from projects.services.notes import note_create
from tests.factories import ProjectFactory


@pytest.fixture
def project(sales_rep, production_rep, invoicing_rep):
    return ProjectFactory(order_rep=sales_rep, production_rep=production_rep, invoicing_rep=invoicing_rep)


def test_anyone_signed_in_writes_a_note_that_mentions_people(as_invoicing, project, sales_rep, invoicing_rep):
    response = as_invoicing.post(
        "/api/notes/", {"project": project.pk, "body": "@sam the client called", "pinned": True}, format="json"
    )
    assert response.status_code == 201
    note = response.json()
    assert {key: note[key] for key in ("project", "author", "body", "pinned", "mentions")} == {
        "project": project.pk,
        "author": invoicing_rep.pk,
        "body": "@sam the client called",
        "pinned": True,
        "mentions": [sales_rep.pk],
    }
    assert Notification.objects.get().recipient == sales_rep
    assert as_invoicing.get(f"/api/notes/{note['id']}/").json() == note


def test_a_note_mentioning_nobody_known_is_refused(as_invoicing, project):
    response = as_invoicing.post("/api/notes/", {"project": project.pk, "body": "@zed hello"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"body": ["No active user is called @zed."]}
    assert not Note.objects.exists()


def test_a_note_needs_a_project_and_a_body(as_invoicing):
    response = as_invoicing.post("/api/notes/", {"pinned": "maybe"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "project": ["This field is required."],
        "body": ["This field is required."],
        "pinned": ["Must be a valid boolean."],
    }


def test_notes_filter_by_project_and_pinned(as_production, project, invoicing_rep):
    pinned = note_create(project=project, body="Pinned", pinned=True, by=invoicing_rep)
    note_create(project=project, body="Loose", by=invoicing_rep)
    note_create(project=ProjectFactory(), body="Elsewhere", by=invoicing_rep)
    listed = as_production.get("/api/notes/", {"project": project.pk, "pinned": "true"}).json()
    assert [note["id"] for note in listed["results"]] == [pinned.pk]
    assert as_production.get("/api/notes/", {"project": project.pk}).json()["count"] == 2
    assert as_production.get("/api/notes/", {"project": "x"}).status_code == 400


def test_pin_and_unpin_refuse_the_state_the_note_has(as_production, project, invoicing_rep):
    note = note_create(project=project, body="Call the supplier", by=invoicing_rep)
    assert as_production.post(f"/api/notes/{note.pk}/pin/").json()["pinned"] is True
    again = as_production.post(f"/api/notes/{note.pk}/pin/")
    assert again.status_code == 409
    assert again.json() == {"detail": "The note is already pinned."}
    assert as_production.post(f"/api/notes/{note.pk}/unpin/").json()["pinned"] is False
    again = as_production.post(f"/api/notes/{note.pk}/unpin/")
    assert again.status_code == 409
    assert again.json() == {"detail": "The note is already not pinned."}
    assert as_production.post("/api/notes/999999/pin/").status_code == 404


def test_each_caller_sees_and_reads_only_their_own_notifications(as_sales, as_invoicing, project, production_rep):
    note_create(project=project, body="@sam and @ivy: 300 mugs can be invoiced", by=production_rep)
    mine = as_sales.get("/api/notifications/").json()
    assert mine["count"] == 1
    [notification] = mine["results"]
    assert notification["kind"] == "mention" and notification["read_at"] is None
    assert set(notification) == {"id", "kind", "message", "url", "project", "created_at", "read_at"}

    # someone else's notification does not exist for the caller
    assert as_invoicing.post(f"/api/notifications/{notification['id']}/read/").status_code == 404
    assert as_invoicing.get(f"/api/notifications/{notification['id']}/").status_code == 404

    read = as_sales.post(f"/api/notifications/{notification['id']}/read/")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert as_sales.get("/api/notifications/", {"unread": "true"}).json()["count"] == 0
    assert as_invoicing.get("/api/notifications/", {"unread": "true"}).json()["count"] == 1
    assert as_invoicing.post("/api/notifications/read-all/").json() == {"updated": 1}
    assert as_invoicing.post("/api/notifications/read-all/").json() == {"updated": 0}


def test_a_bad_notification_filter_is_refused(as_sales):
    response = as_sales.get("/api/notifications/", {"kind": "gossip"})
    assert response.status_code == 400
    assert response.json() == {"kind": ["Select a valid choice. gossip is not one of the available choices."]}

"""Notes on a project, their @mentions and pins."""

import re

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse

from core import locks
from core.errors import TransitionNotAllowed, ValidationFailed
from notifications.models import Notification
from notifications.services import notify
from projects.models import Note, Project
from projects.services.common import activity_record

# @name at a word start; usernames may hold letters, digits and . + - _ (a trailing dot ends a sentence).
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]+)")


def mentioned_usernames(body: str) -> list[str]:
    """Return the @names in a note body, in order, each once."""
    names: list[str] = []
    for match in MENTION.finditer(body):
        name = match.group(1).rstrip(".")
        if name and name not in names:
            names.append(name)
    return names


def resolve_mentions(body: str, field: str = "body") -> list[User]:
    """Return the active users a body mentions, or refuse naming the unknown ones."""
    names = mentioned_usernames(body)
    if not names:
        return []
    # One case-insensitive look, since people type names as they like; an exact spelling wins.
    users: dict[str, User] = {}
    matches = User.objects.annotate(username_lower=Lower("username")).filter(
        is_active=True, username_lower__in={name.lower() for name in names}
    )
    for user in matches:
        if user.username_lower not in users or user.username in names:
            users[user.username_lower] = user
    missing = {name.lower() for name in names} - users.keys()
    if missing:
        unknown = ", ".join(f"@{name}" for name in names if name.lower() in missing)
        raise ValidationFailed({field: [f"No active user is called {unknown}."]})
    return [users[name.lower()] for name in names]


NOTE_MAX_LENGTH = 5000


@transaction.atomic
def note_create(
    *,
    project: Project,
    body: str,
    by: User,
    pinned: bool = False,
    notification_kind: str = Notification.Kind.MENTION,
    about: str = "",
) -> Note:
    """Write a note on a project and notify everyone it mentions but its author.

    `about` names what the note is about (the PO a flag note is for) on its activity row, where it can be
    found again.
    """
    body = (body or "").strip()
    if not body:
        raise ValidationFailed({"body": ["Write something in the note."]})
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            {"body": [f"A note may hold at most {NOTE_MAX_LENGTH} characters; this has {len(body)}."]}
        )
    mentioned = resolve_mentions(body)
    note = Note.objects.create(project=project, author=by, body=body, pinned=pinned)
    note.mentions.set(mentioned)
    activity_record(project=project, subject=note, verb="wrote", by=by, to_value=about, detail=body[:200])
    author = by.get_full_name() or by.get_username()
    verb = (
        "flagged a backorder and mentioned you"
        if notification_kind == Notification.Kind.BACKORDER_FLAGGED
        else "mentioned you"
    )
    notify(
        recipients=mentioned,
        kind=notification_kind,
        event_key=f"note:{note.pk}",
        project=project,
        message=f"{author} {verb} on {project.number} {project.name}: {body[:200]}",
        url=reverse("project-detail", args=[project.pk]) + f"#note-{note.pk}",
        exclude=[by],
    )
    return note


@transaction.atomic
def note_pin(*, note: Note, pinned: bool, by: User | None, reason: str = "") -> Note:
    """Pin a note to the project overview, or unpin it."""
    locked = locks.lock_note(note)
    if locked.pinned == pinned:
        raise TransitionNotAllowed(f"The note is already {'pinned' if pinned else 'not pinned'}.")
    locked.pinned = pinned
    locked.save(update_fields=["pinned"])
    activity_record(
        project=locked.project, subject=locked, verb="pinned" if pinned else "unpinned", by=by, detail=reason
    )
    note.pinned = pinned
    return locked

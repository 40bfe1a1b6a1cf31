"""The header's Recent menu: what each user opened lately, most recent first.

Writes, reads and the delete receiver of this one small concern sit together. The detail pages of the
apps above record what they show (`recent_record`); their AppConfig.ready() connects
`forget_when_deleted` for their models, so a deleted item leaves every menu.
"""

from django.contrib.auth.models import User
from django.db import models
from django.db.models.signals import post_delete
from django.utils import timezone

from accounts.models import RecentItem

# Shown in the menu, and kept per user: rows beyond these are deleted as new ones come in.
RECENT_SHOWN = 8


def recent_record(*, user: User, subject: models.Model, number: str, name: str, url: str) -> None:
    """Put what the user just opened at the top of their Recent menu, keeping only their last RECENT_SHOWN."""
    if not user.is_authenticated:
        return
    # One statement whether the item is new to the menu or moves up (INSERT ... ON CONFLICT DO UPDATE).
    RecentItem.objects.bulk_create(
        [
            RecentItem(
                user=user,
                subject_type=subject._meta.label_lower,
                subject_id=subject.pk,
                number=number[:40],
                name=name[:200],
                url=url[:300],
                opened_at=timezone.now(),
            )
        ],
        update_conflicts=True,
        unique_fields=["user", "subject_type", "subject_id"],
        update_fields=["number", "name", "url", "opened_at"],
    )
    kept = RecentItem.objects.filter(user=user).order_by("-opened_at", "-id").values("pk")[:RECENT_SHOWN]
    RecentItem.objects.filter(user=user).exclude(pk__in=kept).delete()


def recent_items(*, user: User) -> list[RecentItem]:
    """Return the user's last opened items, most recent first (one query)."""
    return list(RecentItem.objects.filter(user=user).order_by("-opened_at", "-id")[:RECENT_SHOWN])


def _forget(sender, instance, **kwargs) -> None:
    RecentItem.objects.filter(subject_type=sender._meta.label_lower, subject_id=instance.pk).delete()


def forget_when_deleted(model: type[models.Model]) -> None:
    """Take a deleted item of this model out of every Recent menu (call from the model's AppConfig.ready)."""
    post_delete.connect(_forget, sender=model, dispatch_uid=f"recent-forget-{model._meta.label_lower}")

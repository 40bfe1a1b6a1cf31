"""The activity log is history: no one changes or deletes a row, the admin included, and on
PostgreSQL a trigger refuses it whatever the code or SQL that tries."""

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, models, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from projects.models import HISTORY_IS_PERMANENT, Activity, HistoryIsPermanent, Project
from projects.services.common import activity_record
from tests.factories import ProjectFactory, UserFactory

TRIGGER = "Activity rows are history: {} on projects_activity is refused."


@pytest.fixture
def activity(mug_order, production_rep) -> Activity:
    return activity_record(
        project=mug_order.order.project, subject=mug_order.po, verb="moved stage of", by=production_rep
    )


def unguarded():
    """A plain queryset, as raw code or a careless migration would use, past the model's own guard."""
    return models.QuerySet(model=Activity)


# --- the model ---------------------------------------------------------------------------------------


def test_saving_an_existing_row_is_refused(activity):
    activity.verb = "rewrote"
    with pytest.raises(HistoryIsPermanent, match=HISTORY_IS_PERMANENT):
        activity.save()
    activity.refresh_from_db()
    assert activity.verb == "moved stage of"


def test_deleting_a_row_is_refused(activity):
    with pytest.raises(HistoryIsPermanent, match=HISTORY_IS_PERMANENT):
        activity.delete()
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_bulk_updates_and_deletes_are_refused(activity):
    with pytest.raises(HistoryIsPermanent, match=HISTORY_IS_PERMANENT):
        Activity.objects.filter(pk=activity.pk).update(verb="rewrote")
    with pytest.raises(HistoryIsPermanent, match=HISTORY_IS_PERMANENT):
        Activity.objects.all().delete()
    with pytest.raises(HistoryIsPermanent, match=HISTORY_IS_PERMANENT):
        activity.project.activities.all().delete()
    assert Activity.objects.get(pk=activity.pk).verb == "moved stage of"


def test_new_rows_are_still_written(activity, mug_order):
    assert Activity.objects.filter(project=mug_order.order.project).count() == 1


def test_the_project_of_a_row_cannot_be_deleted(activity):
    project = activity.project
    with pytest.raises(ProtectedError):
        Project.objects.filter(pk=project.pk).delete()
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_the_actor_of_a_row_cannot_be_deleted(db):
    project = ProjectFactory()
    someone = UserFactory(username="leaver", roles=["Sales"])
    activity_record(project=project, subject=project, verb="opened", by=someone)
    with pytest.raises(ProtectedError):
        someone.delete()
    assert User.objects.filter(pk=someone.pk).exists()


# --- PostgreSQL --------------------------------------------------------------------------------------


def test_postgres_refuses_an_orm_update_past_the_model(postgres, activity):
    with pytest.raises(IntegrityError, match=TRIGGER.format("UPDATE")), transaction.atomic():
        unguarded().filter(pk=activity.pk).update(verb="rewrote")
    with pytest.raises(IntegrityError, match=TRIGGER.format("UPDATE")), transaction.atomic():
        Activity._base_manager.filter(pk=activity.pk).update(actor=None)
    assert Activity.objects.get(pk=activity.pk).verb == "moved stage of"


def test_postgres_refuses_an_orm_delete_past_the_model(postgres, activity):
    with pytest.raises(IntegrityError, match=TRIGGER.format("DELETE")), transaction.atomic():
        unguarded().filter(pk=activity.pk)._raw_delete(using="default")
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_postgres_refuses_raw_sql_too(postgres, activity):
    for statement, operation in (
        ("UPDATE projects_activity SET verb = 'rewrote' WHERE id = %s", "UPDATE"),
        ("DELETE FROM projects_activity WHERE id = %s", "DELETE"),
    ):
        with pytest.raises(IntegrityError, match=TRIGGER.format(operation)), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [activity.pk])
    assert Activity.objects.get(pk=activity.pk).verb == "moved stage of"


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_still_empties_the_table_afterwards(postgres):
    # The teardown of this test TRUNCATEs every table (TRUNCATE fires no row trigger); were it
    # refused, the test would end in an error.
    project = ProjectFactory()
    activity_record(project=project, subject=project, verb="opened", by=None)
    assert Activity.objects.count() == 1


# --- the admin ---------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, activity):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_the_admin_offers_no_change_and_no_delete(admin_client, activity):
    changelist = admin_client.get(reverse("admin:projects_activity_changelist"))
    assert changelist.status_code == 200
    assert 'value="delete_selected"' not in changelist.content.decode()
    page = admin_client.get(reverse("admin:projects_activity_change", args=[activity.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="_save"' not in html
    assert reverse("admin:projects_activity_delete", args=[activity.pk]) not in html
    assert admin_client.get(reverse("admin:projects_activity_delete", args=[activity.pk])).status_code == 403
    assert (
        admin_client.post(reverse("admin:projects_activity_delete", args=[activity.pk]), {"post": "yes"}).status_code
        == 403
    )
    posted = admin_client.post(
        reverse("admin:projects_activity_changelist"),
        {"action": "delete_selected", "_selected_action": [activity.pk], "post": "yes"},
    )
    assert posted.status_code in (200, 302)
    assert Activity.objects.filter(pk=activity.pk).exists()

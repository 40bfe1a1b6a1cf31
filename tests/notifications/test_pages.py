"""The Notifications inbox, marking read, and the email preference page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification, NotificationPreference
from tests.factories import ProjectFactory, UserFactory

INBOX = "/notifications/"


@pytest.fixture
def project(db):
    return ProjectFactory(number="P-2001", name="Trade show totes")


def notify_many(user, project, count: int, *, start: int = 0) -> list[Notification]:
    """Notifications one minute apart, the highest number the newest."""
    now = timezone.now()
    made = []
    for number in range(start, start + count):
        notification = Notification.objects.create(
            recipient=user,
            kind=Notification.Kind.MENTION,
            event_key=f"note:{number}",
            project=project,
            message=f"Message {number}",
            url=f"/projects/{project.pk}/#note-{number}",
        )
        Notification.objects.filter(pk=notification.pk).update(created_at=now - timedelta(minutes=1000 - number))
        made.append(notification)
    return made


def messages_on(response) -> list[str]:
    return [notification.message for notification in response.context["page"].object_list]


def test_the_inbox_asks_for_sign_in(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_inbox_lists_my_notifications_newest_first_with_links_and_unread_highlighted(
    client, sales_rep, invoicing_rep, project
):
    older, newer = notify_many(sales_rep, project, 2)
    Notification.objects.filter(pk=older.pk).update(read_at=timezone.now())
    notify_many(invoicing_rep, project, 1, start=50)  # someone else's
    client.force_login(sales_rep)
    response = client.get(INBOX)
    assert response.status_code == 200
    assert messages_on(response) == ["Message 1", "Message 0"]
    html = response.content.decode()
    assert "Message 50" not in html
    # The message opens through the read marker, which then goes to /projects/<pk>/#note-1.
    assert f'href="/notifications/{newer.pk}/open/"' in html
    assert f'id="notification-{newer.pk}"' in html
    assert 'class="inbox-item unread" id="notification-' + str(newer.pk) in html
    assert 'class="inbox-item" id="notification-' + str(older.pk) in html
    assert (
        '<span class="badge" data-testid="unread-count" aria-hidden="true">1</span>'
        '<span class="visually-hidden"> (1 unread)</span>'
    ) in html


def test_the_inbox_is_paginated_newest_first(client, sales_rep, project):
    notify_many(sales_rep, project, 30)
    client.force_login(sales_rep)
    first = client.get(INBOX)
    assert messages_on(first) == [f"Message {n}" for n in range(29, 4, -1)]
    second = client.get(INBOX, {"page": 2})
    assert messages_on(second) == [f"Message {n}" for n in range(4, -1, -1)]
    assert client.get(INBOX, {"page": "nonsense"}).status_code == 200


def test_the_inbox_costs_the_same_queries_for_five_or_twenty_five_rows(
    client, sales_rep, project, django_assert_num_queries
):
    client.force_login(sales_rep)
    notify_many(sales_rep, project, 5)
    # session, user, the navigation's roles, unread count and Recent menu, the page count, the page's rows
    with django_assert_num_queries(7) as five:
        client.get(INBOX)
    notify_many(sales_rep, project, 20, start=5)
    with django_assert_num_queries(len(five.captured_queries)):
        client.get(INBOX)


def test_unread_only(client, sales_rep, project):
    first, second = notify_many(sales_rep, project, 2)
    Notification.objects.filter(pk=second.pk).update(read_at=timezone.now())
    client.force_login(sales_rep)
    assert messages_on(client.get(INBOX, {"unread": "1"})) == ["Message 0"]


def test_mark_one_read(client, sales_rep, project):
    first, second = notify_many(sales_rep, project, 2)
    client.force_login(sales_rep)
    response = client.post(reverse("notification-read", args=[first.pk]), {"page": "1"})
    assert response.status_code == 302
    assert response["Location"] == INBOX
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_mark_one_read_returns_to_the_page_and_filter_it_came_from(client, sales_rep, project):
    [notification] = notify_many(sales_rep, project, 1)
    client.force_login(sales_rep)
    response = client.post(reverse("notification-read", args=[notification.pk]), {"page": "2", "unread": "1"})
    assert response["Location"] == INBOX + "?unread=1&page=2"


def test_someone_elses_notification_cannot_be_marked_read(client, sales_rep, invoicing_rep, project):
    [theirs] = notify_many(invoicing_rep, project, 1)
    client.force_login(sales_rep)
    assert client.post(reverse("notification-read", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("notification-read", args=[999999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_read_needs_a_post(client, sales_rep, project):
    [notification] = notify_many(sales_rep, project, 1)
    client.force_login(sales_rep)
    assert client.get(reverse("notification-read", args=[notification.pk])).status_code == 405
    assert client.get(reverse("notification-read-all")).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_mine(client, sales_rep, invoicing_rep, project):
    notify_many(sales_rep, project, 3)
    notify_many(invoicing_rep, project, 1, start=10)
    client.force_login(sales_rep)
    response = client.post(reverse("notification-read-all"), follow=True)
    assert "Marked 3 notifications as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=sales_rep, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=invoicing_rep, read_at__isnull=True).count() == 1
    again = client.post(reverse("notification-read-all"), follow=True)
    assert "Nothing was unread." in again.content.decode()


def test_an_empty_inbox_says_so(client, sales_rep):
    client.force_login(sales_rep)
    response = client.get(INBOX)
    assert 'data-testid="no-notifications"' in response.content.decode()
    assert "Mark all as read" not in response.content.decode()


def test_email_is_on_until_switched_off_and_on_again(client, sales_rep):
    client.force_login(sales_rep)
    page = client.get(reverse("notification-preferences")).content.decode()
    assert '<label for="id_email_enabled">Email me my notifications</label>' in page
    assert 'name="email_enabled" id="id_email_enabled" value="on" checked' in page

    response = client.post(reverse("notification-preferences"), {}, follow=True)
    assert "Notification emails are off for you." in response.content.decode()
    assert NotificationPreference.objects.get(user=sales_rep).email_enabled is False
    assert 'value="on" checked' not in response.content.decode()

    response = client.post(reverse("notification-preferences"), {"email_enabled": "on"}, follow=True)
    assert "Notification emails are on." in response.content.decode()
    assert NotificationPreference.objects.get(user=sales_rep).email_enabled is True


def test_the_preference_is_each_users_own(client, sales_rep, invoicing_rep):
    client.force_login(sales_rep)
    client.post(reverse("notification-preferences"), {})
    assert not NotificationPreference.objects.filter(user=invoicing_rep).exists()


def test_a_user_without_an_address_is_told_no_email_can_reach_them(client, db):
    user = UserFactory(email="")
    client.force_login(user)
    page = client.get(reverse("notification-preferences")).content.decode()
    assert "Your account has no email address" in page


# Opening a notification -------------------------------------------------------------------------


def test_opening_a_notification_marks_it_read_and_goes_to_what_it_is_about(client, sales_rep, project):
    first, second = notify_many(sales_rep, project, 2)
    client.force_login(sales_rep)

    response = client.get(reverse("notification-open", args=[first.pk]))

    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/#note-0"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None


def test_opening_it_again_keeps_the_first_read_time(client, sales_rep, project):
    [notification] = notify_many(sales_rep, project, 1)
    client.force_login(sales_rep)
    client.get(reverse("notification-open", args=[notification.pk]))
    notification.refresh_from_db()
    first_read = notification.read_at

    assert client.get(reverse("notification-open", args=[notification.pk])).status_code == 302
    notification.refresh_from_db()
    assert notification.read_at == first_read


def test_someone_elses_notification_does_not_open(client, sales_rep, invoicing_rep, project):
    [theirs] = notify_many(invoicing_rep, project, 1)
    client.force_login(sales_rep)

    assert client.get(reverse("notification-open", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("notification-open", args=[999999])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_opening_needs_sign_in_and_comes_back_after_it(client, sales_rep, project):
    [notification] = notify_many(sales_rep, project, 1)
    url = reverse("notification-open", args=[notification.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize(
    "target",
    ["https://elsewhere.example/phish", "//elsewhere.example/phish", "/\\elsewhere.example", "javascript:alert(1)"],
)
def test_a_notification_never_sends_anyone_off_the_site(client, sales_rep, project, target):
    [notification] = notify_many(sales_rep, project, 1)
    Notification.objects.filter(pk=notification.pk).update(url=target)
    client.force_login(sales_rep)

    response = client.get(reverse("notification-open", args=[notification.pk]))

    assert response.status_code == 302
    assert response["Location"] == INBOX
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_the_desk_opens_notifications_through_the_read_marker(client, sales_rep, project):
    [notification] = notify_many(sales_rep, project, 1)
    client.force_login(sales_rep)

    html = client.get(reverse("desk")).content.decode()

    assert f'href="/notifications/{notification.pk}/open/"' in html

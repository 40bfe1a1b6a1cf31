"""Publishing a notification email never holds up the request that caused it, whatever Redis does."""

import socket
import threading
import time

import pytest
from django.urls import reverse

from notifications.models import Notification
from notifications.services import notification_enqueue_email
from tests.notifications.conftest import point_celery_at
from tests.notifications.support import free_port


@pytest.fixture
def silent_broker():
    """A 'Redis' that accepts connections and never answers, as a hung server or a dead peer behind NAT does."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    stop.set()
    thread.join(timeout=2)
    for conn in accepted:
        conn.close()
    listener.close()


@pytest.fixture
def publish_to():
    from config.celery import app

    previous = (app.conf.broker_url, app.conf.task_always_eager)
    yield lambda url: point_celery_at(url, eager=False)
    point_celery_at(previous[0], eager=previous[1])


def post_note_mentioning_two_reps(client, mug_order, production_rep) -> tuple[int, float]:
    client.force_login(production_rep)
    # A first request imports every view; time the note, not the imports.
    client.get(reverse("notification-inbox"))
    started = time.monotonic()
    response = client.post(
        reverse("note-create", args=[mug_order.order.project.pk]), {"body": "@sam @ivy 300 mugs can be invoiced now."}
    )
    return response.status_code, time.monotonic() - started


@pytest.mark.real_worker
def test_a_closed_redis_port_fails_the_publish_at_once_and_the_rows_stay_pending(
    transactional_db, publish_to, client, mug_order, production_rep
):
    publish_to(f"redis://127.0.0.1:{free_port()}/0")
    status, elapsed = post_note_mentioning_two_reps(client, mug_order, production_rep)
    assert status == 302
    assert elapsed < 1, f"the request took {elapsed:.2f} s"
    assert sorted(Notification.objects.values_list("recipient__username", "email_state")) == [
        ("ivy", "pending"),
        ("sam", "pending"),
    ]


@pytest.mark.real_worker
def test_a_silent_redis_costs_one_bounded_wait_per_request(
    transactional_db, publish_to, silent_broker, client, mug_order, production_rep
):
    publish_to(silent_broker)
    # One publish waits for the socket timeout of CELERY_BROKER_TRANSPORT_OPTIONS, then gives up.
    started = time.monotonic()
    assert notification_enqueue_email(notification_id=1) is False
    assert time.monotonic() - started < 2
    # A request notifying two people right after does not wait again: the process backs off.
    status, elapsed = post_note_mentioning_two_reps(client, mug_order, production_rep)
    assert status == 302
    assert elapsed < 0.5, f"the request took {elapsed:.2f} s"
    assert set(Notification.objects.values_list("email_state", flat=True)) == {Notification.EmailState.PENDING}


@pytest.mark.real_worker
def test_a_request_meeting_a_silent_redis_first_still_ends_within_two_seconds(
    transactional_db, publish_to, silent_broker, client, mug_order, production_rep
):
    publish_to(silent_broker)
    status, elapsed = post_note_mentioning_two_reps(client, mug_order, production_rep)
    assert status == 302
    assert elapsed < 2, f"the request took {elapsed:.2f} s"
    assert Notification.objects.filter(email_state=Notification.EmailState.PENDING).count() == 2

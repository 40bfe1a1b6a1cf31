"""/healthz: the database and the broker answer, and the worker and beat were heard from recently."""

import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from config import health
from config.celery import BEAT_TICK_KEY, HEARTBEAT_TASK, WORKER_HEARTBEAT_KEY, heartbeat


@pytest.fixture
def with_broker(settings):
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    settings.HEALTHZ_MAX_HEARTBEAT_AGE_SECONDS = 120
    yield
    cache.delete_many([BEAT_TICK_KEY, WORKER_HEARTBEAT_KEY])


def broker_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_up(with_broker):
    from tests.conftest import need_service

    need_service(broker_answers(), "this test needs Redis on 127.0.0.1:6379 (set REDIS_URL)")


def test_without_a_broker_the_worker_and_beat_are_not_used(db, client, settings):
    settings.REDIS_URL = ""
    answer = client.get(reverse("healthz")).json()
    assert answer == {
        "status": "ok",
        "database": "ok",
        "broker": "eager (no broker configured)",
        "worker": {"status": "not used: tasks run in the request"},
        "beat": {"status": "not used: tasks run in the request"},
    }


def test_a_recent_heartbeat_and_tick_are_healthy(db, client, redis_up):
    cache.set_many({WORKER_HEARTBEAT_KEY: time.time() - 20, BEAT_TICK_KEY: time.time() - 5}, timeout=None)
    response = client.get(reverse("healthz"))
    answer = response.json()
    assert response.status_code == 200
    assert (answer["status"], answer["broker"], answer["worker"]["status"], answer["beat"]["status"]) == (
        "ok",
        "ok",
        "ok",
        "ok",
    )
    assert 19 <= answer["worker"]["age_seconds"] <= 30


def test_a_stopped_worker_fails_the_check_with_its_age(db, client, redis_up):
    cache.set_many({WORKER_HEARTBEAT_KEY: time.time() - 300, BEAT_TICK_KEY: time.time() - 5}, timeout=None)
    response = client.get(reverse("healthz"))
    answer = response.json()
    assert response.status_code == 503
    assert answer["status"] == "error"
    assert answer["worker"]["status"].startswith("error: last heartbeat 30")
    assert answer["worker"]["status"].endswith("s ago (limit 120 s)")
    assert answer["beat"]["status"] == "ok"


def test_a_stopped_beat_fails_the_check_too(db, client, redis_up, settings):
    settings.HEALTHZ_MAX_HEARTBEAT_AGE_SECONDS = 60
    cache.set_many({WORKER_HEARTBEAT_KEY: time.time(), BEAT_TICK_KEY: time.time() - 61}, timeout=None)
    answer = client.get(reverse("healthz")).json()
    assert answer["status"] == "error"
    assert answer["beat"]["status"].startswith("error: last tick 6")


def test_never_heard_from_is_waiting_at_start_then_an_error(db, client, redis_up, monkeypatch):
    cache.delete_many([WORKER_HEARTBEAT_KEY, BEAT_TICK_KEY])
    monkeypatch.setattr(health, "STARTED_AT", time.time())
    assert client.get(reverse("healthz")).json()["worker"] == {"status": "waiting for the first heartbeat"}
    monkeypatch.setattr(health, "STARTED_AT", time.time() - 121)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["worker"] == {"status": "error: no heartbeat in 120 s"}


def test_the_heartbeat_task_records_the_worker_and_publishing_it_records_beat(db, redis_up):
    from celery.signals import before_task_publish

    cache.delete_many([WORKER_HEARTBEAT_KEY, BEAT_TICK_KEY])
    heartbeat.apply()
    assert time.time() - cache.get(WORKER_HEARTBEAT_KEY) < 5
    before_task_publish.send(sender=HEARTBEAT_TASK, body=None, exchange="", routing_key="", headers={})
    assert time.time() - cache.get(BEAT_TICK_KEY) < 5
    before_task_publish.send(sender="notifications.tasks.other", body=None, exchange="", routing_key="", headers={})

"""/healthz against a real worker and beat on a real Redis: healthy while they run, failing once the worker stops."""

import pytest
from django.urls import reverse

from tests.notifications.support import wait_until

pytestmark = [pytest.mark.real_worker, pytest.mark.services]


def test_healthz_follows_a_real_worker_and_beat(start_worker, broker, client, settings):
    # The web process reads the heartbeats from the same Redis the worker and beat write them to.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": broker.url}}
    settings.REDIS_URL = broker.url
    settings.HEALTHZ_MAX_HEARTBEAT_AGE_SECONDS = 4

    worker = start_worker(HEARTBEAT_INTERVAL_SECONDS="1")

    def healthy() -> bool:
        return client.get(reverse("healthz")).status_code == 200

    assert wait_until(healthy, timeout=30), (client.get(reverse("healthz")).json(), worker.log()[-2000:])
    answer = client.get(reverse("healthz")).json()
    assert answer["worker"]["age_seconds"] <= 4 and answer["beat"]["age_seconds"] <= 4

    worker.stop()
    assert wait_until(lambda: not healthy(), timeout=20)

    def both_stale() -> bool:
        answer = client.get(reverse("healthz")).json()
        return answer["worker"]["status"].startswith("error") and answer["beat"]["status"].startswith("error")

    # beat stopped with the worker; its last tick may be a moment younger than the last heartbeat
    assert wait_until(both_stale, timeout=10)
    answer = client.get(reverse("healthz")).json()
    assert answer["status"] == "error"
    assert answer["worker"]["status"].startswith("error: last heartbeat")
    assert answer["beat"]["status"].startswith("error: last tick")

"""A health check for load balancers and monitors: the database, the broker, the worker and beat."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from config.celery import BEAT_TICK_KEY, WORKER_HEARTBEAT_KEY

# A web process that has just started gives the worker and beat one limit's time to be heard from.
STARTED_AT = time.time()


def _age_check(key: str, *, what: str, now: float) -> tuple[bool, dict]:
    """Say how long ago the worker or beat was last heard from, and whether that is too long."""
    limit = settings.HEALTHZ_MAX_HEARTBEAT_AGE_SECONDS
    last = cache.get(key)
    if last is None:
        if now - STARTED_AT < limit:
            return True, {"status": f"waiting for the first {what}"}
        return False, {"status": f"error: no {what} in {limit} s"}
    age = round(now - float(last), 1)
    if age > limit:
        return False, {"status": f"error: last {what} {age} s ago (limit {limit} s)", "age_seconds": age}
    return True, {"status": "ok", "age_seconds": age}


def healthz(request):
    checks: dict = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
        checks["database"], healthy = f"error: {error.__class__.__name__}", False
    if not settings.REDIS_URL:
        checks["broker"] = "eager (no broker configured)"
        checks["worker"] = checks["beat"] = {"status": "not used: tasks run in the request"}
    else:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
            checks["broker"] = "ok"
        except Exception as error:  # noqa: BLE001
            checks["broker"], healthy = f"error: {error.__class__.__name__}", False
        now = time.time()
        for name, key, what in (("worker", WORKER_HEARTBEAT_KEY, "heartbeat"), ("beat", BEAT_TICK_KEY, "tick")):
            try:
                ok, checks[name] = _age_check(key, what=what, now=now)
            except Exception as error:  # noqa: BLE001 - the cache lives in the broker's Redis
                ok, checks[name] = False, {"status": f"error: {error.__class__.__name__}"}
            healthy = healthy and ok
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)

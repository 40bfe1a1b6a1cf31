"""Reads that may come from a PostgreSQL streaming replica, and everything else from the primary.

With `DATABASE_REPLICA_URL` set, `DATABASES["replica"]` exists and `ReplicaRouter` (in `DATABASE_ROUTERS`)
decides, query by query, where a read goes. A read goes to the replica only inside a replica-read scope
(`reads_from_replica()`, the `replica_reads` view decorator, `ReplicaReadsMixin` for an API view), which the
report, export and dashboard pages and the export worker open. Inside a scope the primary still serves:

- every write, and every read after the scope's first write (a read of the scope's own write);
- the reads of a user who made a successful write request within `REPLICA_STICKY_SECONDS`
  (`StickyPrimaryMiddleware` marks the user in the shared cache, so every machine knows);
- every read while the replica cannot be reached or replays more than `REPLICA_MAX_LAG_SECONDS` behind
  (looked at once per `REPLICA_CHECK_SECONDS` in each process);
- sessions, users, sign-in records, tokens and the Recent menu, whatever the scope.

The scope decides once, at its first read, and keeps to it, so one page reads one database. Outside a
scope every read goes to the primary. Migrations run on the primary only. Without a replica configured
every decision is the primary, as before.
"""

import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
# Apps whose rows are written as the request goes (sessions, sign-in failures, the Recent menu an opened
# page adds to) or that decide who is asking: always read from the primary, so a fresh sign-in is never
# looked up in the past and the header's Recent menu has the page just opened.
PRIMARY_ONLY_APPS = frozenset({"sessions", "axes", "authtoken", "auth", "contenttypes", "accounts"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
STICKY_KEY = "db-primary-for-user:{}"

logger = logging.getLogger(__name__)

# The replica's lag in seconds; 0 when it has replayed everything it received (an idle primary), and
# infinity when it has received more than it replayed but replayed no transaction since it started.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 'Infinity')
END::float8
"""


def replica_configured() -> bool:
    return REPLICA in connections.settings


# --- the replica's health, looked at once per REPLICA_CHECK_SECONDS in each process -------------------

_health_lock = threading.Lock()
_health: dict[str, float | bool] = {"checked_at": -math.inf, "usable": False}


def replica_lag_seconds() -> float:
    """How far the replica's replay is behind the primary, asked of the replica; raises if unreachable."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        return float(cursor.fetchone()[0])


def replica_usable() -> bool:
    """Whether the replica answers and is at most REPLICA_MAX_LAG_SECONDS behind (cached for a while)."""
    now = time.monotonic()
    with _health_lock:
        if now - float(_health["checked_at"]) < settings.REPLICA_CHECK_SECONDS:
            return bool(_health["usable"])
    try:
        lag = replica_lag_seconds()
    except Exception as error:  # noqa: BLE001 - any failure to ask means the primary serves
        logger.warning("The database replica cannot be reached; reading from the primary: %s", error)
        usable = False
    else:
        usable = lag <= settings.REPLICA_MAX_LAG_SECONDS
        if not usable:
            logger.warning(
                "The database replica is %.1f s behind (limit %s s); reading from the primary.",
                lag,
                settings.REPLICA_MAX_LAG_SECONDS,
            )
    with _health_lock:
        _health.update(checked_at=time.monotonic(), usable=usable)
    return usable


def forget_replica_health() -> None:
    """Look at the replica again at the next scope's first read (tests; after a failover)."""
    with _health_lock:
        _health.update(checked_at=-math.inf, usable=False)


# --- read-your-own-writes: the user who just wrote reads from the primary for a while ---------------


def mark_user_wrote(user_id: int) -> None:
    seconds = settings.REPLICA_STICKY_SECONDS
    if seconds <= 0 or not replica_configured():
        return
    try:
        cache.set(STICKY_KEY.format(user_id), 1, timeout=math.ceil(seconds))
    except Exception as error:  # noqa: BLE001 - without the cache, the scope's check reads the primary
        logger.warning("Could not note user %s's write in the cache: %s", user_id, error)


def user_wrote_recently(user_id: int) -> bool:
    try:
        return cache.get(STICKY_KEY.format(user_id)) is not None
    except Exception:  # noqa: BLE001 - when in doubt, the primary
        return True


class StickyPrimaryMiddleware:
    """After a signed-in user's successful POST, PUT, PATCH or DELETE, their reads go to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS and response.status_code < 400:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                mark_user_wrote(user.pk)
        return response


# --- the scope --------------------------------------------------------------------------------------


class _Scope:
    def __init__(self, user: Callable[[], Any]):
        self._user = user
        self.alias: str | None = None
        self.wrote = False
        self._deciding = False

    def read_alias(self) -> str:
        if self.wrote:
            return DEFAULT_DB_ALIAS
        if self.alias is None:
            if self._deciding:  # a read made while deciding (the user's row) goes to the primary
                return DEFAULT_DB_ALIAS
            self._deciding = True
            try:
                self.alias = self._decide()
            finally:
                self._deciding = False
        return self.alias

    def _decide(self) -> str:
        if not replica_configured():
            return DEFAULT_DB_ALIAS
        user = self._user()
        user_id = user if isinstance(user, int) or user is None else getattr(user, "pk", None)
        if user_id is not None and user_wrote_recently(user_id):
            return DEFAULT_DB_ALIAS
        return REPLICA if replica_usable() else DEFAULT_DB_ALIAS


_scope: ContextVar[_Scope | None] = ContextVar("replica_read_scope", default=None)


@contextmanager
def reads_from_replica(*, user: Any = None) -> Iterator[None]:
    """Let the reads inside go to the replica, unless `user` (a user, an id, or a callable giving
    either) wrote lately, the replica is down or behind, or the scope has written."""
    scope = _Scope(user if callable(user) else lambda: user)
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


def replica_read_alias() -> str:
    """The database a read made now goes to: for code that takes a connection itself (a raw cursor)."""
    scope = _scope.get()
    return DEFAULT_DB_ALIAS if scope is None else scope.read_alias()


def _in_scope(scope: _Scope, chunks) -> Iterator[Any]:
    """A streamed body's chunks, each produced inside the view's scope (the view has returned by then)."""
    iterator = iter(chunks)
    while True:
        token = _scope.set(scope)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _scope.reset(token)
        yield chunk


def _keep_scope_for_stream(response: HttpResponse, scope: _Scope | None) -> HttpResponse:
    if scope is not None and getattr(response, "streaming", False):
        response.streaming_content = _in_scope(scope, response.streaming_content)  # type: ignore[attr-defined]
    return response


def replica_reads(view: Callable[..., Any]) -> Callable[..., Any]:
    """A page view whose reads may come from the replica (see the module's docstring)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        with reads_from_replica(user=lambda: getattr(request, "user", None)):
            response = view(request, *args, **kwargs)
            return _keep_scope_for_stream(response, _scope.get())

    return wrapped


class ReplicaReadsMixin:
    """The same for a Django REST framework view: the user is the one its authentication found."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # DRF sets the authenticated user on the Django request too, before the view's first read.
        with reads_from_replica(user=lambda: getattr(request, "user", None)):
            response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
            return _keep_scope_for_stream(response, _scope.get())


# --- the router -------------------------------------------------------------------------------------


class ReplicaRouter:
    def db_for_read(self, model, **hints) -> str:
        scope = _scope.get()
        if scope is None or model._meta.app_label in PRIMARY_ONLY_APPS:
            return DEFAULT_DB_ALIAS
        return scope.read_alias()

    def db_for_write(self, model, **hints) -> str:
        scope = _scope.get()
        if scope is not None:
            scope.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # The replica holds the primary's rows: an object read from either may point at one from the other.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS

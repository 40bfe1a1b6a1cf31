"""The replica router's decisions, one by one (tests/core/test_replica.py runs a real replica)."""

import itertools

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.models import Session
from django.http import HttpResponse, StreamingHttpResponse
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core import db_router
from core.db_router import (
    REPLICA,
    ReplicaRouter,
    StickyPrimaryMiddleware,
    forget_replica_health,
    mark_user_wrote,
    reads_from_replica,
    replica_read_alias,
    replica_reads,
    replica_usable,
    user_wrote_recently,
)
from invoicing.models import Invoice
from projects.models import Client
from tests.factories import UserFactory

router = ReplicaRouter()
user_ids = itertools.count(900_001)


@pytest.fixture
def replica(monkeypatch, settings):
    """A replica configured, reachable and fresh, unless a test says otherwise."""
    settings.REPLICA_STICKY_SECONDS = 10
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)
    monkeypatch.setattr(db_router, "replica_usable", lambda: True)


@pytest.fixture
def health(monkeypatch, settings):
    """The real health check, with the replica's lag given by the test."""
    settings.REPLICA_CHECK_SECONDS = 0
    settings.REPLICA_MAX_LAG_SECONDS = 30
    forget_replica_health()
    yield
    forget_replica_health()


def test_without_a_replica_every_read_goes_to_the_primary(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: False)
    assert router.db_for_read(Invoice) == "default"
    with reads_from_replica(user=None):
        assert router.db_for_read(Invoice) == "default"
        assert replica_read_alias() == "default"


def test_a_read_outside_a_scope_goes_to_the_primary(replica):
    assert router.db_for_read(Invoice) == "default"
    assert replica_read_alias() == "default"


def test_a_read_inside_a_scope_goes_to_the_replica(replica):
    with reads_from_replica(user=None):
        assert router.db_for_read(Invoice) == REPLICA
        assert router.db_for_read(Client) == REPLICA
        assert replica_read_alias() == REPLICA
    assert router.db_for_read(Invoice) == "default"


def test_sessions_and_users_are_always_read_from_the_primary(replica):
    with reads_from_replica(user=None):
        assert router.db_for_read(Session) == "default"
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(Invoice) == REPLICA


def test_writes_go_to_the_primary_and_so_do_the_scopes_reads_after_them(replica):
    assert router.db_for_write(Invoice) == "default"
    with reads_from_replica(user=None):
        assert router.db_for_read(Invoice) == REPLICA
        assert router.db_for_write(Invoice) == "default"
        assert router.db_for_read(Invoice) == "default"
        assert replica_read_alias() == "default"
    with reads_from_replica(user=None):
        assert router.db_for_read(Invoice) == REPLICA


def test_a_user_who_wrote_lately_reads_from_the_primary(replica):
    writer, other = next(user_ids), next(user_ids)
    mark_user_wrote(writer)
    assert user_wrote_recently(writer)
    assert not user_wrote_recently(other)
    with reads_from_replica(user=writer):
        assert router.db_for_read(Invoice) == "default"
    with reads_from_replica(user=lambda: other):
        assert router.db_for_read(Invoice) == REPLICA
    with reads_from_replica(user=AnonymousUser()):
        assert router.db_for_read(Invoice) == REPLICA


def test_the_window_closes_after_replica_sticky_seconds(replica, settings):
    writer = next(user_ids)
    settings.REPLICA_STICKY_SECONDS = 0
    mark_user_wrote(writer)
    assert not user_wrote_recently(writer)


def test_a_cache_that_cannot_answer_sends_the_reads_to_the_primary(replica, monkeypatch):
    class Unreachable:
        def get(self, *args, **kwargs):
            raise ConnectionError("Redis is down")

    monkeypatch.setattr(db_router, "cache", Unreachable())
    with reads_from_replica(user=next(user_ids)):
        assert router.db_for_read(Invoice) == "default"


def test_a_replica_that_is_down_or_behind_serves_nothing(replica, monkeypatch):
    monkeypatch.setattr(db_router, "replica_usable", lambda: False)
    with reads_from_replica(user=None):
        assert router.db_for_read(Invoice) == "default"


def test_the_scope_decides_once_and_keeps_to_it(replica, monkeypatch):
    asked = []
    monkeypatch.setattr(db_router, "replica_usable", lambda: asked.append(1) or True)
    with reads_from_replica(user=None):
        for _ in range(5):
            assert router.db_for_read(Invoice) == REPLICA
    assert len(asked) == 1


def test_the_health_check_reads_the_lag(health, monkeypatch, settings):
    lags = iter([0.2, 31.0])
    monkeypatch.setattr(db_router, "replica_lag_seconds", lambda: next(lags))
    assert replica_usable() is True
    assert replica_usable() is False


def test_a_replica_that_cannot_be_reached_is_not_usable(health, monkeypatch):
    def unreachable():
        raise OSError("connection refused")

    monkeypatch.setattr(db_router, "replica_lag_seconds", unreachable)
    assert replica_usable() is False


def test_the_health_check_is_kept_for_replica_check_seconds(health, monkeypatch, settings):
    settings.REPLICA_CHECK_SECONDS = 60
    asked = []
    monkeypatch.setattr(db_router, "replica_lag_seconds", lambda: asked.append(1) or 0.0)
    assert all(replica_usable() for _ in range(5))
    assert len(asked) == 1


def test_migrations_run_on_the_primary_only():
    assert router.allow_migrate("default", "invoicing") is True
    assert router.allow_migrate(REPLICA, "invoicing") is False


def test_a_streamed_download_reads_inside_its_views_scope(replica):
    def chunks():
        yield replica_read_alias()
        yield router.db_for_read(Invoice)

    @replica_reads
    def view(request):
        return StreamingHttpResponse(chunks())

    response = view(RequestFactory().get("/"))
    # The view has returned; the body is read afterwards, as the server sends it.
    assert b"".join(response.streaming_content) == b"replicareplica"
    assert replica_read_alias() == "default"


@pytest.mark.django_db
def test_a_signed_in_users_successful_write_marks_them(replica):
    # Its own id, never another test's: on SQLite ids start again at 1, and the cache outlives the test.
    pk = next(user_ids)
    user = User.objects.create(pk=pk, username=f"writer{pk}")
    factory = RequestFactory()

    def request(method: str, status: int, who=user) -> None:
        incoming = getattr(factory, method)("/")
        incoming.user = who
        StickyPrimaryMiddleware(lambda _request: HttpResponse(status=status))(incoming)

    request("get", 200)
    request("post", 400)
    request("post", 302, who=AnonymousUser())
    assert not user_wrote_recently(user.pk)
    request("post", 302)
    assert user_wrote_recently(user.pk)
    with reads_from_replica(user=user):
        assert router.db_for_read(Invoice) == "default"


@pytest.mark.django_db
def test_an_api_write_with_a_token_marks_its_user(replica):
    pk = next(user_ids)
    user = UserFactory(pk=pk, username=f"script{pk}", roles=["Sales"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    assert api.get("/api/clients/").status_code == 200
    assert not user_wrote_recently(user.pk)
    created = api.post(
        "/api/clients/", {"name": "Harbor Fair", "billing_email": "ap@harbor.example.com"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert user_wrote_recently(user.pk)

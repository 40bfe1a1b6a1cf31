"""Fixtures for delivery tests: our own Redis, SMTP sink and Celery workers, always cleaned up."""

import pytest
from django.db import connection

from notifications.services import notification_broker_backoff_reset
from tests.conftest import need_service
from tests.notifications.support import (
    CeleryBeat,
    CeleryWorker,
    RedisServer,
    SmtpSink,
    database_url,
    redis_available,
    worker_env,
)


@pytest.fixture(autouse=True)
def broker_backoff_reset():
    """A broker failure one test provoked must not hold back the next test's publishing."""
    notification_broker_backoff_reset()
    yield
    notification_broker_backoff_reset()


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def real_services(transactional_db):
    """Skip (or fail under REQUIRE_SERVICES=1) when a worker could not share the test's database or Redis."""
    need_service(connection.vendor == "postgresql", "a real worker needs the test database on PostgreSQL")
    need_service(redis_available(), "a real worker needs redis-server on the PATH")


@pytest.fixture
def redis_server(real_services, tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


def point_celery_at(broker_url: str | None, *, eager: bool) -> None:
    """Make this process publish to another broker, dropping connections pooled for the old one."""
    from kombu import pools

    from config.celery import app

    # kombu keeps its connection and producer pools in process-wide registries: closing only the app's
    # pool left a producer pool holding the closed one, and the next eager task to need a fresh producer
    # (another thread, say) failed with "Acquire on closed pool". Reset them all.
    pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    app.conf.broker_url = broker_url
    app.conf.task_always_eager = eager


@pytest.fixture
def broker(redis_server):
    """This test process publishes to the test's own Redis; eager execution is off."""
    from config.celery import app

    previous = (app.conf.broker_url, app.conf.task_always_eager)
    point_celery_at(redis_server.url, eager=False)
    yield redis_server
    point_celery_at(previous[0], eager=previous[1])


@pytest.fixture
def start_worker(real_services, broker, smtp_sink, tmp_path):
    """Start Celery workers on the test's database, Redis and SMTP sink; every one is stopped afterwards."""
    workers: list[CeleryWorker] = []
    url = database_url(connection.settings_dict)

    def start(*, beat: bool = True, **env: str) -> CeleryWorker:
        worker = CeleryWorker(
            env=worker_env(database_url=url, broker_url=broker.url, email_url=smtp_sink.url, **env),
            workdir=tmp_path,
            beat=beat,
        )
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


@pytest.fixture
def start_beat(real_services, broker, smtp_sink, tmp_path):
    """Start `celery -A config beat` beside the workers, on the test's database and Redis; stopped afterwards."""
    beats: list[CeleryBeat] = []
    url = database_url(connection.settings_dict)

    def start(**env: str) -> CeleryBeat:
        beat = CeleryBeat(
            env=worker_env(database_url=url, broker_url=broker.url, email_url=smtp_sink.url, **env), workdir=tmp_path
        )
        beats.append(beat)
        return beat.start()

    yield start
    for beat in beats:
        beat.stop()

"""PostgreSQL's connection count stays within the documented bound under runserver and gunicorn.

Each server runs in a process of its own on the test database, its connections named by their
application_name, while a thread samples pg_stat_activity every few milliseconds. The bound is the
README's: each process of the server holds at most DATABASE_POOL_MAX_SIZE connections. 300 requests
one after the other, then 50 at once, each reading the database (an API list with a token).
"""

import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from rest_framework.authtoken.models import Token

from tests.conftest import need_service
from tests.factories import ProjectFactory, UserFactory
from tests.notifications.support import database_url, free_port, stop_process, wait_until

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
SEQUENTIAL = 300
PARALLEL = 50


@dataclass
class Peak:
    """The most connections the server's processes held at once, sampled from another connection."""

    dsn: str
    database: str
    application_name: str
    bound: int
    peak: int = 0
    samples: int = 0
    exceeded: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def count(self, cursor) -> int:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = %s",
            [self.database, self.application_name],
        )
        return cursor.fetchone()[0]

    def start(self) -> "Peak":
        def sample() -> None:
            with psycopg.connect(self.dsn, autocommit=True, application_name="connection-bound-sampler") as db:
                cursor = db.cursor()
                while not self._stop.is_set():
                    self.peak = max(self.peak, self.count(cursor))
                    self.samples += 1
                    if self.peak > self.bound:
                        # Past the bound the test has failed: stop loading a server shared with others.
                        self.exceeded.set()
                    time.sleep(0.005)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def server_environment(*, url: str, application_name: str, debug: bool) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_")) and key not in {"DEBUG", "SITE_URL"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"{url}?application_name={application_name}",
        DEBUG="1" if debug else "0",
        SECRET_KEY="connection-bound-" + uuid.uuid4().hex * 2,
        SITE_URL="http://127.0.0.1",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return environment


def get(url: str, token: str) -> int:
    headers = {"Authorization": f"Token {token}", "Connection": "close"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - our own server on loopback
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - our own server on loopback
        response.read()
        return response.status


SERVERS = {
    # make run's server: one process, a thread per request.
    "runserver": (1, lambda port: [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]),
    # The Procfile's: sync workers, one request at a time each.
    "gunicorn sync workers": (
        2,
        lambda port: [str(GUNICORN), "config.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "60"],
    ),
    # Threaded workers: more threads than the pool has connections, so the pool is what bounds them.
    "gunicorn 8 threads a worker": (
        2,
        lambda port: [
            str(GUNICORN),
            "config.wsgi",
            "--workers",
            "2",
            "--threads",
            "8",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
        ],
    ),
}


@pytest.mark.parametrize("server", list(SERVERS))
def test_the_connection_count_stays_within_the_documented_bound(transactional_db, server, tmp_path, capsys):
    need_service(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")
    processes, command = SERVERS[server]
    bound = processes * settings.DATABASE_POOL_MAX_SIZE
    user = UserFactory(username="reader", roles=["Sales"])
    token = Token.objects.create(user=user).key
    for _ in range(3):
        ProjectFactory()
    url = database_url(connection.settings_dict)
    application_name = f"bound-{uuid.uuid4().hex[:12]}"
    port = free_port()
    log_path = tmp_path / "server.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command(port),
            cwd=ROOT,
            env=server_environment(url=url, application_name=application_name, debug=server == "runserver"),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    peak = Peak(dsn=url, database=connection.settings_dict["NAME"], application_name=application_name, bound=bound)
    try:

        def answers() -> bool:
            try:
                return get(f"{base}/api/projects/", token) == 200
            except OSError:
                return process.poll() is not None

        assert wait_until(answers, timeout=60), log_path.read_text()
        assert process.poll() is None, log_path.read_text()
        peak.start()

        sent, statuses = 0, []
        for _ in range(SEQUENTIAL):
            if peak.exceeded.is_set():
                break
            statuses.append(get(f"{base}/api/projects/", token))
            sent += 1
        if not peak.exceeded.is_set():
            with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
                statuses += list(pool.map(lambda _: get(f"{base}/api/projects/", token), range(PARALLEL)))
            sent += PARALLEL
        time.sleep(0.5)  # what the processes hold once the load is over
    finally:
        peak.stop()
        stop_process(process, grace=10)

    with capsys.disabled():
        print(
            f"\n{server}: {sent} requests ({SEQUENTIAL} one by one, then {PARALLEL} at once), peak {peak.peak} "
            f"PostgreSQL connections over {peak.samples} samples; bound {processes} process"
            f"{'es' if processes > 1 else ''} x DATABASE_POOL_MAX_SIZE {settings.DATABASE_POOL_MAX_SIZE} = {bound}"
        )
    assert peak.samples > 0
    assert peak.peak <= bound, f"{peak.peak} connections, over the bound of {bound}"
    assert sent == SEQUENTIAL + PARALLEL
    assert statuses == [200] * sent
    assert peak.peak >= 1  # the sampler saw the server's connections at all


def test_postgresql_connections_come_from_a_pool_and_go_back_after_each_request(db):
    need_service(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")
    database = settings.DATABASES["default"]
    # A pool keeps the connections: Django returns each one when its request or task ends.
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"]["min_size"] == settings.DATABASE_POOL_MIN_SIZE == 1
    assert settings.DATABASE_POOL_MAX_SIZE == 4
    assert database["OPTIONS"]["pool"]["timeout"] == settings.DATABASE_POOL_TIMEOUT == 10


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        (
            {"DATABASE_POOL_MAX_SIZE": "0"},
            "DATABASE_POOL_MAX_SIZE (0) must be at least 1 and at least DATABASE_POOL_MIN_SIZE (1), "
            "which must not be negative.",
        ),
        (
            {"DATABASE_POOL_MIN_SIZE": "5"},
            "DATABASE_POOL_MAX_SIZE (4) must be at least 1 and at least DATABASE_POOL_MIN_SIZE (5), "
            "which must not be negative.",
        ),
    ],
)
def test_pool_sizes_that_cannot_work_are_refused_at_start_naming_them(sizes, message):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DATABASE_POOL")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**environment, **sizes},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr

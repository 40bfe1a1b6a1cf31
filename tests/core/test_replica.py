"""Report reads reach a real streaming replica; the user who just wrote never sees the page without it.

The fixture makes a PostgreSQL primary of its own (initdb in a temporary directory, on a free port, with
replication allowed by trust from 127.0.0.1) and a hot standby of it (pg_basebackup -R, another port),
run as the postgres user; the system's cluster is left alone. tests/core/replica_run.py then runs in a
process of its own with DATABASE_URL at the primary and DATABASE_REPLICA_URL at the replica: it migrates,
opens report pages, the API, a CSV download and the export worker, pauses the replica's replay to make
it stale on purpose, writes through a page, and prints what it saw. Both clusters are stopped and removed
afterwards, whatever happened. Each xdist worker gets its own directory and ports.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import XDIST_WORKER, need_service
from tests.notifications.support import free_port

ROOT = Path(__file__).resolve().parents[2]


def postgresql_programs() -> Path:
    """Where initdb, pg_ctl and pg_basebackup are: REPLICA_TEST_PG_BIN, else Debian's newest version."""
    if named := os.environ.get("REPLICA_TEST_PG_BIN"):
        return Path(named)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parent.parent.name), reverse=True
    )
    return versions[0].parent if versions else Path("/usr/lib/postgresql/15/bin")


PG_BIN = postgresql_programs()
pytestmark = pytest.mark.services


@dataclass
class Clusters:
    directory: Path
    primary_port: int
    replica_port: int

    @property
    def replica_data(self) -> Path:
        return self.directory / "replica"

    def url(self, port: int, database: str = "desk") -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{database}"


def as_postgres(*command: str | Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run a PostgreSQL program as the postgres user (it refuses to run as root)."""
    prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
    return subprocess.run(
        [*prefix, *map(str, command)], check=True, capture_output=True, text=True, timeout=timeout, cwd="/"
    )


def stop(data: Path) -> None:
    if (data / "postmaster.pid").exists():
        subprocess.run(
            [*(["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []), str(PG_BIN / "pg_ctl")]
            + ["-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            timeout=30,
            cwd="/",
        )


@pytest.fixture
def clusters() -> Iterator[Clusters]:
    missing = [name for name in ("initdb", "pg_ctl", "pg_basebackup") if not (PG_BIN / name).exists()]
    need_service(not missing, f"the replica test needs PostgreSQL's {', '.join(missing)} in {PG_BIN}")
    need_service(os.geteuid() != 0 or shutil.which("runuser") is not None, "runuser is needed to run as postgres")
    directory = Path(tempfile.mkdtemp(prefix=f"bd-replica-{XDIST_WORKER or 'main'}-"))
    if os.geteuid() == 0:
        shutil.chown(directory, user="postgres")
    primary_port = free_port()
    replica_port = free_port()
    while replica_port == primary_port:
        replica_port = free_port()
    made = Clusters(directory, primary_port, replica_port)
    primary = directory / "primary"
    try:
        as_postgres(PG_BIN / "initdb", "-D", primary, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        # initdb's pg_hba.conf with --auth=trust already lets 127.0.0.1 in for replication.
        with (primary / "postgresql.conf").open("a") as conf:
            conf.write(
                f"port = {made.primary_port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{directory}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nshared_buffers = 16MB\n"
                "max_connections = 40\nwal_level = replica\nmax_wal_senders = 4\n"
            )
        as_postgres(PG_BIN / "pg_ctl", "-D", primary, "-l", directory / "primary.log", "-w", "start")
        as_postgres(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", made.primary_port, "-U", "postgres", "desk")
        as_postgres(
            PG_BIN / "pg_basebackup",
            *("-h", "127.0.0.1", "-p", made.primary_port, "-U", "postgres"),
            *("-D", made.replica_data, "-R", "-X", "stream", "--checkpoint=fast"),
        )
        with (made.replica_data / "postgresql.conf").open("a") as conf:
            conf.write(f"port = {made.replica_port}\nhot_standby = on\n")
        as_postgres(PG_BIN / "pg_ctl", "-D", made.replica_data, "-l", directory / "replica.log", "-w", "start")
        yield made
    finally:
        stop(made.replica_data)
        stop(primary)
        shutil.rmtree(directory, ignore_errors=True)


def test_reports_read_the_replica_and_the_writer_reads_the_primary(clusters: Clusters, tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "DATABASE_URL": clusters.url(clusters.primary_port),
        "DATABASE_REPLICA_URL": clusters.url(clusters.replica_port),
        "REPLICA_TEST_REPLICA_PGDATA": str(clusters.replica_data),
        "REPLICA_TEST_PG_BIN": str(PG_BIN),
        # Every scope looks at the replica afresh; a lag of minutes still counts as fresh enough, so the
        # paused replica (stale on purpose) keeps serving the others.
        "REPLICA_CHECK_SECONDS": "0",
        "REPLICA_MAX_LAG_SECONDS": "3600",
        "REPLICA_STICKY_SECONDS": "2",
        "DATABASE_REPLICA_POOL_TIMEOUT": "2",
        "EXPORTS_ROOT": str(tmp_path),
        "DEBUG": "1",
    }
    for name in ("REDIS_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER"):
        environment.pop(name, None)
    began = time.monotonic()
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "core" / "replica_run.py")],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    took = time.monotonic() - began
    lines = run.stdout.strip().splitlines()
    assert run.returncode == 0, (lines[-1] if lines else "") + "\n" + run.stderr[-4000:]
    seen = json.loads(lines[-1])
    failed = [check for check in seen["checks"] if not check["held"]]
    assert not failed, json.dumps(seen, indent=1)
    assert len(seen["checks"]) == 15, json.dumps(seen, indent=1)
    print(f"replica test: {len(seen['checks'])} checks held in {took:.1f} s (migrate {seen['migrate_seconds']} s)")

"""The replica test's own process: Django set up against a primary and its streaming replica.

Started by tests/core/test_replica.py with DATABASE_URL at the primary, DATABASE_REPLICA_URL at the
replica (made with pg_basebackup -R) and REPLICA_TEST_REPLICA_PGDATA naming the replica's data
directory; prints one JSON object: each check's name, whether it held, and what was seen.
"""

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client as Browser  # noqa: E402
from django.urls import reverse  # noqa: E402

from core.db_router import REPLICA, forget_replica_health  # noqa: E402
from invoicing.selectors import InvoiceReportFilters  # noqa: E402
from projects.models import Client  # noqa: E402
from reports import exports  # noqa: E402
from reports.models import ExportJob  # noqa: E402
from tests.factories import ClientFactory, UserFactory  # noqa: E402

PG_BIN = os.environ.get("REPLICA_TEST_PG_BIN", "/usr/lib/postgresql/15/bin")
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|TRUNCATE|COPY)\b", re.IGNORECASE)
checks: list[dict] = []


def check(name: str, held: bool, seen: object = None) -> None:
    checks.append({"check": name, "held": bool(held), "seen": seen})


class Statements:
    """Every statement one alias's connection runs in this thread."""

    def __init__(self, alias: str):
        self.sql: list[str] = []
        self.everything: list[str] = []  # kept through clear()
        connections[alias].execute_wrappers.append(self)

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        self.everything.append(sql)
        return execute(sql, params, many, context)

    def reading(self, table: str) -> bool:
        return any(table in sql and sql.lstrip().upper().startswith("SELECT") for sql in self.sql)

    def clear(self) -> None:
        self.sql.clear()


def clear(*logs: Statements) -> None:
    for log in logs:
        log.clear()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"Timed out waiting for {what}.")
        time.sleep(0.05)


def on_replica(sql: str):
    with psycopg.connect(os.environ["DATABASE_REPLICA_URL"], autocommit=True) as db:
        return db.execute(sql).fetchone()[0]


def replica_has_client(name: str) -> bool:
    with psycopg.connect(os.environ["DATABASE_REPLICA_URL"], autocommit=True) as db:
        return db.execute("SELECT count(*) FROM projects_client WHERE name = %s", [name]).fetchone()[0] > 0


def report(browser: Browser) -> str:
    response = browser.get(reverse("sales-order-list"))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def main() -> None:
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.monotonic() - started
    writer = UserFactory(username="wendy", roles=["Managers"])
    reader = UserFactory(username="rita", roles=["Managers"])
    ClientFactory(name="Acme Already There")
    wait_for(lambda: replica_has_client("Acme Already There"), "the replica to replay the setup")
    primary, replica = Statements("default"), Statements(REPLICA)
    writer_browser, reader_browser = Browser(), Browser()
    writer_browser.force_login(writer)
    reader_browser.force_login(reader)

    # (a) A report page's reads reach the replica, and the replica is a standby.
    clear(primary, replica)
    page = report(reader_browser)
    check(
        "the sales orders report reads its clients from the replica",
        "Acme Already There" in page and replica.reading("projects_client") and not primary.reading("projects_client"),
        {"replica": len(replica.sql), "primary": len(primary.sql)},
    )
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        check("the replica alias is a server in recovery (a hot standby)", cursor.fetchone()[0] is True)
    connections[REPLICA].close()
    clear(primary, replica)
    response = reader_browser.get(reverse("api-invoice-report"))
    check(
        "the Invoices Report API reads from the replica",
        response.status_code == 200
        and replica.reading("invoicing_invoice")
        and not primary.reading("invoicing_invoice"),
        response.status_code,
    )
    clear(primary, replica)
    response = reader_browser.get(reverse("invoice-report") + "?format=csv")
    body = b"".join(response.streaming_content).decode()
    check(
        "the Invoices Report CSV streams from the replica, in its REPEATABLE READ snapshot",
        response.status_code == 200
        and body.lstrip("\ufeff").startswith("number,")
        and replica.reading("invoicing_invoice")
        and any("REPEATABLE READ" in sql for sql in replica.sql)
        and not primary.reading("invoicing_invoice"),
        body[:40],
    )
    clear(primary, replica)
    response = reader_browser.get(reverse("invoice-aging"))
    check("AR aging reads from the replica", response.status_code == 200 and replica.reading("invoicing_invoice"))

    # The worker's export: its rows from the replica, its job's row to the primary.
    exports.export_job_enqueue = lambda *, job_id: True  # this process runs the task itself, below
    job = exports.invoice_report_export_start(
        by=reader, export_format="csv", filters=InvoiceReportFilters(), sort="-date", bom=True, query=""
    )
    clear(primary, replica)
    outcome = exports.export_job_run(job_id=job.pk)
    job.refresh_from_db()
    check(
        "the export worker reads the rows from the replica and records the job on the primary",
        outcome == "done"
        and job.status == ExportJob.Status.DONE
        and replica.reading("invoicing_invoice")
        and any(sql.lstrip().upper().startswith("UPDATE") and "reports_exportjob" in sql for sql in primary.sql),
        outcome,
    )

    # (b) Replay paused: the replica is stale on purpose; the user who writes sees the write at once.
    on_replica("SELECT pg_wal_replay_pause()")
    wait_for(lambda: on_replica("SELECT pg_get_wal_replay_pause_state()") == "paused", "replay to pause")
    clear(primary, replica)
    fresh = {"name": "Fresh Client Ltd", "billing_email": "ap@fresh.example.com", "terms_days": "30"}
    response = writer_browser.post(reverse("client-create"), fresh)
    check(
        "the write goes to the primary",
        response.status_code == 302
        and any(sql.lstrip().upper().startswith("INSERT") and "projects_client" in sql for sql in primary.sql)
        and Client.objects.filter(name="Fresh Client Ltd").exists(),
        response.status_code,
    )
    check("the paused replica has not replayed the write", not replica_has_client("Fresh Client Ltd"))
    clear(primary, replica)
    page = report(writer_browser)
    check(
        "the writer's next report page shows the write at once, read from the primary",
        "Fresh Client Ltd" in page and primary.reading("projects_client") and not replica.reading("projects_client"),
    )
    clear(primary, replica)
    page = report(reader_browser)
    check(
        "another user's report page still reads the (stale) replica, within REPLICA_MAX_LAG_SECONDS",
        "Fresh Client Ltd" not in page and replica.reading("projects_client"),
    )
    # The writer's window closes: from then on the writer reads the replica like everyone else.
    time.sleep(settings.REPLICA_STICKY_SECONDS + 0.2)
    clear(primary, replica)
    page = report(writer_browser)
    check(
        "after REPLICA_STICKY_SECONDS the writer reads the replica again",
        "Fresh Client Ltd" not in page and replica.reading("projects_client"),
    )

    # A replica further behind than REPLICA_MAX_LAG_SECONDS serves nothing.
    lag = on_replica("SELECT EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8")
    settings.REPLICA_MAX_LAG_SECONDS = 0.5
    forget_replica_health()
    clear(primary, replica)
    page = report(reader_browser)
    check(
        "a replica behind REPLICA_MAX_LAG_SECONDS is passed over for the primary",
        "Fresh Client Ltd" in page and primary.reading("projects_client") and not replica.reading("projects_client"),
        {"lag_seconds": round(lag, 2)},
    )
    settings.REPLICA_MAX_LAG_SECONDS = 3600

    on_replica("SELECT pg_wal_replay_resume()")
    wait_for(lambda: replica_has_client("Fresh Client Ltd"), "the replica to replay the write")
    forget_replica_health()
    clear(primary, replica)
    page = report(reader_browser)
    check(
        "once replayed, the replica shows the write to everyone",
        "Fresh Client Ltd" in page and replica.reading("projects_client"),
    )

    # A replica that stops answering: the primary serves, within the replica pool's short wait.
    subprocess.run(
        ["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", os.environ["REPLICA_TEST_REPLICA_PGDATA"]]
        + ["-m", "immediate", "-w", "stop"],
        check=True,
        capture_output=True,
        cwd="/",
    )
    forget_replica_health()
    clear(primary, replica)
    began = time.monotonic()
    page = report(reader_browser)
    took = time.monotonic() - began
    check(
        "with the replica down, the report reads from the primary",
        "Fresh Client Ltd" in page and primary.reading("projects_client"),
        {"seconds": round(took, 2)},
    )
    # (c) Nothing was ever written through the replica's connection.
    check(
        "no statement that writes ever reached the replica",
        not any(WRITE.match(sql) for sql in replica.everything),
        {
            "statements": len(replica.everything),
            "kinds": sorted({sql.split()[0].upper() for sql in replica.everything}),
        },
    )
    print(json.dumps({"checks": checks, "migrate_seconds": round(migrated, 1)}))


if __name__ == "__main__":
    try:
        main()
    except BaseException:
        # What held so far, for the test's message, then the error itself.
        print(json.dumps({"checks": checks, "migrate_seconds": None}))
        raise

"""Time from a note's commit to its mention email, with a real Celery worker, Redis and an SMTP server.

Starts its own redis-server, SMTP sink and `celery -A config worker` (prefork, one process, as in the
tests), on a scratch copy of the database DATABASE_URL names, then writes notes mentioning one user,
one by one, each after the previous email arrived. For every note it records the moment its
transaction committed (an on_commit callback registered before the note's own) and reports:

- commit → sent: the row's email_sent_at, set once the SMTP server accepted the message;
- commit → received: when the SMTP sink had the whole message.

Usage (PostgreSQL; the scratch database is <name>_notifications_bench, dropped afterwards):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bd_notif .venv/bin/python benchmarks/notifications.py --notes 200
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.notifications.support import (  # noqa: E402 - the path above makes the repository importable
    CeleryWorker,
    RedisServer,
    SmtpSink,
    database_url,
    wait_until,
    worker_env,
)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def describe(name: str, values: list[float]) -> str:
    ms = [value * 1000 for value in values]
    return (
        f"{name:<22} median {statistics.median(ms):7.1f} ms   p95 {percentile(ms, 0.95):7.1f} ms   "
        f"min {min(ms):7.1f} ms   max {max(ms):7.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=200, help="how many notes to time (default 200)")
    parser.add_argument("--warm-up", type=int, default=5, help="untimed notes first (default 5)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database: the worker shares it.", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="notifications-bench-"))
    redis = RedisServer(workdir).start()
    sink = SmtpSink().start()
    # Settings read REDIS_URL once: set it before Django starts, so publishing goes to this Redis.
    os.environ["REDIS_URL"] = redis.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from notifications.models import Notification
    from projects.services.notes import note_create
    from tests.factories import ProjectFactory, UserFactory

    original_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original_name}_notifications_bench"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    worker = None
    try:
        author = UserFactory(username="pat", first_name="Pat", last_name="Producer")
        reader = UserFactory(username="sam", first_name="Sam", last_name="Seller")
        project = ProjectFactory(number="P-9001", name="Benchmark mugs")
        worker = CeleryWorker(
            env=worker_env(
                database_url=database_url(connection.settings_dict),
                broker_url=redis.url,
                email_url=sink.url,
                NOTIFICATION_PENDING_GRACE_SECONDS="30",
                NOTIFICATION_CLAIM_TTL_SECONDS="120",
            ),
            workdir=workdir,
            beat=False,
        ).start()

        committed: dict[int, float] = {}
        to_sent: list[float] = []
        to_received: list[float] = []
        for number in range(args.warm_up + args.notes):
            before = sink.count()
            with transaction.atomic():
                # Registered first, so it runs at commit, before the note's own callback publishes the task.
                transaction.on_commit(lambda number=number: committed.__setitem__(number, time.time()))
                note = note_create(project=project, body=f"@sam benchmark note {number}", by=author)
            if not wait_until(lambda before=before: sink.count() > before, timeout=30, interval=0.002):
                raise RuntimeError(f"note {number}'s email did not arrive:\n{worker.log()[-3000:]}")
            if number < args.warm_up:
                continue
            received = sink.received()[-1]
            if f"benchmark note {number}" not in received.body:
                raise RuntimeError(f"expected note {number}'s email, got: {received.body[:200]}")
            sent = Notification.objects.filter(
                event_key=f"note:{note.pk}", recipient=reader, email_sent_at__isnull=False
            )
            # The worker records the send just after the SMTP server accepted the message.
            if not wait_until(sent.exists, timeout=10, interval=0.002):
                raise RuntimeError(f"note {number}'s notification was never marked sent")
            notification = sent.get()
            to_sent.append(notification.email_sent_at.timestamp() - committed[number])
            to_received.append(received.received_at - committed[number])

        duplicates = sink.count() - (args.warm_up + args.notes)
        print(f"{args.notes} notes, each mentioning one user; one Celery worker (prefork, 1 process), local Redis")
        print(describe("commit → email sent", to_sent))
        print(describe("commit → SMTP received", to_received))
        print(f"emails: {sink.count()} for {args.warm_up + args.notes} notes ({duplicates} extra)")
        return 0 if duplicates == 0 else 1
    finally:
        if worker is not None:
            worker.stop()
        connection.creation.destroy_test_db(original_name, verbosity=0)
        redis.stop()
        sink.stop()


if __name__ == "__main__":
    sys.exit(main())

"""A prefork Celery worker's children each take connections from a pool of their own, within the bound.

Celery's Django fixup closes the pool of a prefork child after each task and when the child starts, so
a child never uses connections (sockets) it inherited from its parent. This test runs a real worker
with two children through 30 notification emails and watches PostgreSQL's connections meanwhile.
"""

import subprocess
import uuid

from django.conf import settings
from django.db import connection

from notifications.models import Notification
from notifications.tasks import notification_email_task
from tests.notifications.support import BASE_DIR, CELERY, database_url, stop_process, wait_until, worker_env
from tests.ops.test_connection_bound import Peak

CHILDREN = 2
EMAILS = 30


def test_a_prefork_worker_stays_within_its_bound_and_sends_each_email_once(
    real_services, broker, smtp_sink, mug_order, sales_rep, tmp_path, capsys
):
    project = mug_order.order.project
    notifications = [
        Notification.objects.create(
            recipient=sales_rep, kind=Notification.Kind.MENTION, event_key=f"note:{n}", project=project, message=f"m{n}"
        )
        for n in range(EMAILS)
    ]
    for notification in notifications:
        notification_email_task.delay(notification.pk)
    url = database_url(connection.settings_dict)
    application_name = f"worker-{uuid.uuid4().hex[:12]}"
    # The main process and each child: a process each, as the README counts them.
    bound = (CHILDREN + 1) * settings.DATABASE_POOL_MAX_SIZE
    peak = Peak(
        dsn=url, database=connection.settings_dict["NAME"], application_name=application_name, bound=bound
    ).start()
    log_path = tmp_path / "worker.log"
    command = [str(CELERY), "-A", "config", "worker", "-P", "prefork", "-c", str(CHILDREN), "--loglevel=INFO"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{application_name}@%h"]
    environment = worker_env(
        database_url=f"{url}?application_name={application_name}", broker_url=broker.url, email_url=smtp_sink.url
    )
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        sent = wait_until(lambda: smtp_sink.count() >= EMAILS or process.poll() is not None, timeout=120)
    finally:
        peak.stop()
        stop_process(process, grace=10)
    log = log_path.read_text(errors="replace")

    with capsys.disabled():
        print(
            f"\nCelery prefork worker, {CHILDREN} children: {EMAILS} emails, peak {peak.peak} PostgreSQL connections "
            f"over {peak.samples} samples; bound {CHILDREN + 1} processes x DATABASE_POOL_MAX_SIZE "
            f"{settings.DATABASE_POOL_MAX_SIZE} = {bound}"
        )
    assert sent and smtp_sink.count() == EMAILS, log[-3000:]
    assert sorted(message.body.splitlines()[0] for message in smtp_sink.received()) == sorted(
        f"m{n}" for n in range(EMAILS)
    )
    assert set(Notification.objects.values_list("email_state", flat=True)) == {Notification.EmailState.SENT}
    assert 1 <= peak.peak <= bound
    # No child ever met a connection another process was using.
    for trouble in ("OperationalError", "InterfaceError", "PoolTimeout", "lost synchronization", "Traceback"):
        assert trouble not in log, log[-3000:]

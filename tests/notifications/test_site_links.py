"""Links in mail no request asked for (beat's digests, the worker's re-queues) go where the site is served.

With DEBUG off SITE_URL is required (tests/security/test_deploy_settings.py); with DEBUG on and SITE_URL
unset, they go to DEVELOPMENT_SITE_URL, which `make run` sets from its HOST and PORT.
"""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.tasks import notification_requeue_pending_task
from tests.notifications.test_overdue_reminders import NOW, backorder, days_before, run

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def make_run_on_port_9000(settings):
    """A development desk served by `make run HOST=0.0.0.0 PORT=9000`, SITE_URL unset."""
    settings.SITE_URL = ""
    settings.DEVELOPMENT_SITE_URL = "http://127.0.0.1:9000"


def test_the_overdue_digest_links_to_where_make_run_serves(
    make_run_on_port_9000, mug_order, production_rep, mailoutbox, django_capture_on_commit_callbacks
):
    backorder(mug_order.po_mugs, expected=days_before(2))

    run(NOW, capture=django_capture_on_commit_callbacks)

    [email] = mailoutbox
    notification = Notification.objects.get(recipient=production_rep)
    po_link = "http://127.0.0.1:9000" + reverse("purchase-order-detail", args=[mug_order.po.pk])
    assert f"\n  {po_link}\n" in email.body
    assert f"Open it: http://127.0.0.1:9000/notifications/{notification.pk}/open/" in email.body
    assert "127.0.0.1:8000" not in email.body


def test_a_notification_queued_again_by_beat_links_to_where_make_run_serves(
    make_run_on_port_9000, mug_order, sales_rep, mailoutbox
):
    # Written while the broker was down: nothing captured the request's address for it.
    notification = Notification.objects.create(
        recipient=sales_rep,
        kind=Notification.Kind.MENTION,
        event_key="note:1",
        project=mug_order.order.project,
        message="Pat Producer mentioned you",
        url="/",
    )
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    assert notification_requeue_pending_task.apply().get() == 1

    [email] = mailoutbox
    assert f"Open it: http://127.0.0.1:9000/notifications/{notification.pk}/open/\n" in email.body


def test_site_url_when_set_is_what_the_worker_links_to(settings, mug_order, production_rep, mailoutbox):
    settings.SITE_URL = "https://desk.example.com"
    settings.DEVELOPMENT_SITE_URL = "http://127.0.0.1:9000"
    backorder(mug_order.po_mugs, expected=days_before(2))

    run(NOW)
    notification = Notification.objects.get(recipient=production_rep)
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    notification_requeue_pending_task.apply()

    [email] = mailoutbox
    assert f"Open it: https://desk.example.com/notifications/{notification.pk}/open/" in email.body
    assert "127.0.0.1" not in email.body


# --- the Makefile hands make run's address down ------------------------------------------------


def make_links(target: str, tmp_path: Path, *variables: str) -> list[str]:
    """The address a process started by `make <target> VARIABLES` builds unrequested links from.

    The make target runs as written, except that its program is a probe that prints site_url() as the
    app's settings work it out in that environment (-o install: nothing is installed).
    """
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import os, sys\n"
        f"sys.path.insert(0, {str(ROOT)!r})\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "import django\n"
        "django.setup()\n"
        "from core.site import site_url\n"
        "print('links to', site_url())\n"
    )
    celery = tmp_path / "venv" / "bin" / "celery"
    celery.parent.mkdir(parents=True)
    celery.write_text(f"#!/bin/sh\nexec {sys.executable} {probe}\n")
    celery.chmod(0o755)
    dropped = {"SITE_URL", "DEVELOPMENT_SITE_URL", "DEBUG", "DATABASE_URL", "MAKEFLAGS", "HOST", "PORT"}
    environment = {key: value for key, value in os.environ.items() if key not in dropped}
    overrides = [f"PY={sys.executable} {probe}"]
    if target != "run":
        overrides.append(f"VENV={tmp_path / 'venv'}")
    result = subprocess.run(
        ["make", "--no-print-directory", "-o", "install", target, *variables, *overrides],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return [line.removeprefix("links to ") for line in result.stdout.splitlines() if line.startswith("links to ")]


@pytest.mark.parametrize(
    ("variables", "address"),
    [
        ((), "http://127.0.0.1:8000"),
        (("HOST=0.0.0.0", "PORT=9000"), "http://127.0.0.1:9000"),
        (("HOST=desk.local", "PORT=8202"), "http://desk.local:8202"),
    ],
    ids=["defaults", "every interface, port 9000", "a named host"],
)
def test_make_run_links_to_the_address_it_serves_on(tmp_path, variables, address):
    # migrate, seed_demo and runserver each start with it
    assert make_links("run", tmp_path, *variables) == [address] * 3


@pytest.mark.parametrize("target", ["worker", "beat"])
def test_make_worker_and_beat_link_to_the_same_address(tmp_path, target):
    assert make_links(target, tmp_path, "HOST=0.0.0.0", "PORT=9000") == ["http://127.0.0.1:9000"]

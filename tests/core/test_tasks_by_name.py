"""Services queue tasks by their registered names (core.tasks.enqueue): every name they use is a real task."""

import re
from pathlib import Path

import pytest
from celery import current_app

from core.tasks import enqueue, task_named

ROOT = Path(__file__).resolve().parents[2]
APPS = ("core", "accounts", "projects", "purchasing", "backorders", "invoicing", "reports", "notifications")
ENQUEUED = re.compile(r'enqueue\(\s*"([\w.]+)"')


def _names_enqueued() -> set[str]:
    names = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            names.update(ENQUEUED.findall(path.read_text()))
    return names


def test_the_services_enqueue_tasks_by_name():
    assert _names_enqueued() >= {
        "purchasing.tasks.purchase_order_email_task",
        "invoicing.tasks.invoice_email_task",
        "notifications.tasks.notification_email_task",
    }


@pytest.mark.parametrize("name", sorted(_names_enqueued()))
def test_every_enqueued_name_is_a_task_the_web_process_finds(name):
    # A web process may not have imported the tasks module yet: the lookup imports it, as autodiscovery would.
    task = task_named(name)
    assert task.name == name
    assert current_app.tasks[name] is task


def test_beat_schedule_names_registered_tasks(settings):
    current_app.loader.import_default_modules()  # what the worker and beat do when they start
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in current_app.tasks, entry["task"]


def test_an_unknown_name_is_refused_rather_than_sent():
    with pytest.raises(KeyError):
        enqueue("purchasing.tasks.no_such_task")
    with pytest.raises(KeyError):
        enqueue("projects.tasks.purchase_order_email_task")  # where it lived before the move

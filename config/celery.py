"""The Celery application: settings come from Django's, under the CELERY_ prefix; and its heartbeat."""

import os
import time

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("backorder_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

HEARTBEAT_TASK = "config.heartbeat"
# Where /healthz reads when beat last sent the heartbeat and when a worker last ran it (Redis, shared).
BEAT_TICK_KEY = "health:beat-tick"
WORKER_HEARTBEAT_KEY = "health:worker-heartbeat"


def _remember(key: str) -> None:
    from django.core.cache import cache

    cache.set(key, time.time(), timeout=None)


@app.task(name=HEARTBEAT_TASK, ignore_result=True)
def heartbeat() -> None:
    """Record that a worker is taking tasks off the queue."""
    _remember(WORKER_HEARTBEAT_KEY)


@before_task_publish.connect(dispatch_uid="config.celery.beat_tick")
def _beat_tick(sender=None, **kwargs) -> None:
    # Beat publishes the heartbeat on its schedule: the moment it does is beat's own tick.
    if sender == HEARTBEAT_TASK:
        _remember(BEAT_TICK_KEY)


# Each task's log lines carry its id as their request id, and the document numbers it touched.
_task_log_contexts: dict[str, list] = {}


@task_prerun.connect(dispatch_uid="config.celery.log_context_start")
def _log_context_start(task_id=None, **kwargs) -> None:
    from core.logging import start_context

    _task_log_contexts[task_id] = start_context(request_id=task_id or "")


@task_postrun.connect(dispatch_uid="config.celery.log_context_end")
def _log_context_end(task_id=None, **kwargs) -> None:
    from core.logging import end_context

    tokens = _task_log_contexts.pop(task_id, None)
    if tokens is not None:
        end_context(tokens)

"""How a service hands work to the worker: by the task's registered name, never by importing its tasks module.

A tasks module imports its app's services (a task calls a service); if the service imported the task back,
the two would form an import circle. So services call `enqueue("app.tasks.some_task", ...)`, usually from
`transaction.on_commit`, and the name is looked up in the Celery app's registry. The registered task is the
same object the tasks module defines, so CELERY_TASK_ALWAYS_EAGER, retries and a test's monkeypatch of
`apply_async` apply as before.
"""

from typing import Any

from celery import current_app


def enqueue(name: str, *, args: tuple = (), kwargs: dict[str, Any] | None = None, **options: Any) -> Any:
    """Send the task registered as `name`; raises what the broker raises (the caller decides what a failure means)."""
    task = current_app.tasks[name]
    return task.apply_async(args=args, kwargs=kwargs or {}, **options)

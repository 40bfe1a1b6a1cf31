"""How a service hands work to the worker: by the task's registered name, never by importing its tasks module.

A tasks module imports its app's services (a task calls a service); if the service imported the task back,
the two would form an import circle. So services call `enqueue("<app>.tasks.<task>", ...)`, usually from
`transaction.on_commit`. The name is looked up in the Celery app's registry; a web process that has not
imported the tasks module yet imports it then, as the worker's autodiscovery does. The registered task is
the same object the tasks module defines, so CELERY_TASK_ALWAYS_EAGER, retries and a test's monkeypatch of
`apply_async` apply as before.
"""

from importlib import import_module
from typing import Any

from celery import Task, current_app


def task_named(name: str) -> Task:
    """The task registered as `name` ("<module>.<function>"); KeyError when there is none."""
    if name not in current_app.tasks:
        module = name.rpartition(".")[0]
        try:
            import_module(module)
        except ModuleNotFoundError as error:
            raise KeyError(f"No task module {module} for the task {name}") from error
    return current_app.tasks[name]


def enqueue(name: str, *, args: tuple = (), kwargs: dict[str, Any] | None = None, **options: Any) -> Any:
    """Send the task registered as `name`; raises what the broker raises (the caller decides what a failure means)."""
    return task_named(name).apply_async(args=args, kwargs=kwargs or {}, **options)

"""Money writes: one atomic block per service call that a deadlock does not turn into a server error.

Row locks follow one order (core.locks), so two writes should never deadlock. Should one slip through
anyway (a path not yet in the order, a lock PostgreSQL takes on its own), or should PostgreSQL give up
on a transaction for a serialization failure, the write is tried once more from the start: the other
transaction has usually finished by then. If it fails again, the caller gets the domain's conflict
refusal (TransitionNotAllowed: a 409 in the API, a message on the pages) naming what changed.

Only the outermost block can start again from a clean slate. A money write called inside another
(a service calling a service, or a caller's own transaction) runs in a savepoint and lets the error
travel up to the outermost one.
"""

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import DatabaseError, transaction

from core.errors import TransitionNotAllowed

logger = logging.getLogger(__name__)

# PostgreSQL's deadlock_detected and serialization_failure: it gave up on this transaction, and the
# same write tried again may well pass.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 2

P = ParamSpec("P")
R = TypeVar("R")


def is_write_conflict(error: BaseException) -> bool:
    """Tell whether a database error (or what caused it) is a deadlock or a serialization failure."""
    seen: BaseException | None = error
    while seen is not None:
        # psycopg 3 names the state `sqlstate`, psycopg2 `pgcode`; Django keeps the driver's error as the cause.
        if (getattr(seen, "sqlstate", None) or getattr(seen, "pgcode", None)) in RETRYABLE_SQLSTATES:
            return True
        seen = seen.__cause__
    return False


def conflict_message(subject: str) -> str:
    return f"{subject} was changed by someone else at the same moment; reload and try again."


def _named(subject: Callable[..., str], kwargs: dict) -> str:
    try:
        return subject(**kwargs)
    except Exception:  # noqa: BLE001 - naming the subject must never hide the refusal itself
        logger.warning("Could not name the subject of a write conflict.", exc_info=True)
        return "This record"


def money_write(subject: Callable[..., str]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a service in its own atomic block, retried once after a deadlock when it is the outermost one.

    `subject` gets the service's keyword arguments and names what changed, e.g. "Invoice INV-000123".
    """

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def write(*args: P.args, **kwargs: P.kwargs) -> R:
            if transaction.get_connection().in_atomic_block:
                with transaction.atomic():
                    return service(*args, **kwargs)
            for _ in range(ATTEMPTS - 1):
                try:
                    with transaction.atomic():
                        return service(*args, **kwargs)
                except DatabaseError as error:
                    if not is_write_conflict(error):
                        raise
                    logger.info("%s: trying again after %s", service.__qualname__, error)
            try:
                with transaction.atomic():
                    return service(*args, **kwargs)
            except DatabaseError as error:
                if not is_write_conflict(error):
                    raise
                logger.warning("%s: gave up after %s attempts: %s", service.__qualname__, ATTEMPTS, error)
                raise TransitionNotAllowed(conflict_message(_named(subject, kwargs))) from error

        return write

    return decorate

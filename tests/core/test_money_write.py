"""money_write: a deadlock or serialization failure is tried again once at the outermost block, then refused."""

import threading

import psycopg.errors
import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from core.errors import TransitionNotAllowed
from core.transactions import is_write_conflict, money_write
from projects.models import NumberSequence
from tests.conftest import need_service
from tests.core.test_concurrency import run_at_once


def _deadlock() -> OperationalError:
    """What Django raises when PostgreSQL picks this transaction as a deadlock's victim."""
    error = OperationalError("deadlock detected")
    error.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    return error


def _failing(error: Exception, calls: list):
    @money_write(lambda *, number, **_: f"Invoice {number}")
    def write(*, number: str) -> str:
        calls.append(transaction.get_connection().in_atomic_block)
        raise error

    return write


def test_deadlocks_and_serialization_failures_are_write_conflicts():
    assert is_write_conflict(_deadlock())
    serialization = OperationalError("could not serialize access")
    serialization.__cause__ = psycopg.errors.SerializationFailure("could not serialize access")
    assert is_write_conflict(serialization)
    unique = IntegrityError("duplicate key")
    unique.__cause__ = psycopg.errors.UniqueViolation("duplicate key")
    assert not is_write_conflict(unique)
    assert not is_write_conflict(OperationalError("server closed the connection"))


def test_a_second_deadlock_is_refused_as_a_conflict_naming_what_changed(transactional_db):
    calls: list = []
    with pytest.raises(TransitionNotAllowed) as refused:
        _failing(_deadlock(), calls)(number="INV-000123")
    assert str(refused.value) == (
        "Invoice INV-000123 was changed by someone else at the same moment; reload and try again."
    )
    assert isinstance(refused.value.__cause__, OperationalError)
    assert calls == [True, True]  # tried twice, each time in an atomic block of its own


def test_a_deadlock_inside_a_callers_transaction_travels_up_untried(transactional_db):
    # Only the outermost block can start again from a clean slate; the caller's transaction is aborted.
    calls: list = []
    with pytest.raises(OperationalError), transaction.atomic():
        _failing(_deadlock(), calls)(number="INV-000123")
    assert calls == [True]


def test_other_database_errors_are_not_tried_again(transactional_db):
    calls: list = []
    with pytest.raises(IntegrityError):
        _failing(IntegrityError("duplicate key"), calls)(number="INV-000123")
    assert calls == [True]


def test_a_real_deadlock_is_tried_again_and_both_writes_pass(transactional_db):
    need_service(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")
    # Two writes that take two rows in opposite orders (what core.locks' one order rules out): PostgreSQL
    # aborts one as a deadlock's victim, and money_write runs it again once the other has committed.
    first, second = NumberSequence.objects.create(name="A-"), NumberSequence.objects.create(name="B-")
    both_hold_one = threading.Barrier(2)
    one_committed = threading.Event()
    attempts: list[int] = []

    def write_in_order(index: int) -> str:
        rows = (first, second) if index == 0 else (second, first)

        @money_write(lambda **_: "The sequences")
        def bump() -> str:
            attempts.append(index)
            if attempts.count(index) > 1:
                # Tried again: once the other has committed, as a colleague's request would most often come.
                one_committed.wait(timeout=10)
            NumberSequence.objects.select_for_update().get(pk=rows[0].pk)
            if attempts.count(index) == 1:
                both_hold_one.wait(timeout=10)  # the first try of each holds one row and wants the other
            NumberSequence.objects.filter(pk__in=[rows[0].pk, rows[1].pk]).update(last_value=index + 1)
            transaction.on_commit(one_committed.set)
            return "done"

        return bump()

    assert run_at_once(write_in_order, 2) == ["done", "done"]
    assert len(attempts) == 3 and set(attempts) == {0, 1}  # exactly one of the two was tried again

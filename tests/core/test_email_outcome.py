"""Recording that an email went out survives a database restart, so it is never sent twice."""

import pytest
from django.db import OperationalError

from notifications.services import write_surviving_reconnects


def test_the_write_is_retried_until_the_database_answers(db):
    attempts = []

    def write():
        attempts.append(1)
        if len(attempts) < 3:
            raise OperationalError("terminating connection due to administrator command")
        return "recorded"

    assert write_surviving_reconnects(write, seconds=5) == "recorded"
    assert len(attempts) == 3


def test_the_retrying_is_bounded(db):
    def write():
        raise OperationalError("the database is gone")

    with pytest.raises(OperationalError):
        write_surviving_reconnects(write, seconds=0.6)

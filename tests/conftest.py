"""Shared fixtures: the four roles, and the mug order of the backorder story."""

import os
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from projects.models import SalesOrder, SalesOrderItem
from purchasing.models import PurchaseOrder, PurchaseOrderItem
from tests.factories import (
    ProjectFactory,
    PurchaseOrderFactory,
    PurchaseOrderItemFactory,
    SalesOrderFactory,
    SalesOrderItemFactory,
    UserFactory,
)
from tests.hypothesis_profiles import load_profile

# Before any test module builds its hypothesis settings, which inherit from the loaded profile.
load_profile()

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def need_service(available: bool, reason: str) -> None:
    """Skip a test whose service is absent, or fail it when CI requires the services."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


# The suite's own process runs 10 to 20 threads at once against PostgreSQL (the concurrency and storm
# tests), each holding a connection while it waits on the others' locks: its pool must let them all in.
# The servers and workers the tests start keep the pool sizes of the settings.
TEST_DATABASE_POOL_MAX_SIZE = 40


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    from django.db import connections

    for alias in connections:
        pool = connections[alias].settings_dict.get("OPTIONS", {}).get("pool")
        if isinstance(pool, dict):
            pool["max_size"] = max(pool["max_size"], TEST_DATABASE_POOL_MAX_SIZE)


# Set by pytest-xdist in each of its worker processes ("gw0", "gw1", ...); absent in a serial run.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


@pytest.fixture(scope="session", autouse=True)
def test_only_settings(django_test_environment):
    """Settings every test runs under, whichever test module or fixture it comes from.

    The factories hash a password for every user they make, and Django's own hasher is slow on purpose
    (half a second a user here): MD5 makes a test's users cost nothing, as Django's docs advise for tests.
    With pytest -n, the xdist workers share one Redis cache: each keeps its keys (the worker's heartbeat,
    beat's tick that /healthz reads) under a prefix of its own, so one worker's test never reads or
    deletes another's.
    """
    from django.conf import settings
    from django.test import override_settings

    caches = {alias: {**config} for alias, config in settings.CACHES.items()}
    for config in caches.values():
        config["KEY_PREFIX"] = "-".join(part for part in ("test", XDIST_WORKER, config.get("KEY_PREFIX", "")) if part)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], CACHES=caches):
        yield


@pytest.fixture(autouse=True)
def celery_eager(request):
    """Run tasks in the test's own thread unless a test asks for the real broker and worker."""
    from celery._state import _set_task_join_will_block

    from config.celery import app

    # Celery's "inside a task" flag is one for the whole process, and each eager task sets it, then puts back
    # what it saw on entry: two of a test's threads running eager tasks at once can leave it set for good,
    # and a later test in the same process (an xdist worker runs many) is refused result.get(). This
    # process runs no worker, so no test starts inside a task.
    _set_task_join_will_block(False)
    if request.node.get_closest_marker("real_worker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def postgres(db):
    need_service(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def production_rep(db):
    return UserFactory(username="pat", first_name="Pat", last_name="Producer", roles=["Production"])


@pytest.fixture
def sales_rep(db):
    return UserFactory(username="sam", first_name="Sam", last_name="Seller", roles=["Sales"])


@pytest.fixture
def invoicing_rep(db):
    return UserFactory(username="ivy", first_name="Ivy", last_name="Invoicer", roles=["Invoicing"])


@pytest.fixture
def manager(db):
    return UserFactory(username="max", first_name="Max", last_name="Manager", roles=["Managers"])


@dataclass
class MugOrder:
    """500 mugs and a setup charge, bought from one supplier on one PO."""

    order: SalesOrder
    mugs: SalesOrderItem
    setup: SalesOrderItem
    po: PurchaseOrder
    po_mugs: PurchaseOrderItem
    po_setup: PurchaseOrderItem

    def refresh(self) -> "MugOrder":
        for obj in (self.order, self.mugs, self.setup, self.po, self.po_mugs, self.po_setup):
            obj.refresh_from_db()
        return self


@pytest.fixture
def mug_order(production_rep, sales_rep, invoicing_rep) -> MugOrder:
    project = ProjectFactory(
        number="P-1001",
        name="Spring fair mugs",
        order_rep=sales_rep,
        production_rep=production_rep,
        invoicing_rep=invoicing_rep,
    )
    order = SalesOrderFactory(number="SO-1001", project=project, status=SalesOrder.Status.IN_PRODUCTION)
    mugs = SalesOrderItemFactory(
        sales_order=order,
        description="11 oz mug, 2-colour print",
        quantity=500,
        unit_price=Decimal("4.25"),
        unit_cost=Decimal("2.10"),
        tax_rate=Decimal("8.25"),
        position=0,
    )
    setup = SalesOrderItemFactory(
        sales_order=order,
        kind=SalesOrderItem.Kind.SERVICE,
        description="Setup charge",
        quantity=1,
        unit_price=Decimal("65.00"),
        unit_cost=Decimal("40.00"),
        tax_rate=Decimal("8.25"),
        position=1,
    )
    po = PurchaseOrderFactory(number="PO-1001", sales_order=order, stage=PurchaseOrder.Stage.CONFIRMED)
    po_mugs = PurchaseOrderItemFactory(purchase_order=po, sales_order_item=mugs, quantity=500)
    po_setup = PurchaseOrderItemFactory(purchase_order=po, sales_order_item=setup, quantity=1)
    return MugOrder(order, mugs, setup, po, po_mugs, po_setup)


@pytest.fixture
def next_week():
    return timezone.localdate() + timedelta(days=7)


@pytest.fixture
def fresh_heartbeats():
    """A worker and beat heard from just now, so /healthz answers for everything else it checks."""
    from django.core.cache import cache

    from config.celery import BEAT_TICK_KEY, WORKER_HEARTBEAT_KEY

    cache.set_many({BEAT_TICK_KEY: time.time(), WORKER_HEARTBEAT_KEY: time.time()}, timeout=None)
    yield
    cache.delete_many([BEAT_TICK_KEY, WORKER_HEARTBEAT_KEY])

"""Measure Money waiting at 100,000 invoices and 20,000 backorders: the page rendered against its own SQL.

    .venv/bin/python benchmarks/money_waiting.py [--database-url URL] [--invoices 100000]
        [--backorders 20000] [--repetitions 20] [--refill]

Fills the PostgreSQL database with `seed_demo --invoices N` and then N backorders (once; --refill
starts afresh): one purchase order per sales order chosen, one PO item per backorder, expected dates
from a month ago to three months ahead (one in twenty without a date), most of them open, with the
items' backordered counters kept equal to their open backorders.

Then, in this process, with DEBUG off and a manager signed in through Django's test client:

(a) the page rendered: GET /money-waiting/ through the whole middleware stack, median of N;
(b) its SQL alone: every statement the page ran (captured with CaptureQueriesContext) executed again
    on a plain psycopg connection, every row fetched, median of N;
(c) the ratio (a)/(b), target ≤ 1.5.

Rounds alternate (a) and (b) so a busy machine weighs on both alike. Prints the table and writes it
to benchmarks/results/money_waiting.md.
"""

import argparse
import os
import platform
import random
import secrets
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
RESULTS = ROOT / "benchmarks" / "results" / "money_waiting.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bd_dash"
TARGET_RATIO = 1.5
CHUNK = 5000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--backorders", type=int, default=20_000)
    parser.add_argument("--repetitions", type=int, default=20, help="Renders and SQL runs (the median is reported).")
    parser.add_argument("--refill", action="store_true", help="Drop the database and fill it again.")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args()

    environment = {
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SITE_URL": "http://testserver",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(environment)
    fill_invoices(args.database_url, args.invoices, refill=args.refill)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    fill_backorders(args.backorders)
    report = measure(args)
    print(report)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(report)
    print(f"\nWritten to {args.output}")
    return 0


def fill_invoices(database_url: str, invoices: int, *, refill: bool) -> None:
    """Create and migrate the database and seed the demo with its invoice history, unless it holds them."""
    import psycopg

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and refill:
            print(f"Dropping {name} to fill it afresh", flush=True)
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    run = {"cwd": ROOT, "env": os.environ.copy(), "check": True}
    subprocess.run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v", "0"], **run)
    # DEBUG off serves hashed static files, named in the manifest collectstatic writes.
    subprocess.run([str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v", "0"], **run)
    with psycopg.connect(database_url, autocommit=True) as connection:
        have = connection.execute("SELECT count(*) FROM invoicing_invoice").fetchone()[0]
    if have >= invoices:
        print(f"{name} already holds {have:,} invoices; not filling (use --refill to start afresh).")
        return
    print(f"Filling {name} with {invoices - have:,} invoices", flush=True)
    started = time.perf_counter()
    command = ["manage.py", "seed_demo", "--invoices", str(invoices - have), "--seed", "1", "--sign-ins-file", ""]
    subprocess.run([str(PYTHON), *command], **run)
    print(f"Filled in {time.perf_counter() - started:.0f} s", flush=True)


def fill_backorders(target: int) -> None:
    """Add open (and some closed) backorders on the history's orders until there are `target` of them."""
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from backorders.models import Backorder
    from projects.models import SalesOrderItem
    from purchasing.models import PurchaseOrder, PurchaseOrderItem, Supplier

    have = Backorder.objects.count()
    if have >= target:
        print(f"{have:,} backorders already; not adding any.")
        return
    started = time.perf_counter()
    rng = random.Random(16)
    today = timezone.localdate()
    suppliers = list(Supplier.objects.order_by("id"))
    by = User.objects.get(username="pat.production")
    used = set(PurchaseOrderItem.objects.values_list("sales_order_item_id", flat=True))
    items = list(
        SalesOrderItem.objects.exclude(pk__in=used)
        .filter(kind=SalesOrderItem.Kind.PRODUCT, quantity__gt=1)
        .order_by("?")
        .values_list("id", "sales_order_id", "sales_order__project_id", "quantity")[: target - have]
    )
    print(f"Adding {len(items):,} backorders", flush=True)
    number = PurchaseOrder.objects.count() + 90_000
    for first in range(0, len(items), CHUNK):
        chunk = items[first : first + CHUNK]
        with transaction.atomic():
            orders = {}
            for _item, sales_order, project, _quantity in chunk:
                if sales_order not in orders:
                    number += 1
                    orders[sales_order] = PurchaseOrder(
                        number=f"PO-{number}",
                        project_id=project,
                        sales_order_id=sales_order,
                        supplier=rng.choice(suppliers),
                        production_rep=by,
                        stage=PurchaseOrder.Stage.CONFIRMED,
                        status=PurchaseOrder.Status.PROBLEM,
                    )
            PurchaseOrder.objects.bulk_create(orders.values(), batch_size=1000)
            po_items = [
                PurchaseOrderItem(purchase_order=orders[sales_order], sales_order_item_id=item, quantity=quantity)
                for item, sales_order, _project, quantity in chunk
            ]
            PurchaseOrderItem.objects.bulk_create(po_items, batch_size=1000)
            backorders = []
            for po_item, (_item, _sales_order, _project, quantity) in zip(po_items, chunk, strict=True):
                roll = rng.random()
                expected = None if roll < 0.05 else today + timedelta(days=rng.randint(-30, 90))
                status = Backorder.Status.OPEN if roll < 0.85 else Backorder.Status.RESOLVED
                backorders.append(
                    Backorder(
                        purchase_order=po_item.purchase_order,
                        purchase_order_item=po_item,
                        quantity=rng.randint(1, quantity),
                        expected_date=expected,
                        first_expected_date=expected,
                        reason="Supplier short",
                        status=status,
                        raised_by=by,
                    )
                )
            Backorder.objects.bulk_create(backorders, batch_size=1000)
    # Each item's backordered counter is the sum of its open backorders, as the services keep it.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE projects_salesorderitem AS item SET backordered_quantity = open.quantity
            FROM (
                SELECT poi.sales_order_item_id AS item_id, SUM(b.quantity) AS quantity
                FROM backorders_backorder b JOIN projects_purchaseorderitem poi ON poi.id = b.purchase_order_item_id
                WHERE b.status = 'open' GROUP BY poi.sales_order_item_id
            ) AS open
            WHERE item.id = open.item_id
            """
        )
        cursor.execute("VACUUM ANALYZE")
    print(f"Added in {time.perf_counter() - started:.0f} s", flush=True)


def measure(args) -> str:
    import psycopg
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from backorders.models import Backorder
    from invoicing.models import Invoice
    from reports.money_waiting import money_waiting

    client = Client()
    client.force_login(User.objects.get(username="max.manager"))
    path = "/money-waiting/"
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.status_code
    # Kept now: every later request starts by clearing the connection's query log.
    captured_sql = [query["sql"] for query in captured.captured_queries]
    statements = [sql.encode() for sql in captured_sql]

    renders, sql = [], []
    with psycopg.connect(args.database_url, autocommit=True) as raw:
        for round_number in range(3 + args.repetitions):
            started = time.perf_counter()
            response = client.get(path)
            rendered = time.perf_counter() - started
            assert response.status_code == 200
            started = time.perf_counter()
            for statement in statements:
                raw.execute(statement).fetchall()
            direct = time.perf_counter() - started
            if round_number >= 3:  # the first rounds warm the caches of Python and PostgreSQL
                renders.append(rendered)
                sql.append(direct)
            print(f"  round {round_number + 1}: page {rendered * 1000:.1f} ms, SQL {direct * 1000:.1f} ms", flush=True)

    render_ms, sql_ms = statistics.median(renders) * 1000, statistics.median(sql) * 1000
    ratio = render_ms / sql_ms
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres_version = cursor.fetchone()[0]
    invoices = Invoice.objects.count()
    backorders = Backorder.objects.count()
    open_backorders = Backorder.objects.filter(status=Backorder.Status.OPEN).count()
    lines = [
        "# Money waiting benchmark",
        "",
        f"{invoices:,} invoices, {backorders:,} backorders ({open_backorders:,} open); PostgreSQL {postgres_version}; "
        f"Python {platform.python_version()}; {os.cpu_count()} CPUs; DEBUG off; in one process through Django's "
        f"test client. Median of {args.repetitions} rounds, each rendering the page then running its SQL "
        f"directly. Load average at the end: {os.getloadavg()[0]:.1f}.",
        "",
        f"| measure | ms | statements | ratio | ≤ {TARGET_RATIO}× |",
        "|---|---:|---:|---:|---|",
        f"| (a) GET {path}, rendered | {render_ms:.1f} | {len(statements)} | | |",
        f"| (b) its SQL alone (psycopg, rows fetched) | {sql_ms:.1f} | {len(statements)} | | |",
        f"| (c) a / b | | | {ratio:.2f} | {'yes' if ratio <= TARGET_RATIO else '**no**'} |",
        "",
    ]
    figures = money_waiting(today=timezone.localdate())
    if figures:
        lines += [
            f"Figures: ready to invoice now {figures.ready.ready_amount:,.2f} on {figures.ready.count:,} orders; "
            f"blocked by {figures.blocked_count:,} open backorders {figures.blocked_amount:,.2f}; "
            f"invoiced and unpaid {figures.unpaid_amount:,.2f} on {figures.unpaid_count:,} invoices.",
            "",
        ]
    lines += ["Statements:", ""] + [f"{index}. `{sql[:160]}…`" for index, sql in enumerate(captured_sql, 1)]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

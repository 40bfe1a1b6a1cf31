"""Measure the header search at 200,000 projects, sales orders, purchase orders and invoices.

    .venv/bin/python benchmarks/search.py [--database-url URL] [--rows 200000] [--repetitions 10] [--refill]

Fills the PostgreSQL database once (--refill starts it afresh): migrates it (the search's trigram and
number-prefix indexes included), loads the demo (users, clients, suppliers), then adds N projects, N
sales orders (most with a client's PO number), N purchase orders and N issued invoices in bulk, plus
2,000 clients and 200 suppliers, and runs VACUUM ANALYZE.

Then, in this process, with DEBUG off and a manager signed in through Django's test client, for each
query below (a client's name, a project's name, part of a number, digits, a client's PO number, a
supplier, a prefix that every invoice shares, and a query that matches nothing):

(a) the results page rendered: GET /search/?q=... through the whole middleware stack, median of N;
(b) its SQL alone: every statement the page ran (captured), executed again on a plain psycopg
    connection, every row fetched, median of N;
(c) the ratio (a)/(b);

and the EXPLAIN (ANALYZE, BUFFERS) of each query's slowest statement, with the indexes it used. Rounds
alternate (a) and (b) so a busy machine weighs on both alike. Prints the figures; --output also writes
them to a file.
"""

import argparse
import os
import platform
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlencode, urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import execution_ms  # noqa: E402 - the helper module sits beside this script

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bd_search_bench"
MAX_ROWS = 200_000  # the machine is shared: no more than this
CHUNK = 10_000
TARGET_MS = 200
TARGET_RATIO = 1.2
INDEX_IN_PLAN = re.compile(r"Scan(?: Backward)? using (\w+)|Bitmap Index Scan on (\w+)")

QUERIES = [
    ("a client's name", "Nor"),
    ("a project's name", "holiday gifts"),
    ("part of a number", "SO-2123"),
    ("digits", "4321"),
    ("a client's PO number", "REQ-77"),
    ("a supplier", "Beacon"),
    ("a prefix every invoice shares", "INV-0"),
    ("nothing matches", "Zebra stripes"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--rows", type=int, default=MAX_ROWS, help="Projects, orders, POs and invoices of each.")
    parser.add_argument("--repetitions", type=int, default=10, help="Renders and SQL runs (the median is reported).")
    parser.add_argument("--refill", action="store_true", help="Drop the database and fill it again.")
    parser.add_argument("--output", default="", help="Also write the figures to this file.")
    args = parser.parse_args()
    if args.rows > MAX_ROWS:
        parser.error(f"--rows: at most {MAX_ROWS:,} on this machine.")

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
    prepare(args.database_url, refill=args.refill)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    fill(args.rows)
    report = measure(args)
    print(report)
    if args.output:
        Path(args.output).write_text(report)
        print(f"\nWritten to {args.output}")
    return 0


def prepare(database_url: str, *, refill: bool) -> None:
    """Create and migrate the database and load the demo, unless it is there already."""
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
    subprocess.run([str(PYTHON), "manage.py", "seed_demo", "--if-empty", "--seed", "1", "--sign-ins-file", ""], **run)


def fill(rows: int, *, order_reps: int = 1, purchase_orders: int | None = None) -> None:
    """Add projects, sales orders, POs and issued invoices in bulk until there are `rows` of each.

    `order_reps` spreads the projects over that many of the demo's order reps (at most 4); `purchase_orders`
    caps the purchase orders at that many in all, spread evenly over the orders (one per order without it).
    """
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from invoicing.models import Invoice, InvoiceNumberSequence
    from invoicing.services.issue import SEQUENCE_NAME, invoice_number
    from projects.models import Client, Project, SalesOrder
    from purchasing.models import PurchaseOrder, Supplier
    from reports.demo.data import OTHER_ORDER_REPS, PROJECT_NAMES

    have = Invoice.objects.count()
    if have >= rows:
        print(f"{have:,} invoices already; not adding any.", flush=True)
        return
    started = time.perf_counter()
    rng = random.Random(24)
    today = timezone.localdate()
    words = ["Harbor", "Summit", "Cedar", "Granite", "Willow", "Falcon", "Pioneer", "Silver", "Prairie", "Atlas"]
    kinds = ["Dental", "Brewing", "Logistics", "Realty", "Athletics", "Foods", "Clinic", "Academy", "Credit", "Labs"]
    Client.objects.bulk_create(
        [
            Client(name=f"{rng.choice(words)} {rng.choice(kinds)} {index:04d}", billing_email=f"ap{index}@example.com")
            for index in range(2_000)
        ],
        ignore_conflicts=True,
    )
    Supplier.objects.bulk_create(
        [Supplier(name=f"{rng.choice(words)} Supply {index:03d}") for index in range(200)], ignore_conflicts=True
    )
    clients = list(Client.objects.order_by("id"))
    suppliers = list(Supplier.objects.order_by("id"))
    rep_names = ["sam.sales", *(name for name, _first, _last in OTHER_ORDER_REPS)][: max(1, order_reps)]
    reps = [User.objects.get(username=name) for name in rep_names]
    production_rep = User.objects.get(username="pat.production")
    invoicing_rep = User.objects.get(username="ivy.invoicing")
    sequence, _ = InvoiceNumberSequence.objects.get_or_create(name=SEQUENCE_NAME)
    first_sequence = sequence.last_value
    added = rows - have
    po_total = added if purchase_orders is None else max(0, purchase_orders - PurchaseOrder.objects.count())
    po_every = max(1, added // po_total) if po_total else 0
    base = 200_000 + have  # numbers go on from where an earlier, smaller fill stopped
    print(f"Adding {added:,} projects, sales orders, purchase orders and invoices", flush=True)
    for first in range(0, added, CHUNK):
        size = min(CHUNK, added - first)
        with transaction.atomic():
            projects = []
            for offset in range(size):
                client = rng.choice(clients)
                projects.append(
                    Project(
                        number=f"P-{base + first + offset}",
                        name=f"{client.name.split()[0]} {rng.choice(PROJECT_NAMES)}",
                        client=client,
                        order_rep=reps[0] if len(reps) == 1 else rng.choice(reps),
                        production_rep=production_rep,
                        invoicing_rep=invoicing_rep,
                    )
                )
            Project.objects.bulk_create(projects, batch_size=2000)
            orders = [
                SalesOrder(
                    number=f"SO-{base + first + offset}",
                    project=project,
                    status=SalesOrder.Status.INVOICED,
                    client_po_number=(
                        "" if rng.random() < 0.2 else f"{rng.choice(['REQ', '4500', 'PO'])}-{rng.randint(1, 999_999)}"
                    ),
                )
                for offset, project in enumerate(projects)
            ]
            SalesOrder.objects.bulk_create(orders, batch_size=2000)
            PurchaseOrder.objects.bulk_create(
                [
                    PurchaseOrder(
                        number=f"PO-{base + first + offset}",
                        project=order.project,
                        sales_order=order,
                        supplier=rng.choice(suppliers),
                        production_rep=production_rep,
                        stage=PurchaseOrder.Stage.BILLED,
                    )
                    for offset, order in enumerate(orders)
                    if po_every and (first + offset) % po_every == 0 and (first + offset) // po_every < po_total
                ],
                batch_size=2000,
            )
            invoices = []
            for offset, order in enumerate(orders):
                sequence_number = first_sequence + first + offset + 1
                day = today - timedelta(days=rng.randint(0, 3650))
                total = Decimal(rng.randint(5_000, 500_000)) / 100
                invoices.append(
                    Invoice(
                        number=invoice_number(sequence_number),
                        sequence_number=sequence_number,
                        sales_order=order,
                        client_id=order.project.client_id,
                        date=day,
                        due_date=day + timedelta(days=30),
                        kind=Invoice.Kind.FINAL,
                        status=Invoice.Status.PAID,
                        subtotal=total,
                        tax=Decimal("0.00"),
                        total=total,
                        paid_amount=total,
                        issued_by=invoicing_rep,
                    )
                )
            Invoice.objects.bulk_create(invoices, batch_size=2000)
            InvoiceNumberSequence.objects.filter(name=SEQUENCE_NAME).update(last_value=first_sequence + first + size)
        print(f"  {first + size:,} of {added:,}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"Added in {time.perf_counter() - started:.0f} s", flush=True)


def fill_backorders(count: int, *, open_one_in: int = 20) -> None:
    """Give each purchase order without lines one line (and its sales-order item) and spread `count` backorders
    over them, in bulk, once; the items' counters are written as the services would keep them.

    The newest POs (one in `open_one_in`) are still in production: Confirmed, flagged (Problem or Follow Up,
    the rest declared shipping) with their backorders open and the rest of the item invoiced. The others are
    history: Billed, their backorders resolved (one in 20 cancelled) and the rest invoiced. The invoiced part
    is a line on the order's invoice, so `check_books` recomputes the same counters.
    """
    from django.contrib.auth.models import User
    from django.db import connection, transaction
    from django.utils import timezone

    from backorders.models import Backorder
    from invoicing.models import Invoice, InvoiceLine
    from projects.models import SalesOrder, SalesOrderItem
    from purchasing.models import PurchaseOrder, PurchaseOrderItem

    have = Backorder.objects.count()
    if have >= count:
        print(f"{have:,} backorders already; not adding any.", flush=True)
        return
    started = time.perf_counter()
    rng = random.Random(25)
    pos = list(
        PurchaseOrder.objects.filter(items__isnull=True)
        .order_by("id")
        .values_list("id", "sales_order_id", "supplier_id")
    )
    if not pos:
        print("No purchase order without lines to put backorders on.", flush=True)
        return
    invoice_of = dict(
        Invoice.objects.filter(sales_order_id__in=[so for _po, so, _s in pos]).values_list("sales_order_id", "id")
    )
    production = User.objects.get(username="pat.production")
    today = timezone.localdate()
    per_po, extra = divmod(count - have, len(pos))
    first_open = len(pos) - max(1, len(pos) // open_one_in)
    print(f"Adding {count - have:,} backorders on {len(pos):,} purchase orders", flush=True)
    for first in range(0, len(pos), CHUNK):
        chunk = pos[first : first + CHUNK]
        with transaction.atomic():
            plans = []  # (po, order, supplier, quantity, price, [(quantity, status, expected)], open?)
            for offset, (po_id, order_id, supplier_id) in enumerate(chunk):
                index = first + offset
                is_open = index >= first_open
                quantity = rng.randint(400, 4000)
                shortages = []
                for _ in range(per_po + (1 if index < extra else 0)):
                    short = rng.randint(1, quantity // 10)
                    if is_open:
                        status = Backorder.Status.OPEN
                        expected = today + timedelta(days=rng.randint(-20, 40))
                    else:
                        status = Backorder.Status.CANCELLED if rng.random() < 0.05 else Backorder.Status.RESOLVED
                        expected = today - timedelta(days=rng.randint(30, 3650))
                    shortages.append((short, status, expected))
                price = Decimal(rng.randint(150, 2500)) / 100
                plans.append((po_id, order_id, supplier_id, quantity, price, shortages, is_open))
            items = SalesOrderItem.objects.bulk_create(
                [
                    SalesOrderItem(
                        sales_order_id=order_id,
                        position=0,
                        description="Tote bag, 1-colour print",
                        quantity=quantity,
                        unit_price=price,
                        unit_cost=(price * Decimal("0.6")).quantize(Decimal("0.01")),
                        tax_rate=Decimal("0.00"),
                        invoiced_quantity=quantity - counted(shortages, "open", "cancelled"),
                        backordered_quantity=counted(shortages, "open"),
                        cancelled_quantity=counted(shortages, "cancelled"),
                        purchased_quantity=quantity,
                        shipped_quantity=quantity,  # Billed, or the rest declared shipping when it was flagged
                    )
                    for _po, order_id, _s, quantity, price, shortages, _open in plans
                ],
                batch_size=2000,
            )
            po_items = PurchaseOrderItem.objects.bulk_create(
                [
                    PurchaseOrderItem(purchase_order_id=plan[0], sales_order_item=item, quantity=plan[3])
                    for plan, item in zip(plans, items, strict=True)
                ],
                batch_size=2000,
            )
            InvoiceLine.objects.bulk_create(
                [
                    InvoiceLine(
                        invoice_id=invoice_of[item.sales_order_id],
                        sales_order_item=item,
                        description=item.description,
                        quantity=item.invoiced_quantity,
                        unit_price=item.unit_price,
                        tax_rate=item.tax_rate,
                        amount=(item.unit_price * item.invoiced_quantity).quantize(Decimal("0.01")),
                        tax=Decimal("0.00"),
                    )
                    for item in items
                    if item.sales_order_id in invoice_of and item.invoiced_quantity > 0
                ],
                batch_size=2000,
            )
            backorders = []
            for plan, po_item in zip(plans, po_items, strict=True):
                for short, status, expected in plan[5]:
                    closed = None
                    if status != Backorder.Status.OPEN:
                        closed = timezone_at(expected + timedelta(days=rng.randint(-5, 20)))
                    backorders.append(
                        Backorder(
                            purchase_order_id=plan[0],
                            purchase_order_item=po_item,
                            quantity=short,
                            expected_date=expected,
                            first_expected_date=expected - timedelta(days=rng.choice([0, 0, 0, 3, 7])),
                            reason="Supplier short on stock",
                            status=status,
                            raised_by=production,
                            closed_at=closed,
                            closed_by=production if closed else None,
                            cancel_reason="The supplier discontinued the colour"
                            if status == Backorder.Status.CANCELLED
                            else "",
                        )
                    )
            Backorder.objects.bulk_create(backorders, batch_size=2000)
            open_pos = [plan[0] for plan in plans if plan[6]]
            if open_pos:
                PurchaseOrder.objects.filter(id__in=open_pos).update(
                    stage=PurchaseOrder.Stage.CONFIRMED,
                    status=PurchaseOrder.Status.PROBLEM,
                    rest_ships_declared_at=timezone_at(today - timedelta(days=3)),
                )
                SalesOrder.objects.filter(id__in=[plan[1] for plan in plans if plan[6]]).update(
                    status=SalesOrder.Status.IN_PRODUCTION
                )
        print(f"  {min(first + CHUNK, len(pos)):,} of {len(pos):,} purchase orders", flush=True)
    with connection.cursor() as cursor:
        # The backorders were raised over the years: when they were expected, less a few weeks.
        cursor.execute(
            "UPDATE backorders_backorder SET created_at = LEAST(now(), first_expected_date - 21 + time '09:00')"
        )
        cursor.execute(
            """
            UPDATE projects_purchaseorder po SET created_at = b.raised, updated_at = b.raised
            FROM (SELECT purchase_order_id, min(created_at) - interval '5 days' AS raised
                  FROM backorders_backorder GROUP BY purchase_order_id) b
            WHERE b.purchase_order_id = po.id
            """
        )
        cursor.execute("UPDATE projects_purchaseorder SET status = 'follow_up' WHERE status = 'problem' AND id % 2 = 0")
        cursor.execute("VACUUM ANALYZE")
    print(f"Added in {time.perf_counter() - started:.0f} s", flush=True)


def counted(shortages, *statuses: str) -> int:
    """The backordered quantity of those shortages in one of these statuses."""
    return sum(quantity for quantity, status, _expected in shortages if status in statuses)


def timezone_at(day):
    """Noon of a day in the company's zone, as an aware datetime."""
    from datetime import datetime
    from datetime import time as clock

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, clock(12)))


def measure(args) -> str:
    import psycopg
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from invoicing.models import Invoice
    from projects.models import Project, SalesOrder
    from purchasing.models import PurchaseOrder

    client = Client()
    client.force_login(User.objects.get(username="max.manager"))
    cases = []
    for label, query in QUERIES:
        path = "/search/?" + urlencode({"q": query})
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        shown = len(re.findall(rb'<tr>\s*<td><a href="/', response.content))
        cases.append((label, query, path, [q["sql"] for q in captured.captured_queries], shown))

    figures = []
    with psycopg.connect(args.database_url, autocommit=True) as raw:
        for label, query, path, statements, shown in cases:
            renders, sql, each = [], [], [[] for _ in statements]
            for round_number in range(2 + args.repetitions):
                started = time.perf_counter()
                response = client.get(path)
                rendered = time.perf_counter() - started
                assert response.status_code == 200
                direct = 0.0
                for index, statement in enumerate(statements):
                    started = time.perf_counter()
                    raw.execute(statement.encode()).fetchall()
                    elapsed = time.perf_counter() - started
                    direct += elapsed
                    if round_number >= 2:
                        each[index].append(elapsed)
                if round_number >= 2:  # the first rounds warm the caches of Python and PostgreSQL
                    renders.append(rendered)
                    sql.append(direct)
            # The slowest by PostgreSQL's own execution time: sub-millisecond round trips are mostly noise.
            plans = [
                "\n".join(row[0] for row in raw.execute(b"EXPLAIN (ANALYZE, BUFFERS) " + sql.encode()).fetchall())
                for sql in statements
            ]
            slowest = max(range(len(statements)), key=lambda index: execution_ms(plans[index]))
            plan = plans[slowest]
            figures.append(
                (
                    label,
                    query,
                    statistics.median(renders) * 1000,
                    statistics.median(sql) * 1000,
                    len(statements),
                    shown,
                    statistics.median(each[slowest]) * 1000,
                    plan,
                )
            )
            render_ms, sql_ms = figures[-1][2], figures[-1][3]
            print(f"  {query!r}: page {render_ms:.1f} ms, SQL {sql_ms:.1f} ms", flush=True)

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres_version = cursor.fetchone()[0]
    counts = (
        f"{Project.objects.count():,} projects, {SalesOrder.objects.count():,} sales orders, "
        f"{PurchaseOrder.objects.count():,} purchase orders, {Invoice.objects.count():,} invoices"
    )
    lines = [
        "# Header search benchmark",
        "",
        f"{counts}; PostgreSQL {postgres_version}; Python {platform.python_version()}; {os.cpu_count()} CPUs; "
        f"DEBUG off; in one process through Django's test client. Median of {args.repetitions} rounds, each "
        f"rendering the page then running its SQL directly. Load average at the end: {os.getloadavg()[0]:.1f}.",
        "",
        f"| query | q | (a) page ms | (b) SQL ms | statements | (c) a/b | rows shown | slowest statement ms "
        f"| < {TARGET_MS} ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for label, query, render_ms, sql_ms, statements, shown, slowest_ms, _plan in figures:
        lines.append(
            f"| {label} | `{query}` | {render_ms:.1f} | {sql_ms:.1f} | {statements} | {render_ms / sql_ms:.2f} | "
            f"{shown} | {slowest_ms:.1f} | {'yes' if render_ms < TARGET_MS else '**no**'} |"
        )
    lines.append("")
    lines.append("## The slowest statement of each query, EXPLAIN (ANALYZE, BUFFERS)")
    for label, query, *_figures, plan in figures:
        used = sorted({a or b for a, b in INDEX_IN_PLAN.findall(plan)})
        lines += ["", f"### {label}: `{query}` (indexes: {', '.join(used) or 'none'})", "", "```", plan, "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

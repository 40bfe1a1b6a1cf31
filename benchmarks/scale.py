"""Every page a manager opens, and every API list, at a million invoices: each page against its own SQL.

    .venv/bin/python benchmarks/scale.py [--database-url URL] [--invoices 1000000] [--backorders 200000]
                                         [--purchase-orders 50000] [--order-reps 4] [--repetitions 5] [--refill]

Fills its own database once (--refill starts it afresh; without it an existing fill is reused and only
what is missing is added) with the history of benchmarks/search.py: the demo, then projects, sales orders
and issued, paid invoices in bulk over ten years, spread over the demo's order reps (--order-reps, at
most 4), with purchase orders on --purchase-orders of the orders; then benchmarks/search.py's
`fill_backorders` puts --backorders backorders on those POs (one sales-order item, PO line and
invoice line each, the items' counters kept as the services keep them, so `manage.py check_books`
passes), and benchmarks/aging.py's `receivables` makes it an AR history (each paid invoice with its
payment, one in 50 left owing). VACUUM ANALYZE after each step, and again before measuring. At
1,000,000 invoices the fill takes about 20 minutes of one core and 1.4 GB.

Then, in this process, with DEBUG off and each role's demo user signed in through Django's test client,
for every page of issue 24's list (the Invoices Report first, last, by client, by order rep, by a date
range, by status; its API; Money waiting; AR aging; each role's desk; the Backorders report; supplier
performance; the header search; every API list):

(a) the page rendered through the whole middleware stack, median of N;
(b) its SQL alone: every statement the page ran, executed again on a plain psycopg connection, median;
(c) the ratio (a)/(b), against the targets (under 200 ms, within 1.2x);

with the figure issue 24 gave before, the machine's load average as each row was measured, and the
EXPLAIN (ANALYZE, BUFFERS) of each page's slowest statement. Prints the figures and writes them to
benchmarks/results/scale.md (--output). The load test at this size is benchmarks/load.py
--database-url (README, Benchmarks).
"""

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import page_against_sql  # noqa: E402 - the helper module sits beside this script

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bd_scale"
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results" / "scale.md"
TARGET_MS = 200
TARGET_RATIO = 1.2
MAX_INVOICES = 1_000_000

# What issue 24 measured before, on the same machine at 1,000,006 invoices (median of 5, server time).
BEFORE_MS = {
    "Invoices Report, first page": 948,
    "Invoices Report, one client": 617,
    "Invoices Report, one client and a year": 598,
    "Invoices Report API, first page": 942,
    "Invoices Report API, last page": 954,
    "Money waiting": 516,
    "AR aging as of today": 6412,
    "My desk: invoicing (ivy.invoicing)": 503,
    'Header search "Nor"': 7330,
    "API /api/invoices/": 82,
}

API_LISTS = [
    "users",
    "clients",
    "suppliers",
    "projects",
    "sales-orders",
    "purchase-orders",
    "backorders",
    "notes",
    "invoices",
    "payments",
    "credit-notes",
    "notifications",
]


def load_benchmark(name: str):
    """A benchmark script beside this one, as a module (benchmarks/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f"{name}_benchmark", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--invoices", type=int, default=MAX_INVOICES, help="Invoices in the history.")
    parser.add_argument("--backorders", type=int, default=200_000)
    parser.add_argument("--purchase-orders", type=int, default=50_000)
    parser.add_argument("--order-reps", type=int, default=4, help="Order reps the projects are spread over (1-4).")
    parser.add_argument("--repetitions", type=int, default=5, help="Renders and SQL runs (the median is reported).")
    parser.add_argument("--refill", action="store_true", help="Drop the database and fill it again.")
    parser.add_argument("--fill-only", action="store_true", help="Fill the database and stop.")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="Where to write the figures ('' for nowhere).")
    args = parser.parse_args()
    if args.invoices > MAX_INVOICES:
        parser.error(f"--invoices: at most {MAX_INVOICES:,}.")
    if args.purchase_orders > args.invoices:
        parser.error("--purchase-orders: at most one per order, so at most --invoices.")

    history, aging = load_benchmark("search"), load_benchmark("aging")
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DEBUG": "0",
            "SECRET_KEY": "scale-benchmark-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "SITE_URL": "http://testserver",
            "SECURE_SSL_REDIRECT": "0",
            "LOG_LEVEL": "WARNING",
        }
    )
    history.prepare(args.database_url, refill=args.refill)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    history.fill(args.invoices, order_reps=args.order_reps, purchase_orders=args.purchase_orders)
    history.fill_backorders(args.backorders)
    aging.receivables()
    if args.fill_only:
        return 0
    with connection.cursor() as cursor:
        # Fresh statistics whatever ran since the fill (a load test's rows; a cluster without autovacuum).
        cursor.execute("VACUUM ANALYZE")
    report = measure(args)
    print(report)
    if args.output:
        Path(args.output).write_text(report)
        print(f"\nWritten to {args.output}")
    return 0


def cases(today) -> list[tuple[str, str, str]]:
    """(label, username, path) of every page measured."""
    from django.contrib.auth.models import User
    from django.urls import reverse

    from projects.models import Client, Project

    report = reverse("invoice-report")
    client = Client.objects.order_by("id").values_list("id", flat=True)[100]
    rep = User.objects.get(username="nora.sales").pk
    assert Project.objects.filter(order_rep_id=rep).exists(), "the history has one order rep: fill it with several"
    year = f"date_from={(today - timedelta(days=365)).isoformat()}&date_to={today.isoformat()}"
    quarter = (
        f"date_from={(today - timedelta(days=455)).isoformat()}&date_to={(today - timedelta(days=365)).isoformat()}"
    )
    manager = "max.manager"
    rows = [
        ("Invoices Report, first page", manager, report),
        ("Invoices Report, last page", manager, report + "?page=last"),
        ("Invoices Report, one client", manager, report + f"?client={client}"),
        ("Invoices Report, one client and a year", manager, report + f"?client={client}&{year}"),
        ("Invoices Report, one order rep", manager, report + f"?rep={rep}"),
        ("Invoices Report, a quarter a year ago", manager, report + f"?{quarter}"),
        ("Invoices Report, status open", manager, report + "?status=open"),
        ("Invoices Report, status paid", manager, report + "?status=paid"),
        ("Invoices Report API, first page", manager, "/api/reports/invoices/"),
        ("Invoices Report API, last page", manager, "/api/reports/invoices/?page=last"),
        ("Invoices Report API, one order rep", manager, f"/api/reports/invoices/?rep={rep}"),
        ("Money waiting", manager, reverse("money-waiting")),
        ("AR aging as of today", manager, reverse("invoice-aging")),
        ("AR aging as of 90 days ago", manager, reverse("invoice-aging") + f"?as_of={today - timedelta(days=90)}"),
        ("My desk: sales (sam.sales)", "sam.sales", reverse("desk")),
        ("My desk: production (pat.production)", "pat.production", reverse("desk")),
        ("My desk: invoicing (ivy.invoicing)", "ivy.invoicing", reverse("desk")),
        ("My desk: manager (max.manager)", manager, reverse("desk")),
        ("Backorders report", manager, reverse("backorder-report")),
        ("Supplier performance", manager, reverse("supplier-performance")),
    ]
    for query in ("Nor", "holiday gifts", "REQ-77", "Beacon", "SO-2123"):
        rows.append((f'Header search "{query}"', manager, reverse("search") + "?q=" + query.replace(" ", "+")))
    rows += [(f"API /api/{name}/", manager, f"/api/{name}/") for name in API_LISTS]
    return rows


def measure(args) -> str:
    import psycopg
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from backorders.models import Backorder
    from invoicing.models import Invoice, Payment
    from projects.models import Project
    from purchasing.models import PurchaseOrder

    today = timezone.localdate()
    clients: dict[str, Client] = {}
    rows, plans, figures = [], [], []
    # The same session settings as the desk's own connections (config/settings.py: no JIT).
    with psycopg.connect(args.database_url, autocommit=True, options="-c jit=off") as raw:
        for label, username, path in cases(today):
            if username not in clients:
                clients[username] = Client()
                clients[username].force_login(User.objects.get(username=username))
            _response, page, own, (slowest_ms, plan), statements = page_against_sql(
                clients[username], path, raw, args.repetitions
            )
            load = os.getloadavg()[0]
            before = BEFORE_MS.get(label)
            ratio = page / own if own else float("inf")
            met = page < TARGET_MS and ratio <= TARGET_RATIO
            figures.append((label, page, own, ratio, met))
            rows.append(
                f"| {label} | `{path}` | {f'{before:,}' if before else ''} | {page:.1f} | {own:.1f} | {ratio:.2f}x "
                f"| {statements} | {slowest_ms:.1f} | {'yes' if page < TARGET_MS else '**no**'} "
                f"| {'yes' if ratio <= TARGET_RATIO else '**no**'} | {load:.1f} |"
            )
            print(f"  {label}: page {page:.1f} ms, SQL {own:.1f} ms, {ratio:.2f}x (load {load:.1f})", flush=True)
            plans.append(f"### {label}: the slowest statement ({slowest_ms:.1f} ms)\n\n```\n{plan}\n```")
        size = raw.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]
        version = raw.execute("SHOW server_version").fetchone()[0]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    reps = Project.objects.values("order_rep").distinct().count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM invoicing_invoice WHERE owed_amount > 0")
        owing = cursor.fetchone()[0]
    slow = [label for label, page, *_ in figures if page >= TARGET_MS]
    loose = [label for label, _page, _own, ratio, _met in figures if ratio > TARGET_RATIO]
    lines = [
        "# A million invoices: every page against its own SQL",
        "",
        f"{Invoice.objects.count():,} invoices ({owing:,} owing), {Payment.objects.count():,} payments, "
        f"{Project.objects.count():,} projects over {reps} order reps, {PurchaseOrder.objects.count():,} purchase "
        f"orders, {Backorder.objects.count():,} backorders "
        f"({Backorder.objects.filter(status=Backorder.Status.OPEN).count():,} open); database {size}, PostgreSQL "
        f"{version}. Commit {commit}; {platform.node()}, {os.cpu_count()} cores shared with other work (the load "
        f"average is given with each row); Python {platform.python_version()}, DEBUG off, each role's demo user "
        f"signed in through Django's test client; median of {args.repetitions} renders, each followed by the "
        f"page's statements run again on a plain connection. Command: `{' '.join(['python', *sys.argv])}`; "
        f"measured {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC.",
        "",
        f"Targets: each page under {TARGET_MS} ms and within {TARGET_RATIO}x of its own SQL. "
        f"{len(figures) - len(slow)} of {len(figures)} pages under {TARGET_MS} ms; "
        f"{len(figures) - len(loose)} of {len(figures)} within {TARGET_RATIO}x.",
        "",
        f"Over {TARGET_MS} ms: {'; '.join(slow) or 'none'}.",
        "",
        f"Over {TARGET_RATIO}x of their SQL: {'; '.join(loose) or 'none'}.",
        "",
        "| page | path | before (issue 24) ms | page ms | its SQL ms | page / SQL | statements "
        f"| slowest statement ms | < {TARGET_MS} ms | ≤ {TARGET_RATIO}x | load avg |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---|---:|",
        *rows,
        "",
        "## Each page's slowest statement, EXPLAIN (ANALYZE, BUFFERS)",
        "",
        *plans,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

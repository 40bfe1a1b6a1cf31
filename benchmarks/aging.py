"""Measure AR aging and Money waiting over a long, mostly paid history: each page against its own SQL.

    .venv/bin/python benchmarks/aging.py [--database-url URL] [--rows 200000] [--repetitions 10] [--refill]

Fills its own database with the history benchmarks/search.py writes (N projects, orders, POs and
invoices over ten years, every invoice paid; up to 1,000,000, several minutes and a few GB at that
size), and makes it an AR history: each paid invoice gets its payment row, dated 25 days after the
invoice (today at the latest), and one invoice in 50 is left owing (no payment). Then VACUUM ANALYZE.

Then, with DEBUG off and a manager signed in through Django's test client, for AR aging as of today and
as of 90 days ago:

(a) the page rendered: GET /invoices/aging/?as_of=..., through the whole middleware stack, median of N;
(b) its SQL alone: every statement the page ran, executed again on a plain psycopg connection, median;
(c) the ratio (a)/(b);
(d) the statement the aging ran before the owed invoices were kept (every issued invoice dated by the
    day, its balance computed, then filtered), executed the same way: what the page's SQL was;

and the same (a) to (c) for Money waiting (the managers' home), the Invoices Report's first page and
one client's, the API's first page of invoices and a manager's desk, with the EXPLAIN (ANALYZE,
BUFFERS) of each page's slowest statement. Prints the figures; --output also writes them to a file.
"""

import argparse
import importlib.util
import os
import platform
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import page_against_sql  # noqa: E402 - the helper module sits beside this script

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bd_aging_bench"
MAX_ROWS = 1_000_000
TARGET_MS = 200
TARGET_RATIO = 1.2
OWING_ONE_IN = 50


def load_search_benchmark():
    """benchmarks/search.py, whose history this benchmark reads."""
    spec = importlib.util.spec_from_file_location("search_benchmark", Path(__file__).with_name("search.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    history = load_search_benchmark()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--rows", type=int, default=200_000, help="Invoices in the history.")
    parser.add_argument("--repetitions", type=int, default=10, help="Renders and SQL runs (the median is reported).")
    parser.add_argument("--refill", action="store_true", help="Drop the database and fill it again.")
    parser.add_argument("--output", default="", help="Also write the figures to this file.")
    args = parser.parse_args()
    if args.rows > MAX_ROWS:
        parser.error(f"--rows: at most {MAX_ROWS:,}.")

    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DEBUG": "0",
            "SECRET_KEY": "aging-benchmark-" + "x" * 40,
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
    history.fill(args.rows)
    receivables()
    report = measure(args)
    print(report)
    if args.output:
        Path(args.output).write_text(report)
        print(f"\nWritten to {args.output}")
    return 0


def receivables() -> None:
    """A payment row for each paid invoice, and one invoice in 50 left owing; once."""
    from django.db import connection

    with connection.cursor() as cursor:
        # No payment is dated in the future: one paid within 25 days of a recent invoice was paid today.
        cursor.execute("UPDATE invoicing_payment SET date = current_date WHERE date > current_date")
        cursor.execute("SELECT count(*) FROM invoicing_payment")
        if cursor.fetchone()[0] >= 1000:
            print("Payments already recorded; the receivables are as they were.", flush=True)
            return
        started = time.perf_counter()
        cursor.execute(
            """
            UPDATE invoicing_invoice SET paid_amount = 0, status = 'open'
            WHERE status = 'paid' AND id %% %s = 0
            """,
            [OWING_ONE_IN],
        )
        cursor.execute(
            """
            INSERT INTO invoicing_payment (invoice_id, date, amount, method, reference, recorded_by_id,
                                           created_at, updated_at)
            SELECT id, LEAST(date + 25, current_date), paid_amount, 'ach', '', issued_by_id, now(), now()
            FROM invoicing_invoice WHERE paid_amount > 0
            """
        )
        cursor.execute("VACUUM ANALYZE invoicing_invoice")
        cursor.execute("VACUUM ANALYZE invoicing_payment")
    print(f"Payments recorded and one invoice in {OWING_ONE_IN} left owing in {time.perf_counter() - started:.0f} s")


def old_statement(as_of) -> str:
    """The aging's statement as it was: every issued invoice dated by the day, its balance then filtered."""
    from django.db import connection
    from django.db.models import Count, F, Sum, Value
    from django.db.models.functions import Coalesce

    from invoicing.aging import BUCKETS, MONEY_OUTPUT, ZERO, _sum_after
    from invoicing.models import CreditNote, Invoice, Payment

    balance = (
        F("total")
        - F("credited_amount")
        - F("paid_amount")
        + _sum_after(Payment, as_of, "amount")
        + _sum_after(CreditNote, as_of, "total")
    )
    sums = {
        bucket.key: Coalesce(
            Sum("open_balance", filter=bucket.condition(as_of)), Value(ZERO), output_field=MONEY_OUTPUT
        )
        for bucket in BUCKETS
    }
    rows = (
        Invoice.objects.exclude(status__in=(Invoice.Status.DRAFT, Invoice.Status.VOID))
        .filter(date__lte=as_of)
        .annotate(open_balance=balance)
        .filter(open_balance__gt=0)
        .values(owner_id=F("sales_order__project__client_id"), client_name=F("sales_order__project__client__name"))
        .annotate(**sums, total=Sum("open_balance"), invoice_count=Count("id"))
        .order_by("client_name", "owner_id")
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        return cursor.mogrify(sql, params)


def measure(args) -> str:
    import psycopg
    from django.contrib.auth.models import User
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from invoicing.models import Invoice, Payment
    from projects.models import Client as Client_

    client = Client()
    client.force_login(User.objects.get(username="max.manager"))
    today = timezone.localdate()
    lines = [
        "# AR aging and the managers' pages over a long, mostly paid history",
        "",
        f"{Invoice.objects.count():,} invoices, {Invoice.objects.filter(owed_amount__gt=0).count():,} owing, "
        f"{Payment.objects.count():,} payments; {platform.node()}, {os.cpu_count()} cores; median of "
        f"{args.repetitions}.",
        "",
        "| page | ms | its SQL ms | page / SQL | old statement ms | old / new SQL | rows shown |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    plans = []
    # The same session settings as the desk's own connections (config/settings.py: no JIT).
    with psycopg.connect(args.database_url, autocommit=True, options="-c jit=off") as raw:
        for label, as_of in (("today", today), ("90 days ago", today - timedelta(days=90))):
            path = reverse("invoice-aging") + f"?as_of={as_of.isoformat()}"
            response, page, own, (slowest_ms, plan), _statements = page_against_sql(client, path, raw, args.repetitions)
            previous = old_statement(as_of)
            old = []
            for _ in range(max(3, args.repetitions // 3)):
                started = time.perf_counter()
                raw.execute(previous).fetchall()
                old.append((time.perf_counter() - started) * 1000)
            before = statistics.median(old)
            clients = response.content.count(b"<tr data-client=")
            lines.append(
                f"| AR aging as of {label} | {page:.1f} | {own:.1f} | {page / own:.2f}x | {before:.1f} "
                f"| {before / own:.0f}x | {clients} |"
            )
            plans.append(f"## AR aging as of {label}: the slowest statement ({slowest_ms:.1f} ms)\n\n```\n{plan}\n```")
        one_client = Client_.objects.order_by("id").values_list("id", flat=True)[100]
        for label, path in (
            ("Money waiting", reverse("money-waiting")),
            ("Invoices Report, first page", reverse("invoice-report")),
            ("Invoices Report, one client", reverse("invoice-report") + f"?client={one_client}"),
            ("API invoices, first page", "/api/invoices/"),
            ("My desk (a manager)", reverse("desk")),
        ):
            response, page, own, (slowest_ms, plan), _statements = page_against_sql(client, path, raw, args.repetitions)
            lines.append(f"| {label} | {page:.1f} | {own:.1f} | {page / own:.2f}x |  |  |  |")
            plans.append(f"## {label}: the slowest statement ({slowest_ms:.1f} ms)\n\n```\n{plan}\n```")
    lines.append("")
    lines.append(f"Targets: each page under {TARGET_MS} ms and within {TARGET_RATIO}x of its own SQL.")
    return "\n".join([*lines, "", *plans])


if __name__ == "__main__":
    sys.exit(main())

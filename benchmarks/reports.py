"""Measure the Invoices Report at 100,000 invoices: pages over HTTP against their own SQL, CSV and XLSX against COPY.

    .venv/bin/python benchmarks/reports.py [--database-url URL] [--invoices 100000] [--refill]

Fills the PostgreSQL database with `seed_demo --invoices N` (once; --refill starts it afresh), serves
the app with gunicorn on loopback in production mode, and measures in one run:

(a) the report's first and last page, unfiltered and with a client and date filter, over HTTP,
    median of 20 requests; and the first and last page of the report's API (GET /api/reports/invoices/,
    cursor-paged: the last page is ?page=last);
(b) the SQL those pages run (every statement, captured from the same view), executed directly,
    median of 20;
(c) the ratio (a)/(b);
(d) the full CSV export over HTTP, time and the server process's peak memory growth, against
    PostgreSQL's own COPY (same query) TO STDOUT. The export runs two statements (the orders'
    remaining amounts, then the rows through a server-side cursor); the COPY side runs the first
    and COPYs the second;
(e) the full XLSX export of the same rows over HTTP (an openpyxl write-only workbook written to a
    temporary file, then sent), time and memory growth, against the same COPY.

Prints a table and writes it to benchmarks/results/reports.md.
"""

import argparse
import http.client
import os
import platform
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
RESULTS = ROOT / "benchmarks" / "results" / "reports.md"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bd_bench"

TARGET_PAGE_RATIO = 1.5
TARGET_LAST_VS_FIRST = 1.2
TARGET_CSV_RATIO = 3.0
TARGET_CSV_MEMORY_MB = 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--refill", action="store_true", help="Drop the database and fill it again.")
    parser.add_argument("--requests", type=int, default=20, help="Requests per page (the median is reported).")
    parser.add_argument("--csv-runs", type=int, default=5, help="Full CSV downloads and COPYs (median).")
    parser.add_argument("--xlsx-runs", type=int, default=3, help="Full XLSX downloads (median).")
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args()

    environment = server_environment(args.database_url)
    os.environ.update(environment)
    fill(args.database_url, args.invoices, refill=args.refill, environment=environment)

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    bench = Bench(args, environment)
    try:
        bench.start_server()
        report = bench.run()
    finally:
        bench.stop_server()
    print(report)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(report)
    print(f"\nWritten to {Path(args.output).relative_to(ROOT)}")
    return 0


def server_environment(database_url: str) -> dict[str, str]:
    """Production settings on loopback: no debug, cached templates, hashed static files."""
    return {
        "DATABASE_URL": database_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SITE_URL": "http://127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
    }


def run(command: list[str], environment: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env={**os.environ, **environment}, check=True, **kwargs)


def fill(database_url: str, invoices: int, *, refill: bool, environment: dict[str, str]) -> None:
    """Create, migrate and seed the database unless it already holds the invoices."""
    import psycopg

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    admin_url = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and refill:
            print(f"Dropping {name} to fill it afresh")
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v", "0"], environment)
    run([str(PYTHON), "manage.py", "collectstatic", "--noinput", "-v", "0"], environment)
    with psycopg.connect(database_url, autocommit=True) as connection:
        have = connection.execute("SELECT count(*) FROM invoicing_invoice").fetchone()[0]
    if have >= invoices:
        print(f"{name} already holds {have:,} invoices; not filling (use --refill to start afresh).")
        return
    print(f"Filling {name} with {invoices - have:,} invoices")
    started = time.perf_counter()
    run(
        [
            str(PYTHON),
            "manage.py",
            "seed_demo",
            "--invoices",
            str(invoices - have),
            "--seed",
            "1",
            "--sign-ins-file",
            "",
        ],
        environment,
    )
    print(f"Filled in {time.perf_counter() - started:.0f} s")
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class Bench:
    def __init__(self, args, environment: dict[str, str]):
        self.args = args
        self.environment = environment
        self.port = free_port()
        self.server: subprocess.Popen | None = None
        self.connection: http.client.HTTPConnection | None = None
        self.cookie = ""

    # --- the server -----------------------------------------------------------------------------

    def start_server(self) -> None:
        # One synchronous worker: the process whose memory the CSV export is measured in.
        self.server = subprocess.Popen(
            [
                str(GUNICORN),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--worker-class",
                "sync",
                "--timeout",
                "300",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env={**os.environ, **self.environment},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                connection.close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not answer within 30 s")
        self.worker_pid = self._worker_pid()

    def _worker_pid(self) -> int:
        children = Path(f"/proc/{self.server.pid}/task/{self.server.pid}/children").read_text().split()
        if len(children) != 1:
            raise RuntimeError(f"expected one gunicorn worker, found {children}")
        return int(children[0])

    def stop_server(self) -> None:
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()

    def _sign_in(self) -> None:
        from django.contrib.auth.models import User
        from django.test import Client

        client = Client()
        client.force_login(User.objects.get(username="max.manager"))
        self.client = client
        self.cookie = f"sessionid={client.cookies['sessionid'].value}"

    def get(self, path: str) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        self.connection.request("GET", path, headers={"Cookie": self.cookie, "Host": "127.0.0.1"})
        response = self.connection.getresponse()
        body = response.read()
        if response.getheader("Connection", "").lower() == "close" or response.will_close:
            self.connection.close()
            self.connection = None
        return response.status, body

    # --- the measurements -----------------------------------------------------------------------

    def cases(self) -> list[tuple[str, str]]:
        from django.db.models import Count
        from django.utils import timezone

        from projects.models import Client

        busiest = (
            Client.objects.annotate(invoices=Count("projects__sales_orders__invoices")).order_by("-invoices").first()
        )
        today = timezone.localdate()
        filtered = {
            "client": busiest.pk,
            "date_from": (today - timedelta(days=365)).isoformat(),
            "date_to": today.isoformat(),
        }
        self.filter_label = f"client {busiest.name}, {filtered['date_from']} to {filtered['date_to']}"
        base = "/invoices/report/"
        api = "/api/reports/invoices/"
        return [
            ("unfiltered, first page", base),
            ("unfiltered, last page", base + "?page=last"),
            ("client + date, first page", base + "?" + urlencode(filtered)),
            ("client + date, last page", base + "?" + urlencode({**filtered, "page": "last"})),
            ("API, first page", api),
            ("API, last page", api + "?page=last"),
        ]

    def statements(self, path: str) -> list[str]:
        """Every statement the page runs, captured from the same view in this process."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(path)
        assert response.status_code == 200, response.status_code
        return [query["sql"] for query in captured.captured_queries]

    def pages(self, cases: list[tuple[str, str]]) -> dict[str, tuple[float, float, int]]:
        """Median HTTP and SQL time per page, sampled in rounds so a busy machine weighs on all alike.

        Each round requests every page over HTTP and, right after each request, runs that page's
        statements straight on PostgreSQL (fetching every row), so (a) and (b) see the same load.
        """
        import psycopg

        statements = {path: [sql.encode() for sql in self.statements(path)] for _label, path in cases}
        http = {path: [] for _label, path in cases}
        sql = {path: [] for _label, path in cases}
        with psycopg.connect(self.args.database_url, autocommit=True) as raw:
            for round_number in range(3 + self.args.requests):
                for _label, path in cases:
                    started = time.perf_counter()
                    status, _body = self.get(path)
                    elapsed = time.perf_counter() - started
                    if status != 200:
                        raise RuntimeError(f"GET {path} answered {status}")
                    started = time.perf_counter()
                    for statement in statements[path]:
                        raw.execute(statement).fetchall()
                    direct = time.perf_counter() - started
                    if round_number >= 3:  # the first rounds warm the worker and PostgreSQL's caches
                        http[path].append(elapsed)
                        sql[path].append(direct)
        return {
            label: (statistics.median(http[path]), statistics.median(sql[path]), len(statements[path]))
            for label, path in cases
        }

    def csv_http(self, path: str) -> tuple[float, float, int]:
        """Download the whole CSV; return the time, the worker's peak memory growth in MB and the rows."""
        timings, growths, rows = [], [], 0
        for _ in range(self.args.csv_runs):
            before = rss_kib(self.worker_pid)
            peak = [before]
            done = threading.Event()

            def sample(peak=peak, done=done):
                while not done.is_set():
                    peak[0] = max(peak[0], rss_kib(self.worker_pid))
                    time.sleep(0.005)

            # Reset the kernel's high-water mark too, so the peak between samples is not missed.
            Path(f"/proc/{self.worker_pid}/clear_refs").write_text("5")
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.perf_counter()
            status, body = self.get(path)
            timings.append(time.perf_counter() - started)
            done.set()
            sampler.join()
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
            peak_kib = max(peak[0], rss_kib(self.worker_pid, "VmHWM"))
            growths.append((peak_kib - before) / 1024)
            rows = body.count(b"\n") - 1
        return statistics.median(timings), max(growths), rows

    def xlsx_http(self, path: str) -> tuple[float, float, int, int]:
        """Download the whole XLSX; return the time, the worker's peak memory growth in MB, the rows and bytes."""
        import io
        import zipfile

        timings, growths, rows, size = [], [], 0, 0
        for _ in range(self.args.xlsx_runs):
            before = rss_kib(self.worker_pid)
            peak = [before]
            done = threading.Event()

            def sample(peak=peak, done=done):
                while not done.is_set():
                    peak[0] = max(peak[0], rss_kib(self.worker_pid))
                    time.sleep(0.005)

            Path(f"/proc/{self.worker_pid}/clear_refs").write_text("5")
            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.perf_counter()
            status, body = self.get(path)
            timings.append(time.perf_counter() - started)
            done.set()
            sampler.join()
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}")
            peak_kib = max(peak[0], rss_kib(self.worker_pid, "VmHWM"))
            growths.append((peak_kib - before) / 1024)
            # The rows, counted in the sheet's XML: opening 100,000 rows in openpyxl would take longer than the export.
            with zipfile.ZipFile(io.BytesIO(body)) as workbook:
                rows = workbook.read("xl/worksheets/sheet1.xml").count(b"<row ") - 1
            size = len(body)
        return statistics.median(timings), max(growths), rows, size

    def csv_copy(self) -> tuple[float, int]:
        """PostgreSQL alone: the remaining-amounts query fetched, then COPY (the rows query) TO STDOUT."""
        import psycopg

        from reports.invoice_report_exports import invoice_report_csv_sql

        (remaining_sql, remaining_params), (rows_sql, rows_params) = invoice_report_csv_sql()
        timings, rows = [], 0
        with psycopg.connect(self.args.database_url, autocommit=True) as raw:
            mogrify = psycopg.ClientCursor(raw).mogrify
            remaining_query, rows_query = mogrify(remaining_sql, remaining_params), mogrify(rows_sql, rows_params)
            for _ in range(self.args.csv_runs + 1):
                started = time.perf_counter()
                raw.execute(remaining_query.encode()).fetchall()
                lines = 0
                with raw.cursor().copy(f"COPY ({rows_query}) TO STDOUT WITH (FORMAT csv, HEADER)") as copy:
                    for block in copy:
                        lines += bytes(block).count(b"\n")
                timings.append(time.perf_counter() - started)
                rows = lines - 1
        return statistics.median(timings[1:]), rows

    def run(self) -> str:
        self._sign_in()
        lines = []
        page_rows = []
        measured: dict[str, tuple[float, float]] = {}
        cases = self.cases()
        for (label, path), (http_seconds, sql_seconds, statements) in zip(
            cases, self.pages(cases).values(), strict=True
        ):
            measured[label] = (http_seconds, sql_seconds)
            page_rows.append((label, path, http_seconds, sql_seconds, statements))
            print(f"  {label}: HTTP {http_seconds * 1000:.1f} ms, SQL {sql_seconds * 1000:.1f} ms", flush=True)
        csv_seconds, csv_growth, csv_rows = self.csv_http("/invoices/report/?format=csv")
        copy_seconds, copy_rows = self.csv_copy()
        print(f"  CSV: HTTP {csv_seconds:.2f} s, COPY {copy_seconds:.2f} s", flush=True)
        xlsx_seconds, xlsx_growth, xlsx_rows, xlsx_bytes = self.xlsx_http("/invoices/report/?format=xlsx")
        print(f"  XLSX: HTTP {xlsx_seconds:.2f} s ({xlsx_seconds / copy_seconds:.1f}x COPY)", flush=True)

        from django.db import connection

        from invoicing.models import Invoice

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgres_version = cursor.fetchone()[0]
        invoices = Invoice.objects.count()

        def verdict(ok: bool) -> str:
            return "yes" if ok else "**no**"

        lines.append("# Invoices Report benchmark")
        lines.append("")
        lines.append(
            f"{invoices:,} invoices; PostgreSQL {postgres_version}; Python {platform.python_version()}; "
            f"{os.cpu_count()} CPUs; gunicorn, 1 sync worker, DEBUG off, on loopback. "
            f"Median of {self.args.requests} requests per page, pages and their SQL sampled in turn; "
            f"filter: {self.filter_label}. Load average at the end: {os.getloadavg()[0]:.1f}."
        )
        lines.append("")
        lines.append(
            f"## Pages (target: HTTP ≤ {TARGET_PAGE_RATIO}× its SQL; last page ≤ {TARGET_LAST_VS_FIRST}× first)"
        )
        lines.append("")
        lines.append("| page | (a) HTTP ms | (b) SQL ms | statements | (c) a/b | ≤ 1.5× |")
        lines.append("|---|---:|---:|---:|---:|---|")
        for label, _path, http_seconds, sql_seconds, statements in page_rows:
            ratio = http_seconds / sql_seconds
            lines.append(
                f"| {label} | {http_seconds * 1000:.1f} | {sql_seconds * 1000:.1f} | {statements} | "
                f"{ratio:.2f} | {verdict(ratio <= TARGET_PAGE_RATIO)} |"
            )
        lines.append("")
        lines.append("| last page vs first | ratio of HTTP times | ≤ 1.2× |")
        lines.append("|---|---:|---|")
        for kind in ("unfiltered", "client + date", "API"):
            ratio = measured[f"{kind}, last page"][0] / measured[f"{kind}, first page"][0]
            lines.append(f"| {kind} | {ratio:.2f} | {verdict(ratio <= TARGET_LAST_VS_FIRST)} |")
            print(f"  {kind}: last page / first page = {ratio:.2f}", flush=True)
        lines.append("")
        lines.append(
            f"## CSV export of every invoice (target: ≤ {TARGET_CSV_RATIO}× COPY, memory growth < "
            f"{TARGET_CSV_MEMORY_MB} MB)"
        )
        lines.append("")
        csv_ratio = csv_seconds / copy_seconds
        lines.append("| export | rows | time s | vs COPY | peak memory growth MB | targets met |")
        lines.append("|---|---:|---:|---:|---:|---|")
        lines.append(
            f"| HTTP CSV (streamed) | {csv_rows:,} | {csv_seconds:.2f} | {csv_ratio:.2f} | {csv_growth:.1f} | "
            f"{verdict(csv_ratio <= TARGET_CSV_RATIO and csv_growth < TARGET_CSV_MEMORY_MB)} |"
        )
        lines.append(
            f"| PostgreSQL: remaining query + COPY (rows query) TO STDOUT | {copy_rows:,} | {copy_seconds:.2f} "
            "| 1.00 | | |"
        )
        lines.append("")
        lines.append("## XLSX export of the same rows (no target; the ratio to the same COPY)")
        lines.append("")
        lines.append("| export | rows | time s | vs COPY | vs CSV | peak memory growth MB | file MB |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        lines.append(
            f"| HTTP XLSX (write-only workbook, temporary file, then sent) | {xlsx_rows:,} | {xlsx_seconds:.2f} | "
            f"{xlsx_seconds / copy_seconds:.2f} | {xlsx_seconds / csv_seconds:.2f} | {xlsx_growth:.1f} | "
            f"{xlsx_bytes / 1024 / 1024:.1f} |"
        )
        lines.append("")
        return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())

"""Measure importing open orders: N sales order items, with their orders, projects, clients and suppliers.

    .venv/bin/python benchmarks/import_orders.py [--items 100000]

Uses DATABASE_URL (PostgreSQL, migrated). Writes the clients (one per 50 items) and suppliers (one per 500)
through Import clients and Import suppliers first, then a CSV of N items (4 to an order, 10 to a project,
every column of the orders kind filled) and imports it through the service the pages and import_data
use (`imports.services.import_script`, read, previewed and written in one transaction), with the row and
size limits raised for it. Prints the seconds of each step and the items imported per second. Numbers
start after the highest the desk holds, so it may run again on the same database.
"""

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import csv

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.db import connection

    from imports.kinds import KINDS
    from imports.services import import_script
    from projects.models import NumberSequence, SalesOrderItem

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    settings.IMPORT_MAX_ROWS = options.items + 1
    settings.IMPORT_MAX_FILE_BYTES = 1_000_000_000
    for name in ("bench_sam", "bench_pat", "bench_ivy"):
        User.objects.get_or_create(username=name, defaults={"is_active": True})

    items = options.items
    base = max([1000, *NumberSequence.objects.values_list("last_value", flat=True)]) + 1
    clients_count, suppliers_count = max(1, items // 50), max(1, items // 500)

    def csv_bytes(header: list[str], rows) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        return buffer.getvalue().encode()

    started = time.perf_counter()
    clients = csv_bytes(
        ["Client Name", "Billing Email", "External Reference"],
        (
            [f"Bench client {base}-{n}", f"ap{n}@bench{base}.example.com", f"BC-{base}-{n}"]
            for n in range(clients_count)
        ),
    )
    suppliers = csv_bytes(
        ["Supplier Name", "Email"],
        ([f"Bench supplier {base}-{n}", f"po{n}@bench{base}.example.com"] for n in range(suppliers_count)),
    )
    client_outcome = import_script(kind=KINDS["clients"], file_name="clients.csv", content=clients, commit=True)
    supplier_outcome = import_script(kind=KINDS["suppliers"], file_name="suppliers.csv", content=suppliers, commit=True)
    lists_seconds = time.perf_counter() - started
    print(
        f"clients: {len(client_outcome.created):,} and suppliers: {len(supplier_outcome.created):,} imported "
        f"in {lists_seconds:.1f} s",
        flush=True,
    )

    header = [
        "Job #", "Job Name", "Client", "Sales Rep", "Production Rep", "Invoicing Rep", "Order #", "Customer PO",
        "In Hands Date", "Status", "Line", "Description", "Kind", "Supplier", "Qty", "Unit Price", "Unit Cost",
        "Tax %",
    ]  # fmt: skip

    def rows():
        for n in range(items):
            order, line = divmod(n, 4)
            project = order * 4 // 10  # about 10 items a project; an order's items share its project
            yield [
                f"P-{base + project}",
                f"Bench project {project}",
                f"BC-{base}-{project % clients_count}",
                "bench_sam",
                "bench_pat",
                "bench_ivy",
                f"SO-{base + order}",
                f"PO-{order}",
                f"0{1 + order % 9}/{10 + order % 18}/2026",
                "In Production" if order % 3 else "New",
                line + 1,
                f"Item {line + 1} of order {order}",
                "Service" if line == 3 else "Product",
                f"Bench supplier {base}-{n % suppliers_count}" if line != 3 else "",
                1 + n % 500,
                f"{1 + n % 97}.{n % 100:02d}",
                f"{n % 50}.25",
                "8.25",
            ]

    content = csv_bytes(header, rows())
    print(f"file: {items:,} items, {len(content) / 1_000_000:.1f} MB", flush=True)
    before = SalesOrderItem.objects.count()
    started = time.perf_counter()
    outcome = import_script(kind=KINDS["orders"], file_name="open-orders.csv", content=content, commit=True)
    seconds = time.perf_counter() - started
    written = SalesOrderItem.objects.count() - before
    print(
        f"orders import: {len(outcome.created):,} items created, {outcome.refused_rows:,} refused, "
        f"{written:,} in the desk, in {seconds:.1f} s: {items / seconds:,.0f} rows per second",
        flush=True,
    )
    if outcome.refusals:
        print("first refusals:", *[str(refusal) for refusal in outcome.refusals[:5]], sep="\n  ")
    started = time.perf_counter()
    again = import_script(kind=KINDS["orders"], file_name="open-orders.csv", content=content, commit=False)
    print(
        f"preview of the same file again: {len(again.unchanged):,} unchanged, {len(again.created)} created, "
        f"{len(again.updated)} updated, in {time.perf_counter() - started:.1f} s",
        flush=True,
    )


if __name__ == "__main__":
    main()

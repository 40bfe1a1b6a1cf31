"""Measure Export everything over the demo desk with N invoices of history: time, size, rows and memory.

    .venv/bin/python benchmarks/export_everything.py [--invoices 20000]

Uses DATABASE_URL (PostgreSQL). Fills it with `seed_demo --invoices N` when it holds fewer invoices, then
runs `imports.exporting.export_zip` once in this process, dropping the bytes as a response would send
them, and prints the seconds, the ZIP's size, the rows written, rows per second and the growth of the
process's peak resident memory (VmHWM) during the export.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def resident_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=20_000)
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection

    from imports.exporting import FILES, export_zip
    from invoicing.models import Invoice

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    have = Invoice.objects.count()
    if have < options.invoices:
        print(f"Filling: seed_demo --invoices {options.invoices - have:,} ...", flush=True)
        command = [sys.executable, "manage.py", "seed_demo", "--invoices", str(options.invoices - have)]
        subprocess.run([*command, "--seed", "1", "--sign-ins-file", ""], cwd=ROOT, check=True)
    rows = sum(export_file.rows().count() for export_file in FILES)
    # Reset the high-water mark where the kernel allows it, so the figure is the export's own.
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    before_rss, before_peak = resident_kb(), peak_kb()
    started = time.perf_counter()
    size = 0
    for piece in export_zip():
        size += len(piece)
    seconds = time.perf_counter() - started
    # After clear_refs the peak starts again at the resident size; without it, it is the process's own peak.
    growth = max(peak_kb() - max(before_rss, before_peak), 0)
    print(
        f"Export everything: {rows:,} rows in {len(FILES)} files, {seconds:.1f} s "
        f"({rows / seconds:,.0f} rows/s), ZIP {size / 1_000_000:.1f} MB, "
        f"peak memory +{growth / 1024:.0f} MB over {before_rss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()

"""manage.py export_data [--output FILE]: Export everything's ZIP, written to a file for scripts and backups."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from imports.exporting import FILES, export_filename, export_zip


class Command(BaseCommand):
    help = (
        "Write every client, supplier, project, order, PO, backorder, note, invoice, payment, credit note and "
        "activity row as CSV files in one ZIP (with a README.txt naming the columns)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="the ZIP file to write (default: backorder-desk-export-<today>.zip here)")

    def handle(self, *args, output: str | None, **options) -> None:
        path = Path(output or export_filename())
        if path.is_dir():
            raise CommandError(f"{path} is a folder: name the ZIP file to write, such as {path / export_filename()}.")
        if not path.parent.is_dir():
            raise CommandError(f"{path.parent}: no such folder.")
        written = 0
        # Written beside its name first, so that an interrupted export never leaves a half ZIP under it.
        partial = path.with_name(path.name + ".part")
        try:
            with partial.open("wb") as file:
                for piece in export_zip():
                    file.write(piece)
                    written += len(piece)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        self.stdout.write(f"Wrote {path} ({written:,} bytes): {', '.join(f.name for f in FILES)} and README.txt.")

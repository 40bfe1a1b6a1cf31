"""manage.py import_data KIND FILE [--commit]: the Import pages' preview (and import) for scripts."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.errors import DomainError, ValidationFailed
from imports.kinds import KINDS
from imports.services import import_script


class Command(BaseCommand):
    help = (
        "Preview importing a CSV or XLSX file of clients, suppliers, open orders (one row per sales order item) or "
        "open purchase orders (one row per PO line), unpaid invoices (one row per invoice line) or their payments: "
        "rows to create, update, unchanged and "
        "refused (each with its row, column and reason). Nothing is written without --commit."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=sorted(KINDS), help="what the file lists")
        parser.add_argument("file", help="the CSV or XLSX file")
        parser.add_argument(
            "--commit", action="store_true", help="import the rows that are not refused, all in one transaction"
        )
        parser.add_argument(
            "--column",
            action="append",
            default=[],
            metavar="HEADER=FIELD",
            help="read the file's column HEADER as the desk's FIELD (e.g. 'Accounts Email=billing_email'); "
            "FIELD left empty leaves the column out. Repeat for each column.",
        )

    def handle(self, *args, kind: str, file: str, commit: bool, column: list[str], **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file.")
        columns = {}
        for pair in column:
            header, separator, field = pair.partition("=")
            if not separator:
                raise CommandError(f"--column {pair}: write it HEADER=FIELD, such as 'Accounts Email=billing_email'.")
            columns[header.strip()] = field.strip()
        try:
            outcome = import_script(
                kind=KINDS[kind], file_name=path.name, content=path.read_bytes(), columns=columns, commit=commit
            )
        except ValidationFailed as error:
            reasons = " ".join(message for messages in error.errors.values() for message in messages)
            raise CommandError(f"Nothing was imported. {reasons}") from error
        except DomainError as error:
            raise CommandError(f"Nothing was imported. {error}") from error
        self.stdout.write("\n".join(outcome.summary()))
        if commit:
            self.stdout.write(self.style.SUCCESS(f"Imported {path.name}."))
        else:
            self.stdout.write("Dry run: nothing was written. Run it again with --commit to import.")

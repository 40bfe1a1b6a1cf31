"""Importing a file: read it, match its columns, dry-run it for the preview, and import it when confirmed.

Every import is a dry run first (django-import-export in a transaction rolled back); confirming runs the
same rows again for real, all of them in one transaction, and writes the import log. Rows refused in
the preview are left out; an error no preview could foresee (a record saved by someone else meanwhile)
rolls the whole import back.
"""

from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

import tablib
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import RoleRequired, TransitionNotAllowed, ValidationFailed
from core.roles import is_manager
from imports.cells import is_blank, shown
from imports.kinds import KINDS, Kind
from imports.models import ImportedRecord, ImportRun
from imports.reading import Table, read_table

DRAFT_KEPT = timedelta(days=1)
SHOWN_ROWS = 500  # rows of each group the preview lists; the counts are always whole


@dataclass
class Refusal:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.line}, {self.column}: {self.message}" if self.column else f"row {self.line}: {self.message}"


@dataclass
class RowChange:
    line: int
    label: str
    changes: list[str] = field(default_factory=list)
    record_id: int | None = None


@dataclass
class Outcome:
    """What a file does to the desk: the rows to create, update, leave unchanged, and those refused."""

    file_name: str
    described: str
    total: int = 0
    created: list[RowChange] = field(default_factory=list)
    updated: list[RowChange] = field(default_factory=list)
    unchanged: list[RowChange] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
    refused_rows: int = 0
    committed: bool = False
    left_out: list[str] = field(default_factory=list)

    @property
    def writes(self) -> int:
        return len(self.created) + len(self.updated)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for group in ("created", "updated", "unchanged"):
            data[f"{group}_count"] = len(data[group])
            data[group] = data[group][:SHOWN_ROWS]
        return data

    def summary(self) -> list[str]:
        verb = "" if self.committed else "to be "
        return [
            f"{self.file_name} ({self.described}): {self.total} row{'' if self.total == 1 else 's'}",
            *([f"  columns left out: {', '.join(self.left_out)}"] if self.left_out else []),
            f"  {verb}created: {len(self.created)}",
            f"  {verb}updated: {len(self.updated)}",
            f"  unchanged: {len(self.unchanged)}",
            f"  refused: {self.refused_rows}",
            *[f"    {refusal}" for refusal in self.refusals],
        ]


class ImportFailed(TransitionNotAllowed):
    """The import met an error its preview did not show; nothing was written."""


def kind_named(slug: str) -> Kind:
    return KINDS[slug]


def _require_manager(by: User | None) -> None:
    # None is a script (manage.py import_data), run by whoever may run the server's commands.
    if by is not None and not is_manager(by):
        raise RoleRequired("Only Managers may import data.")


def missing_required(kind: Kind, columns: dict[str, str]) -> list[str]:
    matched = set(columns.values())
    return [column.header for column in kind.required if column.field not in matched]


def check_columns(kind: Kind, columns: dict[str, str]) -> None:
    """Refuse a column matching that fills a field twice or leaves a needed one out, naming them."""
    errors: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for header, name in columns.items():
        if not name:
            continue
        if name not in {column.field for column in kind.columns}:
            errors.setdefault(header, []).append(f"{name} is not a field of a {kind.noun}.")
        elif name in seen:
            errors.setdefault(header, []).append(
                f"{seen[name]} fills {kind.column(name).header} already; leave one of the two columns out."
            )
        else:
            seen[name] = header
    for header in missing_required(kind, columns):
        errors.setdefault(NON_FIELD_ERRORS, []).append(
            f"No column is matched to {header}: every {kind.noun} needs one. Choose the column that holds it."
        )
    if errors:
        raise ValidationFailed(errors)


def evaluate(
    *, kind: Kind, table: Table, columns: dict[str, str], file_name: str, by: User | None, commit: bool
) -> Outcome:
    """Dry-run (or, with commit, import) the table's rows; return what each row does or why it is refused."""
    outcome = Outcome(file_name=file_name, described=table.described, total=len(table.rows))
    outcome.left_out = [header for header, name in columns.items() if not name]
    header_of = {name: header for header, name in columns.items() if name}
    fields = [name for name in header_of]
    indexes = {name: table.headers.index(header) for name, header in header_of.items()}
    refused: dict[int, list[Refusal]] = {}
    dataset = tablib.Dataset(headers=fields)
    lines: list[int] = []
    first_line_of: dict[tuple[str, str], int] = {}
    for index, row in enumerate(table.rows):
        line = table.lines[index]
        problems = []
        values = {name: row[indexes[name]] if indexes[name] < len(row) else "" for name in fields}
        for name in fields:
            value = values[name]
            written = isinstance(value, str) and value.lstrip().startswith("=")
            if written or (index, indexes[name]) in table.formulas:
                # A workbook's formula arrives as the value Excel last computed; a CSV's as its text.
                what = f"{shown(value)} is a formula" if written else "holds a formula"
                if not written and not is_blank(value):
                    what += f" (showing {shown(value)})"
                problems.append(
                    Refusal(
                        line, header_of[name], f"{what}; the desk imports values only: paste the values in its place"
                    )
                )
        if not problems:
            key = _row_key(values)
            if key is not None:
                if key in first_line_of:
                    name = key[0]
                    problems.append(
                        Refusal(
                            line,
                            header_of[name],
                            f"{key[1]} is on row {first_line_of[key]} of this file too: keep one of the two rows",
                        )
                    )
                else:
                    first_line_of[key] = line
        if problems:
            refused[line] = problems
            continue
        dataset.append([values[name] for name in fields])
        lines.append(line)

    if kind.importer is not None:
        _import_itself(kind, outcome, refused, dataset, lines, fields, header_of, by=by, commit=commit)
        return outcome
    assert kind.resource is not None
    resource = kind.resource(by=by, noun=kind.noun)
    result = resource.import_data(dataset, dry_run=not commit, use_transactions=True, raise_errors=False)
    errors: list[Refusal] = []
    for position, (line, row_result) in enumerate(zip(lines, result.rows, strict=True)):
        import_type = row_result.import_type
        if import_type == "invalid":
            cells = dict(zip(fields, dataset[position], strict=True))
            refused[line] = _refusals(kind, line, row_result.validation_error, header_of, cells)
        elif import_type == "error":
            refused[line] = [Refusal(line, "", str(error.error)) for error in row_result.errors]
            errors += refused[line]
        elif import_type == "new":
            instance = row_result.instance
            outcome.created.append(RowChange(line, str(instance), _changes(kind, None, instance), instance.pk))
        elif import_type == "update":
            instance = row_result.instance
            changes = _changes(kind, row_result.original, instance)
            outcome.updated.append(RowChange(line, str(instance), changes, instance.pk))
        else:
            outcome.unchanged.append(RowChange(line, str(row_result.instance)))
    for base_error in result.base_errors:
        errors.append(Refusal(0, "", str(base_error.error)))
    if commit and errors:
        # import_data has rolled every row back; say why, row by row.
        raise ImportFailed(
            "Nothing was imported: "
            + "; ".join(str(error).rstrip(".") for error in errors)
            + ". Preview the file again."
        )
    outcome.refusals = [refusal for line in sorted(refused) for refusal in refused[line]]
    outcome.refused_rows = len(refused)
    outcome.committed = commit
    return outcome


def _import_itself(
    kind: Kind,
    outcome: Outcome,
    refused: dict[int, list[Refusal]],
    dataset: tablib.Dataset,
    lines: list[int],
    fields: list[str],
    header_of: dict[str, str],
    *,
    by: User | None,
    commit: bool,
) -> None:
    """A kind that reads its rows itself (orders): the same outcome, from its plan."""
    assert kind.importer is not None
    rows = [(line, dict(zip(fields, values, strict=True))) for line, values in zip(lines, dataset, strict=True)]
    plan = kind.importer(
        rows=rows, header_of=header_of, columns=kind.columns, file_name=outcome.file_name, by=by, commit=commit
    )
    for line, problems in plan.refusals.items():
        refused[line] = [Refusal(line, column, message) for column, message in problems]
    outcome.created = [RowChange(line, label, changes, item.pk) for line, label, changes, item in plan.created]
    outcome.updated = [RowChange(line, label, changes, item.pk) for line, label, changes, item in plan.updated]
    outcome.unchanged = [RowChange(line, label) for line, label in plan.unchanged]
    outcome.refusals = [refusal for line in sorted(refused) for refusal in refused[line]]
    outcome.refused_rows = len(refused)
    outcome.committed = commit


def _row_key(values: dict[str, Any]) -> tuple[str, str] | None:
    """What makes two rows of one file the same record: the reference, else the name."""
    for name in ("external_ref", "name"):
        value = values.get(name)
        if not is_blank(value):
            return (name, shown(value))
    return None


def _refusals(
    kind: Kind, line: int, error: ValidationError, header_of: dict[str, str], row: dict[str, Any]
) -> list[Refusal]:
    found = []
    for name, problems in error.error_dict.items():
        column = header_of.get(name, "")
        if not column and name in {c.field for c in kind.columns}:
            column = kind.column(name).header
        for problem in problems:
            found.append(Refusal(line, column, _message(kind, name, problem, row.get(name))))
    return found


def _message(kind: Kind, name: str, problem: ValidationError, value: Any) -> str:
    """Say a model's refusal in the desk's words, naming the value."""
    message = " ".join(problem.messages)
    if problem.code in ("blank", "required", "null"):
        header = kind.column(name).header if name in {c.field for c in kind.columns} else name
        return f"is blank, and every {kind.noun} needs a {header}"
    if problem.code == "unique" and name == "name":
        return f"another {kind.noun} is already named {shown(value)}"
    return message


def _changes(kind: Kind, original: Any, instance: Any) -> list[str]:
    changed = []
    for column in kind.columns:
        new = getattr(instance, column.field)
        if original is None:
            if new not in ("", None):
                changed.append(f"{column.header}: {shown(new)}")
            continue
        old = getattr(original, column.field)
        if old != new:
            changed.append(f"{column.header}: {shown(old) or '(blank)'} → {shown(new) or '(blank)'}")
    return changed


# --- the pages' and the command's steps ----------------------------------------------------------------


def import_file_read(*, kind: Kind, file_name: str, content: bytes) -> tuple[Table, dict[str, str]]:
    """Read a file and match its headers to the kind's fields by name; FileRefused says why it cannot be read."""
    table = read_table(name=file_name, content=content)
    return table, kind.match_headers(table.headers)


@transaction.atomic
def import_upload(*, kind: Kind, file_name: str, content: bytes, by: User) -> ImportRun:
    """Keep an uploaded file for its preview; dry-run it at once when every header is the name of a field."""
    _require_manager(by)
    table, columns = import_file_read(kind=kind, file_name=file_name, content=content)
    # Previews never confirmed are dropped with their files after a day (a preview open in another tab stays).
    ImportRun.objects.filter(state=ImportRun.State.PREVIEWED, created_at__lt=timezone.now() - DRAFT_KEPT).delete()
    run = ImportRun.objects.create(kind=kind.slug, file_name=file_name[:255], by=by, content=content, columns=columns)
    # Columns no field is named like are left out, and the preview says so; a needed field that no header
    # names sends the manager to match the columns first.
    if not missing_required(kind, columns):
        _preview(run, kind, table)
    return run


@transaction.atomic
def import_columns_set(*, run: ImportRun, columns: dict[str, str], by: User) -> ImportRun:
    """Match the file's columns to the desk's fields as the manager chose, and dry-run it again."""
    _require_manager(by)
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.state != ImportRun.State.PREVIEWED:
        raise TransitionNotAllowed(f"{run.file_name} is imported already; choose the file again to import it again.")
    kind = kind_named(run.kind)
    table = read_table(name=run.file_name, content=bytes(run.content))
    unknown = set(columns) - set(table.headers)
    if unknown:
        raise ValidationFailed(f"The file has no column named {', '.join(sorted(unknown))}.")
    columns = {header: columns.get(header, "") for header in table.headers}
    check_columns(kind, columns)
    run.columns = columns
    _preview(run, kind, table)
    return run


def _preview(run: ImportRun, kind: Kind, table: Table) -> None:
    outcome = evaluate(kind=kind, table=table, columns=run.columns, file_name=run.file_name, by=run.by, commit=False)
    run.outcome = outcome.as_json()
    run.created_count, run.updated_count = len(outcome.created), len(outcome.updated)
    run.unchanged_count, run.refused_count = len(outcome.unchanged), outcome.refused_rows
    run.save()


@transaction.atomic
def import_confirm(*, run: ImportRun, by: User | None) -> Outcome:
    """Import the previewed file for real, all its good rows in one transaction, and log each record written."""
    _require_manager(by)
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    if run.state != ImportRun.State.PREVIEWED:
        raise TransitionNotAllowed(f"{run.file_name} is imported already; choose the file again to import it again.")
    if not run.outcome:
        raise TransitionNotAllowed("Match the file's columns first; the preview comes next.")
    kind = kind_named(run.kind)
    table = read_table(name=run.file_name, content=bytes(run.content))
    outcome = evaluate(kind=kind, table=table, columns=run.columns, file_name=run.file_name, by=by, commit=True)
    import_log_write(run=run, outcome=outcome)
    return outcome


def import_log_write(*, run: ImportRun, outcome: Outcome) -> None:
    """Record the run as imported and one line per record created or updated; the file itself is let go."""
    ImportedRecord.objects.bulk_create(
        [
            ImportedRecord(
                run=run,
                action=action,
                record_id=change.record_id or 0,
                record_label=change.label[:200],
                line=change.line,
                changes="\n".join(change.changes),
            )
            for action, changes in (("created", outcome.created), ("updated", outcome.updated))
            for change in changes
        ]
    )
    run.state = ImportRun.State.IMPORTED
    run.imported_at = timezone.now()
    run.content = b""
    run.outcome = outcome.as_json()
    run.created_count, run.updated_count = len(outcome.created), len(outcome.updated)
    run.unchanged_count, run.refused_count = len(outcome.unchanged), outcome.refused_rows
    run.save()


@transaction.atomic
def import_script(
    *, kind: Kind, file_name: str, content: bytes, columns: dict[str, str] | None = None, commit: bool
) -> Outcome:
    """The command's import: the same reading, matching, preview and import, with no page between them."""
    table, matched = import_file_read(kind=kind, file_name=file_name, content=content)
    if columns:
        unknown = set(columns) - set(table.headers)
        if unknown:
            raise ValidationFailed(f"The file has no column named {', '.join(sorted(unknown))}.")
        matched.update(columns)
    check_columns(kind, matched)
    outcome = evaluate(kind=kind, table=table, columns=matched, file_name=file_name, by=None, commit=commit)
    if commit:
        run = ImportRun.objects.create(kind=kind.slug, file_name=file_name[:255], content=b"", columns=matched)
        import_log_write(run=run, outcome=outcome)
    return outcome

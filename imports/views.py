"""The managers' Import pages: choose a file, match its columns, preview, confirm; and Export everything."""

import logging
from typing import cast

import tablib
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.errors import DomainError, TransitionNotAllowed, ValidationFailed
from core.roles import Role
from core.views import add_domain_error, role_required
from imports.exporting import FILES, export_filename, export_zip
from imports.forms import ColumnsForm, ImportFileForm
from imports.kinds import KINDS, Kind
from imports.models import ImportRun
from imports.reading import FileRefused, read_table
from imports.services import import_columns_set, import_confirm, import_upload

RECENT_RUNS = 10

logger = logging.getLogger(__name__)


def _kind(slug: str) -> Kind:
    if slug not in KINDS:
        raise Http404("No such kind of import.")
    return KINDS[slug]


def _recent(kind: Kind | None = None):
    runs = ImportRun.objects.filter(state=ImportRun.State.IMPORTED).select_related("by")
    if kind is not None:
        runs = runs.filter(kind=kind.slug)
    return runs[:RECENT_RUNS]


@role_required(Role.MANAGERS)
def import_index(request: HttpRequest) -> HttpResponse:
    context = {"kinds": KINDS.values(), "recent": _recent(), "export_files": FILES, "nav_section": "import"}
    return render(request, "imports/index.html", context)


@role_required(Role.MANAGERS)
def import_kind(request: HttpRequest, kind: str) -> HttpResponse:
    found = _kind(kind)
    form = ImportFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = import_upload(kind=found, file_name=upload.name, content=upload.read(), by=cast(User, request.user))
        except FileRefused as error:
            form.add_error("file", str(error))
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("import-preview" if run.outcome else "import-columns", pk=run.pk)
    context = {"kind": found, "form": form, "recent": _recent(found), "nav_section": "import"}
    return render(request, "imports/kind.html", context, status=400 if form.errors else 200)


@role_required(Role.MANAGERS)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """The kind's columns with one example row, as CSV (the default) or XLSX."""
    found = _kind(kind)
    dataset = tablib.Dataset(headers=[column.header for column in found.columns])
    dataset.append([column.example for column in found.columns])
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            dataset.export("xlsx"), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        extension = "xlsx"
    else:
        response = HttpResponse(dataset.export("csv"), content_type="text/csv; charset=utf-8")
        extension = "csv"
    response["Content-Disposition"] = f'attachment; filename="{found.slug}-template.{extension}"'
    return response


@role_required(Role.MANAGERS)
def import_columns(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=pk)
    kind = _kind(run.kind)
    if run.state != ImportRun.State.PREVIEWED:
        return redirect("import-preview", pk=run.pk)
    table = read_table(name=run.file_name, content=bytes(run.content))
    form = ColumnsForm(
        request.POST or None,
        kind=kind,
        headers=table.headers,
        first_row=table.rows[0],
        columns=run.columns,
    )
    if request.method == "POST" and form.is_valid():
        try:
            import_columns_set(run=run, columns=form.columns(), by=cast(User, request.user))
        except ValidationFailed as error:
            add_domain_error(form, error, {header: form.field_name(header) for header in table.headers})
        except DomainError as error:
            add_domain_error(form, error)
        else:
            return redirect("import-preview", pk=run.pk)
    context = {"run": run, "kind": kind, "form": form, "table": table, "nav_section": "import"}
    return render(request, "imports/columns.html", context, status=400 if form.errors else 200)


@role_required(Role.MANAGERS)
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=pk)
    kind = _kind(run.kind)
    if not run.outcome:
        return redirect("import-columns", pk=run.pk)
    left_out = [header for header, name in run.columns.items() if not name]
    matched = [(header, kind.column(name).header) for header, name in run.columns.items() if name]
    context = {
        "run": run,
        "kind": kind,
        "outcome": run.outcome,
        "left_out": left_out,
        "matched": matched,
        "list_url": reverse(kind.list_url),
        "nav_section": "import",
    }
    return render(request, "imports/preview.html", context)


@role_required(Role.MANAGERS)
@require_POST
def import_confirm_page(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_object_or_404(ImportRun, pk=pk)
    kind = _kind(run.kind)
    try:
        outcome = import_confirm(run=run, by=cast(User, request.user))
    except TransitionNotAllowed as error:
        messages.error(request, str(error))
        return redirect("import-preview", pk=run.pk)
    messages.success(
        request,
        f"Imported {run.file_name}: {len(outcome.created)} {kind.plural} created, {len(outcome.updated)} updated, "
        f"{len(outcome.unchanged)} unchanged, {outcome.refused_rows} refused rows left out.",
    )
    return redirect("import-preview", pk=run.pk)


@role_required(Role.MANAGERS)
@require_GET
def export_everything(request: HttpRequest) -> StreamingHttpResponse:
    """Every record of the desk as CSV files in one ZIP, sent as it is written."""
    # Who took the whole book of business away, and when, outlives the download.
    logger.info("Export everything downloaded by %s", request.user.get_username())
    response = StreamingHttpResponse(export_zip(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
    return response

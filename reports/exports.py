"""Downloads too large for a request: the worker writes them, the page shows progress, a notification brings them.

A download of the Invoices Report that matches more than `EXPORT_IN_WORKER_ROWS` rows is not written by
the web process (a web worker busy for a minute serves nobody else, and gunicorn's timeout would cut it
off). Instead `invoice_report_export_start` writes an ExportJob row and, after commit, queues
`reports.tasks.export_job_task`; the page redirects to the job's page, which polls its progress.

The task claims the job (queued → running, so a second run does nothing), counts the rows, writes the
file into `EXPORTS_ROOT` in batches while recording the rows written, marks the job done and notifies
the person who asked with the job's page, from which the file downloads until it expires a day later.
`export_jobs_sweep` (beat) deletes expired files and queues again jobs that no worker took (the broker
was down when they were asked for).
"""

import dataclasses
import functools
import logging
import secrets
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connections, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from kombu.exceptions import OperationalError as KombuOperationalError

from core.db_router import reads_from_replica
from core.downloads import BOM, CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE
from core.tasks import enqueue
from invoicing.selectors import InvoiceReportFilters, invoice_report_filtered
from notifications.models import Notification
from notifications.services import notify
from reports.invoice_report import DEFAULT_SORT
from reports.invoice_report_exports import invoice_report_csv, write_invoice_report_xlsx
from reports.models import ExportJob

logger = logging.getLogger(__name__)

EXPORT_TASK = "reports.tasks.export_job_task"
# A job still queued this long after it was asked for was probably never handed to the broker.
QUEUED_GRACE = timedelta(minutes=1)
# A job still running this long after it started lost its worker (1M rows take about two minutes).
RUNNING_LIMIT = timedelta(minutes=30)

# Per kind: the extension and content type of the file, and the stem of the name it downloads under.
KIND_FILES = {
    ExportJob.Kind.INVOICES_CSV: ("csv", CSV_CONTENT_TYPE, "invoices-report"),
    ExportJob.Kind.INVOICES_XLSX: ("xlsx", XLSX_CONTENT_TYPE, "invoices-report"),
}


def exports_root() -> Path:
    return Path(settings.EXPORTS_ROOT)


def export_job_path(job: ExportJob) -> Path:
    """Where the job's file lies (it exists only while the job is done and not yet expired)."""
    return exports_root() / job.file_name


def content_type_of(job: ExportJob) -> str:
    return KIND_FILES[ExportJob.Kind(job.kind)][1]


# --- asking ----------------------------------------------------------------------------------------


def invoice_report_needs_worker(filters: InvoiceReportFilters) -> bool:
    """Whether the report's download has more rows than a request may write; counts no further than that."""
    limit = settings.EXPORT_IN_WORKER_ROWS
    # COUNT over a LIMIT: the request reads at most limit + 1 rows however long the history is.
    return invoice_report_filtered(filters)[: limit + 1].count() > limit


def invoice_report_export_start(
    *, by: User, export_format: str, filters: InvoiceReportFilters, sort: str, bom: bool, query: str
) -> ExportJob:
    """Ask the worker for the Invoices Report as CSV or XLSX; the job is queued once this transaction commits."""
    kind = ExportJob.Kind.INVOICES_XLSX if export_format == "xlsx" else ExportJob.Kind.INVOICES_CSV
    extension, _content_type, stem = KIND_FILES[kind]
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=by,
            kind=kind,
            query=query[:2000],
            params={"filters": _filters_to_json(filters), "sort": sort, "bom": bom},
            filename=f"{stem}-{timezone.localdate(now).isoformat()}.{extension}",
            expires_at=now + timedelta(hours=settings.EXPORT_TTL_HOURS),
        )
        transaction.on_commit(functools.partial(export_job_enqueue, job_id=job.pk), robust=True)
    return job


def export_job_enqueue(*, job_id: int) -> bool:
    """Queue the job's task; a broker outage leaves the job queued for the sweep to queue again."""
    try:
        enqueue(EXPORT_TASK, args=(job_id,), retry=False)
    except (KombuOperationalError, OSError) as error:
        logger.warning("Could not queue export job %s; the sweep will: %s", job_id, error)
        return False
    except Exception:  # noqa: BLE001 - the request that asked for the export stands
        logger.exception("Could not queue export job %s; the sweep will.", job_id)
        return False
    return True


def _filters_to_json(filters: InvoiceReportFilters) -> dict[str, Any]:
    return {
        name: value.isoformat() if isinstance(value, date) else value
        for name, value in dataclasses.asdict(filters).items()
    }


def _filters_from_json(values: dict[str, Any]) -> InvoiceReportFilters:
    dates = {"date_from", "date_to"}
    decoded: dict[str, Any] = {
        name: date.fromisoformat(value) if name in dates and value else value for name, value in values.items()
    }
    return InvoiceReportFilters(**decoded)


# --- writing (the worker) ----------------------------------------------------------------------------


class ProgressRecorder:
    """Records a job's rows written from a thread of its own, on a database connection of its own.

    The export reads its rows inside one transaction (one snapshot, so that the remaining amounts
    match the rows); a row updated through that transaction's connection would stay invisible to the
    job's page until the very end. A write already under way is not queued behind: the next count
    will do.
    """

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"export-{job_id}-progress")
        self.pending: Future | None = None

    def __call__(self, rows_written: int) -> None:
        if self.pending is None or self.pending.done():
            self.pending = self.executor.submit(self._record, rows_written)

    def _record(self, rows_written: int) -> None:
        try:
            ExportJob.objects.filter(pk=self.job_id, status=ExportJob.Status.RUNNING).update(rows_written=rows_written)
        except Exception:  # noqa: BLE001 - progress is shown, not relied on; the export goes on
            logger.exception("Could not record the progress of export job %s.", self.job_id)

    def close(self) -> None:
        """Wait for the last write and give the thread's connection back."""
        self.executor.submit(_close_this_threads_connections)
        self.executor.shutdown(wait=True)


def _close_this_threads_connections() -> None:
    # Looked up when called: in the recorder's thread, its own connection (a bound method taken in the
    # caller's thread would close the caller's).
    connections.close_all()


def export_job_run(*, job_id: int) -> str:
    """Write a queued job's file, record it done and notify the person who asked; safe to run twice."""
    now = timezone.now()
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportJob.Status.QUEUED, expires_at__gt=now).update(
        status=ExportJob.Status.RUNNING, started_at=now
    )
    if not claimed:
        return "not claimed"
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    filters = _filters_from_json(job.params.get("filters", {}))
    sort = job.params.get("sort", DEFAULT_SORT)
    # Counted before the export's own snapshot, so the page shows it at once; the final figure is
    # the rows written, which a change meanwhile may have moved by a few. The rows are read from the
    # replica when there is one, unless the asker wrote within REPLICA_STICKY_SECONDS (core.db_router);
    # the job's own row is written to the primary.
    with reads_from_replica(user=job.requested_by_id):
        rows_total = invoice_report_filtered(filters).count()
    ExportJob.objects.filter(pk=job_id).update(rows_total=rows_total)
    extension = KIND_FILES[ExportJob.Kind(job.kind)][0]
    directory = exports_root() / "exports"
    directory.mkdir(parents=True, exist_ok=True)
    # An unguessable name: the files are served only through the job's download view, but a shared
    # directory is better off without names one could list by counting.
    file_name = f"exports/{job.pk}-{secrets.token_hex(8)}.{extension}"
    path = exports_root() / file_name
    progress = ProgressRecorder(job_id)
    try:
        with reads_from_replica(user=job.requested_by_id):
            rows = _write_file(job, path, filters, sort, progress)
    except Exception as error:
        path.unlink(missing_ok=True)
        logger.exception("Export job %s failed.", job_id)
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.FAILED, error=str(error)[:500] or type(error).__name__, finished_at=timezone.now()
        )
        return "failed"
    finally:
        progress.close()
    with transaction.atomic():
        ExportJob.objects.filter(pk=job_id).update(
            status=ExportJob.Status.DONE,
            rows_written=rows,
            rows_total=rows,
            file_name=file_name,
            finished_at=timezone.now(),
        )
        job.refresh_from_db()
        _notify_ready(job)
    return "done"


def _write_file(
    job: ExportJob, path: Path, filters: InvoiceReportFilters, sort: str, progress: "ProgressRecorder"
) -> int:
    if job.kind == ExportJob.Kind.INVOICES_CSV:
        return _write_invoice_report_csv(path, filters, sort, bom=job.params.get("bom", True), progress=progress)
    return write_invoice_report_xlsx(
        str(path), filters, sort=sort, progress=progress, progress_every=settings.EXPORT_PROGRESS_EVERY_ROWS
    )


def _write_invoice_report_csv(
    path: Path, filters: InvoiceReportFilters, sort: str, *, bom: bool, progress: Callable[[int], None]
) -> int:
    with path.open("w", encoding="utf-8", newline="") as file:
        if bom:
            file.write(BOM)
        rows = 0

        def counted(written: int) -> None:
            nonlocal rows
            rows = written
            progress(written)

        for chunk in invoice_report_csv(filters, sort=sort, progress=counted):
            file.write(chunk)
    return rows


def _notify_ready(job: ExportJob) -> None:
    until = date_format(timezone.localtime(job.expires_at), "DATETIME_FORMAT")
    notify(
        recipients=[job.requested_by],
        kind=Notification.Kind.EXPORT_READY,
        event_key=f"export:{job.pk}",
        project=None,
        message=f"Your {job.get_kind_display()} of {job.rows_written:,} rows is ready to download until {until}.",
        url=reverse("export-job", args=[job.pk]),
    )


# --- keeping -----------------------------------------------------------------------------------------


def export_job_expired(job: ExportJob, *, now: datetime | None = None) -> bool:
    return job.expires_at <= (now or timezone.now())


def export_jobs_sweep(*, now: datetime | None = None) -> tuple[int, int]:
    """Delete the files of expired jobs, queue again jobs no worker took, fail those whose worker died.

    Returns (files deleted, jobs queued again).
    """
    now = now or timezone.now()
    ExportJob.objects.filter(status=ExportJob.Status.RUNNING, started_at__lt=now - RUNNING_LIMIT).update(
        status=ExportJob.Status.FAILED, error="The worker writing it stopped.", finished_at=now
    )
    deleted = 0
    for job in ExportJob.objects.filter(expires_at__lte=now).exclude(file_name=""):
        (exports_root() / job.file_name).unlink(missing_ok=True)
        ExportJob.objects.filter(pk=job.pk, file_name=job.file_name).update(file_name="")
        deleted += 1
    queued = 0
    stale = ExportJob.objects.filter(
        status=ExportJob.Status.QUEUED, created_at__lt=now - QUEUED_GRACE, expires_at__gt=now
    ).values_list("pk", flat=True)
    for job_id in stale:
        queued += export_job_enqueue(job_id=job_id)
    return deleted, queued

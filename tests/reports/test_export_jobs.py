"""Large downloads: above the threshold the worker writes the file, the page follows it, a notification brings it.

The threshold is lowered to a few rows; the task runs eagerly, in the test's thread, once the request
that asked for it commits.
"""

import csv
import io
import threading
from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connections
from django.utils import timezone
from openpyxl import load_workbook

from notifications.models import Notification
from reports import exports
from reports import invoice_report_exports as report_exports
from reports.exports import ProgressRecorder, export_job_run, export_jobs_sweep
from reports.models import ExportJob
from tests.factories import ClientFactory, UserFactory
from tests.reports.conftest import signed_in

REPORT = "/invoices/report/"


@pytest.fixture(autouse=True)
def small_threshold(settings, tmp_path):
    settings.EXPORT_IN_WORKER_ROWS = 4  # report_data holds 5 invoices
    settings.EXPORTS_ROOT = tmp_path
    return tmp_path


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def ask(client, query: str, capture) -> ExportJob:
    """Ask for a download the worker writes; the task runs when the request's transaction commits."""
    with capture(execute=True):
        response = client.get(f"{REPORT}?{query}")
    job = ExportJob.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == f"/exports/{job.pk}/"
    return job


# --- the streamed CSV, below the threshold ---------------------------------------------------------------


def test_the_csv_streams_in_chunks_of_whole_rows_and_counts_them(report_data, monkeypatch):
    monkeypatch.setattr(report_exports, "CSV_CHUNK_ROWS", 2)
    progress: list[int] = []
    chunks = list(report_exports.invoice_report_csv(sort="number", progress=progress.append))
    # the header, then 2 + 2 + 1 rows: never one chunk per row, never a row cut in two
    assert [chunk.count("\r\n") for chunk in chunks] == [1, 2, 2, 1]
    assert progress == [2, 4, 5]
    rows = list(csv.DictReader(io.StringIO("".join(chunks))))
    invoices = report_data.invoices
    assert [row["number"] for row in rows] == sorted(invoice.number for invoice in invoices.values())
    b_partial = next(row for row in rows if row["number"] == invoices["b_partial"].number)
    # dates and money exactly as the page reads them: ISO dates, two decimals, what the order has left
    assert (b_partial["date"], b_partial["subtotal"], b_partial["remaining_amount"]) == (
        invoices["b_partial"].date.isoformat(),
        "100.00",
        "100.00",
    )


def test_up_to_the_threshold_the_download_is_written_in_the_request(as_invoicing, report_data, settings):
    settings.EXPORT_IN_WORKER_ROWS = 5
    response = as_invoicing.get(f"{REPORT}?format=csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert body(response).decode("utf-8-sig").count("\r\n") == 6
    assert not ExportJob.objects.exists()


# --- above it: a job --------------------------------------------------------------------------------------


def test_a_large_csv_is_written_by_the_worker_and_brought_by_a_notification(
    as_invoicing, invoicing_rep, report_data, settings, django_capture_on_commit_callbacks
):
    # given the same download written in the request
    settings.EXPORT_IN_WORKER_ROWS = 100
    streamed = body(as_invoicing.get(f"{REPORT}?format=csv&client={report_data.acme.pk}&sort=number&bom=0"))
    settings.EXPORT_IN_WORKER_ROWS = 2

    # when the invoicing rep asks for more rows than the threshold
    query = f"format=csv&client={report_data.acme.pk}&sort=number&bom=0"
    job = ask(as_invoicing, query, django_capture_on_commit_callbacks)

    # then the worker wrote the same file, and recorded its rows
    assert (job.status, job.rows_total, job.rows_written, job.requested_by) == ("done", 3, 3, invoicing_rep)
    assert job.kind == ExportJob.Kind.INVOICES_CSV and job.filename.endswith(".csv")
    assert abs(job.expires_at - job.created_at - timedelta(days=1)) < timedelta(seconds=1)
    page = as_invoicing.get(f"/exports/{job.pk}/").content.decode()
    assert "Ready:</strong> 3 rows" in page and f'href="/exports/{job.pk}/download/"' in page
    assert "hx-trigger" not in page  # nothing more to poll
    download = as_invoicing.get(f"/exports/{job.pk}/download/")
    assert download["Content-Disposition"] == f'attachment; filename="{job.filename}"'
    assert body(download) == streamed

    # and she is told, in the app and by email, with the job's page as the link
    notification = Notification.objects.get(recipient=invoicing_rep, kind=Notification.Kind.EXPORT_READY)
    assert notification.project is None and notification.url == f"/exports/{job.pk}/"
    assert notification.message.startswith("Your Invoices Report, CSV of 3 rows is ready to download until ")
    assert [message.subject for message in mail.outbox] == [f"[Backorder Desk] {notification.message}"]
    inbox = as_invoicing.get("/notifications/").content.decode()
    assert "Export ready" in inbox and notification.message in inbox


def test_a_large_xlsx_keeps_its_cells_typed(as_manager, manager, desk, django_capture_on_commit_callbacks):
    order = desk.order(client=ClientFactory(name="=HYPERLINK(1)"), rep=UserFactory(roles=["Sales"]), prices=["12.50"])
    for day in range(1, 6):
        desk.invoice(order, on=date(2026, 3, day), quantities=[1])
    job = ask(as_manager, "format=xlsx&sort=number", django_capture_on_commit_callbacks)
    assert (job.status, job.rows_written, job.filename[-5:]) == ("done", 5, ".xlsx")
    download = as_manager.get(f"/exports/{job.pk}/download/")
    sheet = load_workbook(io.BytesIO(body(download))).active
    header, first, *rest = list(sheet.iter_rows())
    assert [cell.value for cell in header][:5] == ["number", "date", "status", "kind", "client"]
    assert first[1].is_date and first[1].value.date() == date(2026, 3, 1) and first[1].number_format == "yyyy-mm-dd"
    assert (first[4].value, first[4].data_type, first[4].quotePrefix) == ("=HYPERLINK(1)", "s", True)
    assert (first[8].value, first[8].data_type, first[8].number_format) == (12.5, "n", "#,##0.00")
    assert len(rest) == 4


def test_the_page_shows_the_rows_written_of_the_rows_total_and_polls_while_running(as_invoicing, invoicing_rep):
    job = ExportJob.objects.create(
        requested_by=invoicing_rep,
        kind=ExportJob.Kind.INVOICES_CSV,
        status=ExportJob.Status.RUNNING,
        rows_total=48_000,
        rows_written=12_000,
        filename="invoices-report.csv",
        expires_at=timezone.now() + timedelta(days=1),
    )
    page = as_invoicing.get(f"/exports/{job.pk}/").content.decode()
    assert '<progress id="export-job-bar" max="48000" value="12000">' in page
    assert "12,000 of 48,000 rows" in page
    assert f'hx-get="/exports/{job.pk}/" hx-trigger="every 2s"' in page
    # htmx asks for the progress part alone
    part = as_invoicing.get(f"/exports/{job.pk}/", headers={"HX-Request": "true"}).content.decode()
    assert "<h1>" not in part and "12,000 of 48,000 rows" in part
    # a download asked for before the file is written goes back to the page
    assert as_invoicing.get(f"/exports/{job.pk}/download/")["Location"] == f"/exports/{job.pk}/"


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_by_others_while_the_export_reads_in_its_snapshot(report_data, invoicing_rep, monkeypatch):
    # The export reads inside one transaction; its progress goes through another connection, so the
    # job's page (any other connection) sees each figure as it is written.
    monkeypatch.setattr(report_exports, "CSV_CHUNK_ROWS", 2)
    seen: list[int] = []
    record = ProgressRecorder._record

    def record_and_look(self, rows_written: int) -> None:
        record(self, rows_written)
        looked: list[int] = []

        def look() -> None:
            looked.append(ExportJob.objects.get(pk=self.job_id).rows_written)
            connections.close_all()

        reader = threading.Thread(target=look)
        reader.start()
        reader.join()
        seen.extend(looked)

    monkeypatch.setattr(ProgressRecorder, "_record", record_and_look)
    # Each figure is written before the next is asked for, so none is skipped here.
    monkeypatch.setattr(
        ProgressRecorder, "__call__", lambda self, rows: self.executor.submit(self._record, rows).result()
    )
    job = ExportJob.objects.create(
        requested_by=invoicing_rep,
        kind=ExportJob.Kind.INVOICES_CSV,
        params={"filters": {}, "sort": "number", "bom": True},
        filename="invoices-report.csv",
        expires_at=timezone.now() + timedelta(days=1),
    )
    assert export_job_run(job_id=job.pk) == "done"
    assert seen == [2, 4, 5]
    assert export_job_run(job_id=job.pk) == "not claimed"  # a second delivery of the task does nothing


# --- who, and for how long ----------------------------------------------------------------------------------


def test_only_the_asker_or_a_manager_sees_or_downloads_a_job(
    as_invoicing, as_manager, report_data, django_capture_on_commit_callbacks
):
    job = ask(as_invoicing, "format=csv", django_capture_on_commit_callbacks)
    colleague = signed_in(UserFactory(roles=["Invoicing"]))
    for url in (f"/exports/{job.pk}/", f"/exports/{job.pk}/download/"):
        assert colleague.get(url).status_code == 404  # as if there were no such export
        assert as_manager.get(url).status_code == 200
    assert as_manager.get(f"/exports/{job.pk + 1000}/").status_code == 404


def test_an_expired_export_is_refused_and_its_file_deleted(
    as_invoicing, report_data, small_threshold, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_IN_WORKER_ROWS = 1
    job = ask(as_invoicing, "format=csv&status=open", django_capture_on_commit_callbacks)
    path = small_threshold / job.file_name
    assert path.exists()
    # a day later the download says so, and offers to export again
    ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = as_invoicing.get(f"/exports/{job.pk}/download/")
    assert refused.status_code == 410
    text = refused.content.decode()
    assert "This export has expired" in text and "exports are kept for a day" in text
    assert 'href="/invoices/report/?format=csv&amp;status=open">Export again' in text
    # and beat's sweep deletes the file
    assert export_jobs_sweep() == (1, 0)
    job.refresh_from_db()
    assert not path.exists() and job.file_name == ""
    assert export_jobs_sweep() == (0, 0)
    assert as_invoicing.get(f"/exports/{job.pk}/download/").status_code == 410


def test_the_sweep_writes_a_job_no_worker_took_and_fails_one_whose_worker_died(report_data, invoicing_rep, monkeypatch):
    # given a job asked for while the broker was down, and one whose worker died half-way
    monkeypatch.setattr(exports, "enqueue", lambda *args, **kwargs: (_ for _ in ()).throw(OSError("broker down")))
    common = {"requested_by": invoicing_rep, "kind": ExportJob.Kind.INVOICES_CSV, "filename": "x.csv"}
    later = timezone.now() + timedelta(days=1)
    waiting = ExportJob.objects.create(**common, params={"filters": {}, "sort": "number"}, expires_at=later)
    dead = ExportJob.objects.create(**common, status="running", started_at=timezone.now(), expires_at=later)
    assert exports.export_job_enqueue(job_id=waiting.pk) is False
    monkeypatch.undo()
    # when beat sweeps an hour later
    assert export_jobs_sweep(now=timezone.now() + timedelta(hours=1)) == (0, 1)
    # then the waiting one is written (the task runs eagerly here) and the dead one says what happened
    waiting.refresh_from_db()
    dead.refresh_from_db()
    assert (waiting.status, waiting.rows_written) == ("done", 5)
    assert (dead.status, dead.error) == ("failed", "The worker writing it stopped.")

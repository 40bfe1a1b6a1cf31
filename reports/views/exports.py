"""A large download's page (its progress, then its link) and the download itself: the asker's or a manager's."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from core.roles import is_manager
from reports.exports import content_type_of, export_job_expired, export_job_path
from reports.models import ExportJob


def _job_for(request: HttpRequest, pk: int) -> ExportJob:
    """The job if the signed-in user asked for it or is a manager; 404 for anyone else, as if none existed."""
    user = cast(User, request.user)
    job = get_object_or_404(ExportJob.objects.select_related("requested_by"), pk=pk)
    if job.requested_by_id != user.pk and not is_manager(user):
        raise Http404("No such export.")
    return job


def _context(job: ExportJob) -> dict:
    return {
        "nav_section": "invoices",
        "job": job,
        "expired": export_job_expired(job),
        "again_url": reverse("invoice-report") + (f"?{job.query}" if job.query else ""),
        "report_url": reverse("invoice-report") + (f"?{_without_format(job.query)}" if job.query else ""),
    }


def _without_format(query: str) -> str:
    return "&".join(part for part in query.split("&") if not part.startswith("format="))


@login_required
@require_GET
def export_job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The job's progress while the worker writes, then its download link; htmx polls the progress part."""
    job = _job_for(request, pk)
    if request.headers.get("HX-Request") == "true":
        return render(request, "reports/_export_job_progress.html", _context(job))
    return render(request, "reports/export_job.html", _context(job))


@login_required
@require_GET
def export_job_download(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    """Send the job's file; an expired job gets a page saying so (410), one not ready yet its page."""
    job = _job_for(request, pk)
    if export_job_expired(job):
        return render(request, "reports/export_job_expired.html", _context(job), status=410)
    if job.status != ExportJob.Status.DONE or not job.file_name:
        return redirect("export-job", pk=job.pk)
    try:
        file = export_job_path(job).open("rb")
    except FileNotFoundError:
        return render(request, "reports/export_job_expired.html", _context(job), status=410)
    return FileResponse(file, as_attachment=True, filename=job.filename, content_type=content_type_of(job))

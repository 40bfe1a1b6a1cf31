"""The worker's share of the reports: large downloads, and keeping their files no longer than a day."""

from celery import shared_task

from reports.exports import export_job_run, export_jobs_sweep


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def export_job_task(job_id: int) -> str:
    """Write one export job's file (a second run finds it claimed and does nothing)."""
    return export_job_run(job_id=job_id)


@shared_task(ignore_result=True)
def export_jobs_sweep_task() -> str:
    """Delete expired export files; queue again jobs that no worker took."""
    deleted, queued = export_jobs_sweep()
    return f"deleted {deleted}, queued {queued}"

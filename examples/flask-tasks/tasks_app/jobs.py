"""The background task: what the worker does with a queued job."""
import hashlib
import socket
import time

from celery import shared_task

from .models import Job, db, utcnow

# How long the "slow step" of a job takes, in seconds.
WORK_SECONDS = 0.5


def summarize(text):
    """The job's result: its word count and the SHA-256 of its text."""
    return {
        "word_count": len(text.split()),
        "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
    }


@shared_task(name="tasks_app.process_job")
def process_job(job_id):
    """Marks the job running, works on it, then stores its result and status "done"."""
    job = db.session.get(Job, job_id)
    if job is None:
        return
    job.status = "running"
    job.worker = socket.gethostname()
    db.session.commit()
    try:
        time.sleep(WORK_SECONDS)
        result = summarize(job.text)
        job.word_count = result["word_count"]
        job.sha256 = result["sha256"]
        job.status = "done"
    except Exception as exc:  # the job records why it failed
        job.status = "failed"
        job.error = f"{type(exc).__name__}: {exc}"
    job.finished_at = utcnow()
    db.session.commit()

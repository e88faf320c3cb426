from flask import Blueprint, abort, jsonify, render_template_string, request
from sqlalchemy import text

from .jobs import process_job
from .models import Job, db

bp = Blueprint("tasks", __name__)

INDEX = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>flask-tasks</title></head>
<body>
<h1>flask-tasks</h1>
<p>POST <code>/jobs</code> with <code>{"text": "..."}</code>; a Celery worker counts its
words and hashes it. {{ count }} job(s) so far.</p>
<ul>
{% for job in jobs %}<li><a href="/jobs/{{ job.id }}">#{{ job.id }}</a> {{ job.status }}</li>
{% endfor %}</ul>
</body>
</html>
"""


@bp.get("/")
def index():
    jobs = db.session.execute(db.select(Job).order_by(Job.id.desc()).limit(10)).scalars().all()
    count = db.session.execute(db.select(db.func.count(Job.id))).scalar_one()
    return render_template_string(INDEX, jobs=jobs, count=count)


@bp.get("/health")
def health():
    """200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as exc:
        db.session.rollback()
        return jsonify(status="unavailable", error=type(exc).__name__), 503
    return jsonify(status="ok")


@bp.post("/jobs")
def create_job():
    data = request.get_json(silent=True)
    job_text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(job_text, str) or not job_text.strip():
        return jsonify(error='send JSON {"text": "..."} with a non-empty text'), 400
    job = Job(text=job_text, status="queued")
    db.session.add(job)
    # Committed before it is enqueued, so the worker always finds the row.
    db.session.commit()
    process_job.delay(job.id)
    # In eager mode (no REDIS_URL) the job ran inline: read back what it stored.
    db.session.refresh(job)
    return jsonify(job.to_dict()), 202, {"Location": f"/jobs/{job.id}"}


@bp.get("/jobs/<int:job_id>")
def show_job(job_id):
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    return jsonify(job.to_dict())

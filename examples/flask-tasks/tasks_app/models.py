"""The database: one table of jobs, created by migrations/versions/."""
from datetime import datetime, timezone

from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Job(db.Model):
    __tablename__ = "jobs"

    id = db.Column(db.Integer, primary_key=True)
    text = db.Column(db.Text, nullable=False)
    # queued -> running -> done (or failed, with error set)
    status = db.Column(db.String(16), nullable=False, default="queued")
    word_count = db.Column(db.Integer)
    sha256 = db.Column(db.String(64))
    # The host name of the worker that processed the job (its container).
    worker = db.Column(db.String(255))
    error = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime)

    def to_dict(self):
        return {
            "id": self.id,
            "text": self.text,
            "status": self.status,
            "result": None
            if self.status != "done"
            else {"word_count": self.word_count, "sha256": self.sha256},
            "worker": self.worker,
            "error": self.error,
            "created_at": _iso(self.created_at),
            "finished_at": _iso(self.finished_at),
        }


def _iso(value):
    return value.isoformat() + "Z" if value is not None else None

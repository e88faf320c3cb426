"""Configuration from the environment, Heroku-style.

DATABASE_URL (postgresql://user:pass@host:5432/db) and REDIS_URL
(redis://:password@host:6379/0) when they are set; SQLite in the instance
folder and Celery's eager mode (tasks run inline) when they are not, so
`flask run` works on a laptop with nothing else running.
"""
import os

# The Postgres driver in requirements.txt: pg8000 is pure Python (no libpq).
PG_DIALECT = "postgresql+pg8000"
# Without DATABASE_URL: Flask-SQLAlchemy 3 puts a relative SQLite path in the app's instance folder.
SQLITE_FALLBACK = "sqlite:///tasks.sqlite"


def database_uri(environ=os.environ):
    """The SQLAlchemy URI for DATABASE_URL, on the pg8000 driver; SQLite without it."""
    url = environ.get("DATABASE_URL", "").strip()
    if not url:
        return SQLITE_FALLBACK
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return PG_DIALECT + "://" + url[len(scheme):]
    return url


def celery_settings(environ=os.environ):
    """Celery's settings: Redis as broker and result backend, or eager mode without REDIS_URL."""
    url = environ.get("REDIS_URL", "").strip()
    common = {
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        # Results live in the jobs table; Celery keeps none unless a task asks.
        "task_ignore_result": True,
        # Hand a job back to the queue if the worker dies while running it.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
    }
    if not url:
        return {**common, "task_always_eager": True, "task_eager_propagates": True}
    return {**common, "broker_url": url, "result_backend": url}

"""The Celery worker's entry point: ``celery -A tasks_app.worker worker``."""
from . import create_app
from . import jobs  # noqa: F401 (registers the tasks)

flask_app = create_app()
celery = flask_app.extensions["celery"]

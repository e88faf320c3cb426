"""flask-tasks: an example Flask app with Postgres, Redis and a Celery worker, for fdock.

Web (Gunicorn target): ``tasks_app:create_app()``
Worker:                ``celery -A tasks_app.worker worker --loglevel=info``
Release (migrations):  ``flask --app tasks_app db upgrade``
"""
import os

from celery import Celery, Task
from flask import Flask
from flask_migrate import Migrate

from .models import db
from .settings import SQLITE_FALLBACK, celery_settings, database_uri

MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(
        SQLALCHEMY_DATABASE_URI=database_uri(),
        # Drop connections the database closed while idle (a restarted Postgres).
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        CELERY=celery_settings(),
    )
    if test_config is not None:
        app.config.update(test_config)
    if app.config["SQLALCHEMY_DATABASE_URI"] == SQLITE_FALLBACK:
        # Only the SQLite fallback writes here: in fdock's image the code is read-only.
        os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    Migrate(app, db, directory=MIGRATIONS_DIR)
    celery_init_app(app)

    from . import views

    app.register_blueprint(views.bp)
    return app


def celery_init_app(app):
    """One Celery app per Flask app; every task runs inside a Flask app context."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app

"""flask-blog: a tiny example Flask app for fdock.

Gunicorn target: ``flask_blog:create_app()``
"""
import os

from flask import Flask


def create_app(test_config=None):
    app = Flask(__name__)
    app.config.from_mapping(
        DATABASE=os.path.join(app.instance_path, "blog.sqlite"),
    )
    if test_config is not None:
        app.config.update(test_config)

    # The instance folder holds the SQLite database (kept on a volume by fdock).
    os.makedirs(app.instance_path, exist_ok=True)

    from . import db, views

    db.init_app(app)
    app.register_blueprint(views.bp)
    return app

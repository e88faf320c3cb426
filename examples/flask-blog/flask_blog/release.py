"""Release step, run before every deploy: ``python -m flask_blog.release``.

Creates the schema if needed and seeds a welcome post into an empty table.
Idempotent: never drops or deletes anything.
"""
from . import create_app
from .db import SCHEMA, get_db


def main():
    app = create_app()
    with app.app_context():
        conn = get_db()
        conn.execute(SCHEMA)
        count = conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
        if count == 0:
            conn.execute(
                "INSERT INTO posts (title, body) VALUES (?, ?)",
                (
                    "Welcome to flask-blog",
                    "This post was created by the release command. "
                    "Deployed with fdock (Gunicorn + Nginx).",
                ),
            )
            conn.commit()
            print(f"release: schema ready, seeded welcome post ({app.config['DATABASE']})")
        else:
            conn.commit()
            print(f"release: schema ready, {count} existing post(s) kept ({app.config['DATABASE']})")


if __name__ == "__main__":
    main()

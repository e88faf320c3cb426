import sqlite3

from flask import current_app, g

SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    created TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
)
"""


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect(current_app.config["DATABASE"], timeout=10)
        g.db.row_factory = sqlite3.Row
    return g.db


def close_db(exc=None):
    db = g.pop("db", None)
    if db is not None:
        db.close()


def init_app(app):
    app.teardown_appcontext(close_db)


def post_to_dict(row):
    return {
        "id": row["id"],
        "title": row["title"],
        "body": row["body"],
        "created": row["created"],
    }


def list_posts():
    rows = get_db().execute(
        "SELECT id, title, body, created FROM posts ORDER BY id DESC"
    ).fetchall()
    return [post_to_dict(r) for r in rows]


def get_post(post_id):
    row = get_db().execute(
        "SELECT id, title, body, created FROM posts WHERE id = ?", (post_id,)
    ).fetchone()
    return post_to_dict(row) if row is not None else None


def add_post(title, body):
    db = get_db()
    cur = db.execute("INSERT INTO posts (title, body) VALUES (?, ?)", (title, body))
    db.commit()
    return get_post(cur.lastrowid)

import time

from flask import Blueprint, jsonify, render_template, request, url_for

from . import db
from .version import VERSION

bp = Blueprint("blog", __name__)


def _clamp(value, low, high):
    return max(low, min(high, value))


@bp.get("/")
def index():
    return render_template("index.html", posts=db.list_posts(), version=VERSION)


@bp.get("/healthz")
def healthz():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/api/whoami")
def whoami():
    return jsonify(
        remote_addr=request.remote_addr,
        scheme=request.scheme,
        host=request.host,
        # What a link the app builds for itself looks like (https:// behind the edge with TLS).
        url=url_for("blog.whoami", _external=True),
    )


@bp.get("/api/io")
def io_bound():
    ms = _clamp(request.args.get("ms", 50, type=int), 0, 10_000)
    time.sleep(ms / 1000.0)  # cooperative under gevent monkey patching
    return jsonify(slept_ms=ms)


@bp.get("/api/cpu")
def cpu_bound():
    n = _clamp(request.args.get("n", 100_000, type=int), 0, 10_000_000)
    result = 0
    for i in range(n):
        result += i * i
    return jsonify(n=n, result=result)


@bp.get("/api/posts")
def posts_list():
    return jsonify(db.list_posts())


@bp.post("/api/posts")
def posts_create():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        data = {}
    title = data.get("title")
    body = data.get("body") or ""
    if not isinstance(title, str) or not title.strip():
        return jsonify(error="title is required"), 400
    if not isinstance(body, str):
        return jsonify(error="body must be a string"), 400
    return jsonify(db.add_post(title.strip(), body)), 201


@bp.get("/api/version")
def version():
    return jsonify(version=VERSION)

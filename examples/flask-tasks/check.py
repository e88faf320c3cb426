"""Smoke check of flask-tasks: health, a job through the worker, its result read back.

    python check.py URL      # over HTTP, e.g. python check.py http://localhost:8080
    python check.py          # in-process (Flask's test client), configured from the environment

In-process it uses DATABASE_URL and REDIS_URL like the app (a worker must be running for
Redis); without DATABASE_URL it migrates a throwaway SQLite database and runs the job inline.
Only the standard library besides the app itself. Exits 0 when every step passed, 1 otherwise.
"""
import argparse
import atexit
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request


class CheckFailed(Exception):
    pass


class HttpClient:
    """GET/POST JSON over HTTP against a running app."""

    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.base_url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as res:
                return res.status, res.read().decode("utf-8")
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode("utf-8", "replace")


class InProcessClient:
    """The same requests through Flask's test client, against the app the environment configures."""

    def __init__(self):
        from tasks_app import create_app

        config = None if os.environ.get("DATABASE_URL") else self._throwaway_sqlite()
        self.client = create_app(config).test_client()

    @staticmethod
    def _throwaway_sqlite():
        """Settings for a migrated SQLite database in a temp folder, the job run inline (eager)."""
        from flask_migrate import upgrade

        from tasks_app import create_app
        from tasks_app.settings import celery_settings

        folder = tempfile.mkdtemp(prefix="flask-tasks-check-")
        atexit.register(shutil.rmtree, folder, True)
        path = os.path.join(folder, "tasks.sqlite")
        # A worker elsewhere could not see this database: no broker, the job runs in this process.
        config = {"SQLALCHEMY_DATABASE_URI": "sqlite:///" + path, "CELERY": celery_settings({})}
        with create_app(config).app_context():
            upgrade()
        return config

    def request(self, method, path, body=None):
        res = self.client.open(path, method=method, json=body)
        return res.status_code, res.get_data(as_text=True)


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


def run(client, timeout):
    status, body = client.request("GET", "/health")
    expect(status == 200, f"GET /health answered {status}: {body[:200]}")
    print("ok  GET /health: 200")

    status, body = client.request("GET", "/")
    expect(status == 200 and "<h1>flask-tasks</h1>" in body, f"GET / answered {status}: {body[:200]}")
    print("ok  GET /: the HTML page")

    text = f"flask-tasks check {time.time_ns()} counts these words"
    status, body = client.request("POST", "/jobs", {"text": text})
    expect(status == 202, f"POST /jobs answered {status}: {body[:200]}")
    job = json.loads(body)
    print(f"ok  POST /jobs: job {job['id']} {job['status']}")

    deadline = time.monotonic() + timeout
    while job["status"] in ("queued", "running"):
        expect(time.monotonic() < deadline, f"job {job['id']} still {job['status']} after {timeout} s: is the worker running?")
        time.sleep(0.2)
        status, body = client.request("GET", f"/jobs/{job['id']}")
        expect(status == 200, f"GET /jobs/{job['id']} answered {status}: {body[:200]}")
        job = json.loads(body)

    expect(job["status"] == "done", f"job {job['id']} ended {job['status']}: {job.get('error')}")
    want = {"word_count": len(text.split()), "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    expect(job["result"] == want, f"job {job['id']} result {job['result']}, expected {want}")
    print(f"ok  GET /jobs/{job['id']}: done by {job['worker']}, {job['result']['word_count']} words")
    return job


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", nargs="?", help="base URL of a running app (in-process without it)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the job (default 30)")
    args = parser.parse_args(argv)
    try:
        client = HttpClient(args.url) if args.url else InProcessClient()
        job = run(client, args.timeout)
    except CheckFailed as err:
        print(f"FAILED  {err}", file=sys.stderr)
        return 1
    print(json.dumps(job))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The container health check: GET the app's health path from inside the container.
The slim Python image has no curl, so this uses the standard library.

Healthy when the answer's status is below FDOCK_HEALTH_BELOW: 500 when fdock.yaml sets no
health.path (any answer from the app proves it imported and routes requests), 400 when it does.
Each run prints one line that fdock reads from the container's health log
(src/core/stack/health-watch.ts):
    fdock-health status=404 path=/healthz
    fdock-health status=none path=/ error=ConnectionRefusedError: [Errno 111] Connection refused
"""
import os
import sys
import urllib.error
import urllib.request

path = os.environ.get("FDOCK_HEALTH_PATH", "/")
below = int(os.environ.get("FDOCK_HEALTH_BELOW", "500"))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer: report it rather than follow it somewhere else."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def report(status, error=None):
    line = "fdock-health status=%s path=%s" % (status, path)
    if error is not None:
        line += " error=%s: %s" % (type(error).__name__, str(error).replace("\n", " ")[:200])
    print(line)
    sys.exit(0 if isinstance(status, int) and status < below else 1)


# gunicorn.conf.py leaves requests with this agent out of the access log: one every 10 s is noise.
request = urllib.request.Request("http://127.0.0.1:8000" + path, headers={"User-Agent": "fdock-health"})
opener = urllib.request.build_opener(_NoRedirect)
try:
    with opener.open(request, timeout=4) as response:
        report(response.status)
except urllib.error.HTTPError as err:
    report(err.code)
except Exception as err:  # refused, timed out: not healthy yet
    report("none", err)

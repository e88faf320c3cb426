"""The container health check: GET the app's health path from inside the container.
The slim Python image has no curl, so this uses the standard library."""
import os
import sys
import urllib.error
import urllib.request

path = os.environ.get("FDOCK_HEALTH_PATH", "/healthz")
# gunicorn.conf.py leaves requests with this agent out of the access log: one every 10 s is noise.
request = urllib.request.Request("http://127.0.0.1:8000" + path, headers={"User-Agent": "fdock-health"})
try:
    with urllib.request.urlopen(request, timeout=4) as response:
        sys.exit(0 if response.status < 400 else 1)
except urllib.error.HTTPError as err:
    print("health check %s answered %d" % (path, err.code))
    sys.exit(1)
except Exception as err:  # refused, timed out: not healthy yet
    print("health check %s failed: %s" % (path, err))
    sys.exit(1)

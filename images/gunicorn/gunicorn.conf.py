"""gunicorn settings, as fdock serves every app. Values come from the environment that
fdock's compose file sets (see `fdock config`); edit fdock.yaml, not this file."""
import ipaddress
import os
import socket
import struct
import time

import gunicorn
from gunicorn.glogging import Logger

wsgi_app = "fdock_wsgi:application"
pythonpath = "/etc/fdock"
bind = "0.0.0.0:8000"

worker_class = os.environ.get("FDOCK_WORKER_CLASS", "gthread")
workers = int(os.environ.get("FDOCK_WORKERS", "3"))
threads = int(os.environ.get("FDOCK_THREADS", "4")) if worker_class == "gthread" else 1
worker_connections = int(os.environ.get("FDOCK_WORKER_CONNECTIONS", "1000"))
timeout = int(os.environ.get("FDOCK_TIMEOUT", "30"))
graceful_timeout = timeout
# Longer than nginx's upstream keepalive_timeout (1 s), so gunicorn never closes a connection
# nginx is about to reuse. Short, because a gevent worker's graceful stop waits until every
# open connection is closed, idle ones included: with nginx's 4 s and gunicorn's 5 s, a redeploy
# right after a request spent 4 s stopping the old gunicorn; with 1 s, about 1 s. Under load the
# connections are never idle that long, and a stopping worker closes each after its next request.
keepalive = 2

# One line per request on stdout (`fdock logs gunicorn`): who asked (the client nginx saw), what,
# the status, the size and how long the app took. Written by _AccessLog below, which formats just
# those fields: gunicorn's own access logger first builds a dict of every request and response
# header for each line. A CPU-starved host can still turn it off with FDOCK_ACCESS_LOG=0 in
# fdock.yaml's env_file, since nginx logs every request at the edge too.
accesslog = None if os.environ.get("FDOCK_ACCESS_LOG") == "0" else "-"
errorlog = "-"
loglevel = "info"

# Development mode: the source is mounted and gunicorn restarts workers when a file changes.
reload = os.environ.get("FDOCK_RELOAD") == "1"


def _proxy_network():
    """The network nginx reaches this container on: its one directly connected route.

    gunicorn sits only on fdock's internal network, so that network is exactly "the proxy's".
    """
    try:
        with open("/proc/net/route") as routes:
            next(routes)
            for line in routes:
                fields = line.split()
                iface, dest, gateway, mask = fields[0], fields[1], fields[2], fields[7]
                if iface != "lo" and int(gateway, 16) == 0 and int(dest, 16) != 0:
                    net = socket.inet_ntoa(struct.pack("<L", int(dest, 16)))
                    netmask = socket.inet_ntoa(struct.pack("<L", int(mask, 16)))
                    return str(ipaddress.ip_network("%s/%s" % (net, netmask), strict=False))
    except (OSError, ValueError, IndexError):
        pass
    return "127.0.0.1"


PROXY_NETWORK = _proxy_network()
# gunicorn >= 22 understands networks here.
forwarded_allow_ips = PROXY_NETWORK


class _Network:
    """A network that answers `address in network`, for gunicorn < 22, which compares strings."""

    def __init__(self, cidr):
        self.net = ipaddress.ip_network(cidr, strict=False)

    def __contains__(self, address):
        try:
            return ipaddress.ip_address(address) in self.net
        except ValueError:
            return False

    def __iter__(self):
        return iter([str(self.net)])


def _gunicorn_version():
    try:
        return tuple(int(p) for p in gunicorn.__version__.split(".")[:2])
    except ValueError:
        return (0, 0)


def post_worker_init(worker):
    if _gunicorn_version() < (22, 0) and "/" in PROXY_NETWORK:
        worker.cfg.settings["forwarded_allow_ips"].value = _Network(PROXY_NETWORK)


class _AccessLog(Logger):
    """gunicorn's logger with a cheaper access line, in the combined format plus the time taken:
    `203.0.113.7 - - [22/Nov/2026:18:30:00 +0000] "GET /path?q=1 HTTP/1.1" 200 512 "-" "curl/8" 0.004`.
    """

    def access(self, resp, req, environ, request_time):
        if not self.cfg.accesslog or environ.get("HTTP_USER_AGENT") == "fdock-health":
            return
        try:
            target = req.path + ("?" + req.query if req.query else "")
            self.access_log.info(
                '%s - - [%s] "%s %s HTTP/%s.%s" %s %s "%s" "%s" %.3f',
                environ.get("REMOTE_ADDR", "-"),
                time.strftime("%d/%b/%Y:%H:%M:%S %z"),
                req.method, target, req.version[0], req.version[1],
                getattr(resp, "status_code", None) or str(resp.status).split(" ", 1)[0],
                getattr(resp, "sent", None) or "-",
                environ.get("HTTP_REFERER", "-"),
                environ.get("HTTP_USER_AGENT", "-"),
                request_time.total_seconds(),
            )
        except Exception:
            # A log line is never worth a failed request.
            self.exception("access log")


logger_class = _AccessLog

"""The WSGI entry point fdock serves: the user's app, loaded exactly as gunicorn would load
FDOCK_APP ("module:app" or "module:create_app()"), behind Werkzeug's ProxyFix trusting exactly
one proxy hop (fdock's nginx). A client-sent X-Forwarded-For cannot change remote_addr: nginx
appends the real peer and only that last hop is believed."""
import os

from gunicorn.util import import_app

try:
    from werkzeug.middleware.proxy_fix import ProxyFix
except ImportError as exc:  # a WSGI app without Werkzeug
    raise RuntimeError("fdock needs Werkzeug (it comes with Flask): add Flask or Werkzeug to requirements.txt") from exc

application = ProxyFix(import_app(os.environ["FDOCK_APP"]), x_for=1, x_proto=1, x_host=1)

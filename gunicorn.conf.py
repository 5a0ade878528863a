"""gunicorn's settings for a production run: ``gunicorn -c gunicorn.conf.py wsgi:app`` in the project root.

gunicorn also reads this file by itself when started in the project root. gevent
workers, on loopback, behind nginx (``deploy/nginx/comments.conf``): each worker
answers many requests at once, so that it holds thousands of open event streams
(``/api/events``, ``/api/posts/{slug}/events``) beside the API, each a greenlet
waiting for its next event. nginx reads whole requests and buffers whole
answers, except the event streams', which it passes through as they come.
Which address, how many workers and whose forwarded scheme to believe come
from the environment, through ``config.ServerConfig``
(``deploy/env.example`` lists them); the rest is fixed here, with its reason.

Signals (to the master): HUP reloads this file and the application code with
new workers, the old ones finishing their requests; TERM stops gracefully;
USR2 starts a new master beside the old one, then TERM the old one (QUIT and
INT are gunicorn's quick shutdown, which cuts requests in flight).
"""
import os
import runpy

# config.py is run, not imported: a module imported by the master stays in
# sys.modules, every worker forked after a HUP would inherit that copy, and a
# deploy that changed config.py would not take effect until a full restart.
_settings = runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.py"))["ServerConfig"]()

bind = _settings.GUNICORN_BIND
workers = _settings.GUNICORN_WORKERS
# gevent: a request waiting on PostgreSQL, Redis or a client lets the worker answer another, and an open event
# stream costs a greenlet, not a worker (sync workers would each be held by one stream). The app's blocking
# calls (psycopg, redis-py, sockets) are made cooperative by gevent's monkey-patching when a worker starts.
worker_class = "gevent"
# Connections one worker holds at once: the open event streams of its share of the readers, and the requests.
worker_connections = _settings.GUNICORN_WORKER_CONNECTIONS

# Off, so that HUP loads new application code in new workers (a deploy without a
# restart), and so that every worker makes its own database pool, Redis
# connections and background threads after the fork (threads do not survive one).
preload_app = False

# A worker that has not come back to the master for this long is killed and
# replaced (a gevent worker reports between greenlets, so an open stream never
# counts against it). Requests take milliseconds; nginx's proxy_read_timeout is
# longer, so that gunicorn decides and nginx answers the JSON 503.
timeout = 30
# On HUP, TERM and the end of a USR2 upgrade, workers have this long to finish
# what they are answering. systemd's TimeoutStopSec is longer.
graceful_timeout = 30
# How long an idle keep-alive connection stays open (nginx keeps none to gunicorn).
keepalive = 5

# Recycle a worker after about 10,000 requests, to bound slow memory growth;
# the jitter keeps the workers from restarting together, so capacity never
# drops by more than one worker at a time.
max_requests = 10000
max_requests_jitter = 1000

# nginx on the same machine sends X-Forwarded-Proto; only that header, with
# the value nginx sets, marks a request https (a client-sent X-Forwarded-Ssl
# that nginx passes along can then neither upgrade nor break a request). The
# app reads X-Forwarded-For/Proto/Host itself, through TRUSTED_PROXIES.
forwarded_allow_ips = _settings.FORWARDED_ALLOW_IPS
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# nginx decides what is too large (8 KiB lines, 32 KiB of headers in all, its
# JSON 400) and may lengthen X-Forwarded-For by an address; gunicorn's own
# limits sit above that, so that it never answers its HTML 400 for a request
# nginx let through.
limit_request_line = 8190
limit_request_field_size = 16380
limit_request_fields = 32768

# One line per answer on stdout (the journal under systemd): no client
# address and no query string (moderators' queries carry e-mail addresses),
# with nginx's request id to find the same request in nginx's log.
accesslog = "-"
access_log_format = '%(t)s %(p)s id=%({x-request-id}i)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = "info"

# The control socket's default path is per user, so two masters (during a
# USR2 upgrade, or two services) would share it; signals are the interface.
control_socket_disable = True
proc_name = "comments-service"


def post_worker_init(worker):  # noqa: ANN001, ANN201 - gunicorn's hook
    """End this worker's open event streams as soon as it is told to stop (HUP, TERM, recycling).

    Without this a stopping worker would wait out graceful_timeout for streams that never end on their own; ended,
    each browser reconnects at once (to a new worker) from its last event id, missing nothing.
    """
    import threading
    import time

    def watch() -> None:
        while worker.alive:
            time.sleep(0.5)
        from comments_service import live_hub

        live_hub.close_all()

    threading.Thread(target=watch, name="end-streams", daemon=True).start()

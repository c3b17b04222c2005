"""Gunicorn settings shared by both twins: one production server, configured in one place.

Both twins run under exactly this file; only the WSGI callable differs:
    gunicorn -c gunicorn.conf.py --chdir flask_impl wsgi:app
    gunicorn -c gunicorn.conf.py --chdir django_impl config.wsgi:application
"""

import contextlib
import functools
import os
import signal
import time

from gunicorn.http.errors import ParseException
from gunicorn.workers.base import Worker

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Several processes, so the SQLite settings of both twins are exercised by real concurrent writers.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Threads, not sync workers: the twins face browsers directly (make serve, docker), with no
# buffering proxy in front. A browser opens spare connections and sends nothing on them; a sync
# worker waits on such a connection until `timeout`, so three of them stall the whole server.
# A gthread worker gives such a connection one of its threads for at most 5 s (then parks it in
# its poller, as it does connections kept alive between requests), and has threads to spare.
worker_class = "gthread"
threads = 4
keepalive = 5
# The app is loaded once, in the master, then forked: workers start faster, and a twin that
# refuses to start (no SECRET_KEY) stops Gunicorn with its one line instead of failing in every
# worker, which the master would restart forever. Neither twin opens a connection at import.
preload_app = True
# Gunicorn 27 opens a control socket at one fixed path per user; several servers side by side
# (both twins, the contract suite's extra servers) would share it. Nothing here uses it.
control_socket_disable = True
timeout = 30
graceful_timeout = 20
accesslog = "-"
errorlog = "-"
# What is left of a request body that the app answered without reading (a 401, a 413, a 411) is
# read and dropped, up to this much, before the connection closes: closed with unread data, a
# socket sends a reset, which a proxy still sending that body (nginx) answers with its own 502.
# deploy/nginx.conf lets no larger body through. For this long at most: a client that promises a
# body and sends none would otherwise hold the thread as long as it likes.
DRAIN_LIMIT = 2 * 1024 * 1024
DRAIN_SECONDS = 5.0


def post_worker_init(worker):
    """Make a worker's quick stop safe: SIGINT left to the master, SIGQUIT without a deadlock.

    Gunicorn 27's gthread worker answers SIGQUIT (the master's quick stop, after Ctrl-C) by
    shutting its thread pool down inside the signal handler, which takes the pool's lock. When
    the signal lands while the worker's main thread is handing a connection to the pool, which
    holds that lock, the handler waits for it forever, and the worker for the master's SIGKILL,
    graceful_timeout later. So the handler is the base worker's, which only exits: the exit
    still lets requests already running finish (Python joins the pool's threads at exit).
    Ctrl-C (or a signal to the process group) reaches the workers too, and the master's
    SIGQUIT follows; workers ignore SIGINT, so each stops once, on the master's signal.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGQUIT, functools.partial(Worker.handle_quit, worker))


def post_request(worker, req, environ, resp):
    """Read and drop the rest of the request's body, up to DRAIN_LIMIT bytes and DRAIN_SECONDS
    (the answer is sent)."""
    sock = req.unreader.sock
    left, deadline = DRAIN_LIMIT, time.monotonic() + DRAIN_SECONDS
    # The client may have gone, sent a broken chunk or stopped sending (a timeout is an OSError):
    # then there is nothing more to read.
    with contextlib.suppress(OSError, ParseException):
        while left > 0 and (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            if not (chunk := req.body.read(min(left, 64 * 1024))):
                break
            left -= len(chunk)
    sock.settimeout(None)  # blocking again, as the worker left it

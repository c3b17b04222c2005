"""Gunicorn settings shared by both twins: one production server, configured in one place.

Both twins run under exactly this file; only the WSGI callable differs:
    gunicorn -c gunicorn.conf.py --chdir flask_impl wsgi:app
    gunicorn -c gunicorn.conf.py --chdir django_impl config.wsgi:application
"""

import os
import signal

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


def post_worker_init(worker):
    """Leave SIGINT to the master: a worker stops on the SIGQUIT the master sends it then.

    Ctrl-C (or a signal to the process group) reaches the workers too, and the master's SIGQUIT
    follows; Gunicorn 27's gthread worker deadlocks when a second quick-stop signal interrupts
    its handler of the first (both take its thread pool's lock), and hangs until the master's
    SIGKILL, graceful_timeout later. fault_tests/ found it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

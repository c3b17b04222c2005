"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

import os
from functools import partial

from items import create_app
from items.models import db

app = create_app()

# Gunicorn (preload_app) creates the app in its master and forks the workers from it. A worker
# must never use a pooled connection it inherited (two processes on one socket): each child starts
# with a pool of its own, leaving the parent's connections open for the parent (SQLAlchemy's
# recipe for os.fork()). Django keeps no pool: config/wsgi.py closes the master's connections.
with app.app_context():
    os.register_at_fork(after_in_child=partial(db.engine.dispose, close=False))

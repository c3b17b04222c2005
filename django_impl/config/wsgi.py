"""WSGI entry point for gunicorn: `config.wsgi:application`."""

import os

from django.core.wsgi import get_wsgi_application
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Gunicorn (preload_app) loads this module in its master and forks the workers from it. A worker
# must never use a connection it inherited (two processes on one socket), so the master closes any
# it opened before each fork; each worker opens its own. Flask: wsgi.py gives each child an empty
# pool instead, SQLAlchemy's recipe, since Django has no pool to replace.
os.register_at_fork(before=connections.close_all)

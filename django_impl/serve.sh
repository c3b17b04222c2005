#!/bin/sh
# Production start of the Django twin: migrate (unless MIGRATE=0), then gunicorn.
# Expects the venv's bin on PATH; gunicorn binds to GUNICORN_BIND (see ../gunicorn.conf.py).
# Django: WhiteNoise serves the files that collectstatic wrote to STATIC_ROOT beforehand, once
# (the image's build, make serve): replicas starting together would rewrite them under each other.
set -eu
cd "$(dirname "$0")"
# Django: the system checks (items/checks.py: the files collectstatic wrote) refuse, in one
# line, a start that would answer 500 on every page; gunicorn runs none, migrate runs them first.
if [ "${MIGRATE:-1}" != "0" ]; then
    python manage.py migrate --noinput
else
    python manage.py check
fi
exec gunicorn --config ../gunicorn.conf.py config.wsgi:application

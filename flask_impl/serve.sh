#!/bin/sh
# Production start of the Flask twin: migrate (unless MIGRATE=0), then gunicorn.
# Expects the venv's bin on PATH; gunicorn binds to GUNICORN_BIND (see ../gunicorn.conf.py).
set -eu
cd "$(dirname "$0")"
if [ "${MIGRATE:-1}" != "0" ]; then
    flask --app wsgi db upgrade
fi
exec gunicorn --config ../gunicorn.conf.py wsgi:app

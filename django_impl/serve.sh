#!/bin/sh
# Production start of the Django twin: migrate (unless MIGRATE=0), collect static files, gunicorn.
# Expects the venv's bin on PATH; gunicorn binds to GUNICORN_BIND (see ../gunicorn.conf.py).
set -eu
cd "$(dirname "$0")"
if [ "${MIGRATE:-1}" != "0" ]; then
    python manage.py migrate --noinput
fi
# Django: WhiteNoise serves the hashed copies that collectstatic writes to STATIC_ROOT.
python manage.py collectstatic --noinput --verbosity 0
exec gunicorn --config ../gunicorn.conf.py config.wsgi:application

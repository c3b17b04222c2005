"""SQLite for several workers: WAL, a busy timeout, writes that lock up front (Django: OPTIONS)."""

from flask import has_request_context, request
from sqlalchemy import event

from .models import db

# Requests that only read; every other request (and a CLI command) may write.
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def on_connect(dbapi_connection, connection_record):
    """Set each new connection up; leave BEGIN to on_begin (SQLAlchemy's pysqlite recipe)."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 20000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def on_begin(connection):
    """BEGIN IMMEDIATE unless the request only reads (Django: transaction_mode IMMEDIATE)."""
    # A transaction that began reading cannot take the write lock once another worker has
    # written: SQLite refuses at once, whatever the busy timeout.
    reads_only = has_request_context() and request.method in SAFE_METHODS
    connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")


def init_app(app):
    """Listen to the engine's events when the database is SQLite."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", on_connect)
        event.listen(engine, "begin", on_begin)

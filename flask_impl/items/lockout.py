"""Failed admin logins, counted in the database for every worker (Django: django-axes)."""

from datetime import timedelta

from flask import render_template
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite as sqlite_dialect

from .models import LoginAttempt, db, utc_now

# 5 failures of one username from one address lock that pair out for 15 minutes (AXES_*).
FAILURE_LIMIT = 5
COOL_OFF = timedelta(minutes=15)
LOCKED_OUT = "Too many failed logins for this username from your address. Try again in 15 minutes."
# INSERT ... ON CONFLICT DO UPDATE, in each database's dialect (the same API in both).
UPSERTS = {"sqlite": sqlite_dialect.insert, "postgresql": postgresql.insert}


def is_locked_out(username, address):
    """Whether the pair has failed FAILURE_LIMIT times lately; asked before the password."""
    failures = db.session.scalar(
        select(LoginAttempt.failures_since_start).where(
            LoginAttempt.username == username,
            LoginAttempt.ip_address == address,
            LoginAttempt.attempt_time >= utc_now() - COOL_OFF,
        )
    )
    return (failures or 0) >= FAILURE_LIMIT


def record_failure(username, address):
    """Count a failure of the pair in one atomic upsert; return whether it is now locked out."""
    # Expired rows go first, as django-axes' database handler does: a row left is a recent one.
    now = utc_now()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.attempt_time < now - COOL_OFF))
    upsert = UPSERTS[db.engine.dialect.name](LoginAttempt).values(
        username=username, ip_address=address, failures_since_start=1, attempt_time=now
    )
    upsert = upsert.on_conflict_do_update(
        index_elements=["username", "ip_address"],
        set_={"failures_since_start": LoginAttempt.failures_since_start + 1, "attempt_time": now},
    )
    failures = db.session.scalar(upsert.returning(LoginAttempt.failures_since_start))
    db.session.commit()
    return failures >= FAILURE_LIMIT


def forget_failures(username, address):
    """A successful login clears the pair's failures (Django: AXES_RESET_ON_SUCCESS)."""
    db.session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.ip_address == address
        )
    )
    db.session.commit()


def locked_out():
    """The answer to a locked-out login: 429 (Django: settings.AXES_LOCKOUT_CALLABLE)."""
    return render_template("items/error.html", status=429, message=LOCKED_OUT), 429

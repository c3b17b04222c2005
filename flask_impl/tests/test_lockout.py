"""The login limit's expiry: a locked-out username logs in again once fifteen minutes have passed.

The lock itself (the fifth failure, the count cleared by a login, the address it counts by) is the
contract suite's; the time passing is not something HTTP can reach.
"""

import re
from datetime import timedelta

from sqlalchemy import select

from items.models import LoginAttempt, db

PASSWORD = "correct horse battery staple"
FAILURE_LIMIT = 5


def log_in(client, username, password):
    """Open the login page and send the form with its CSRF token; the status of the answer."""
    page = client.get("/admin/login/").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"username": username, "password": password, "csrf_token": token}
    return client.post("/admin/login/", data=data).status_code


def test_the_lock_ends_after_fifteen_minutes(app, client, make_user):
    make_user("boss", PASSWORD, is_admin=True)
    statuses = [log_in(client, "boss", "wrong") for _ in range(FAILURE_LIMIT)]
    assert statuses[-1] == 429
    assert log_in(client, "boss", PASSWORD) == 429
    with app.app_context():
        attempt = db.session.scalar(select(LoginAttempt))
        attempt.attempt_time -= timedelta(minutes=15, seconds=1)
        db.session.commit()
    assert log_in(client, "boss", PASSWORD) == 302

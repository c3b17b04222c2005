"""The login limit's expiry: a locked-out username logs in again once fifteen minutes have passed.

The lock itself (the fifth failure, the count cleared by a login, the address it counts by) is the
contract suite's; the time passing is not something HTTP can reach.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F

pytestmark = pytest.mark.django_db

PASSWORD = "admin-password"
FAILURE_LIMIT = 5


def log_in(client, username, password):
    """Send the login form; the status of the answer (the test client skips the CSRF check)."""
    data = {"username": username, "password": password}
    return client.post("/admin/login/", data).status_code


def test_the_lock_ends_after_fifteen_minutes(client, django_user_model):
    django_user_model.objects.create_superuser("admin", password=PASSWORD)
    statuses = [log_in(client, "admin", "wrong") for _ in range(FAILURE_LIMIT)]
    assert statuses[-1] == 429
    assert log_in(client, "admin", PASSWORD) == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=15, seconds=1))
    assert log_in(client, "admin", PASSWORD) == 302

"""Failed admin logins: django-axes counts them (settings.py, AXES_*); this is its answer.

Flask: items/lockout.py does the whole job, on the LoginAttempt model of items/models.py.
"""

from django.shortcuts import render

LOCKED_OUT = "Too many failed logins for this username from your address. Try again in 15 minutes."


def locked_out(request, response, credentials):
    """The answer to a locked-out login: 429 (settings.AXES_LOCKOUT_CALLABLE)."""
    context = {"status": 429, "message": LOCKED_OUT}
    return render(request, "items/error.html", context, status=429)

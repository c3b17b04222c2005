"""Failed admin logins: the answer once locked out.

django-axes counts them and locks out (settings.py, AXES_*) by REMOTE_ADDR, which
items.security.forwarded_for sets behind trusted proxies; this is its callable for the answer.
Flask: items/lockout.py does the whole job.
"""

from django.shortcuts import render

LOCKED_OUT = "Too many failed logins for this username from your address. Try again in 15 minutes."


def locked_out(request, response, credentials):
    """The answer to a locked-out login: 429 (settings.AXES_LOCKOUT_CALLABLE)."""
    context = {"status": 429, "message": LOCKED_OUT}
    return render(request, "items/error.html", context, status=429)

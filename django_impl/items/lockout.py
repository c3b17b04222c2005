"""Failed admin logins: the address they come from, and the answer once locked out.

django-axes counts them and locks out (settings.py, AXES_*) by REMOTE_ADDR, which the middleware
here sets behind trusted proxies; the answer is its callable. Flask: items/lockout.py does the
whole job.
"""

import contextlib
import ipaddress

from django.conf import settings
from django.shortcuts import render

LOCKED_OUT = "Too many failed logins for this username from your address. Try again in 15 minutes."


def forwarded_for(get_response):
    """Middleware: REMOTE_ADDR becomes the client's address, for axes and the access log.

    With TRUSTED_PROXIES=N, the Nth address from the end of X-Forwarded-For, the one that the
    first of the N proxies in front appended (anyone could send the entries before; Flask:
    ProxyFix(x_for=N)). Something that is not an address leaves REMOTE_ADDR as it is: axes
    stores it in an inet column on PostgreSQL.
    """

    def middleware(request):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if 0 < settings.TRUSTED_PROXIES <= len(forwarded):
            with contextlib.suppress(ValueError):
                address = ipaddress.ip_address(forwarded[-settings.TRUSTED_PROXIES].strip())
                request.META["REMOTE_ADDR"] = str(address)
        return get_response(request)

    return middleware


def locked_out(request, response, credentials):
    """The answer to a locked-out login: 429 (settings.AXES_LOCKOUT_CALLABLE)."""
    context = {"status": 429, "message": LOCKED_OUT}
    return render(request, "items/error.html", context, status=429)

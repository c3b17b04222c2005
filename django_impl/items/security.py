"""The admin's Content-Security-Policy; the rest of the hardening is in settings.py."""

from items.views import CONTENT_SECURITY_POLICY


def admin_content_security_policy(get_response):
    """Middleware: the home page's CSP on every page of the admin too (Flask: security.py)."""

    def middleware(request):
        response = get_response(request)
        if request.path.startswith("/admin/"):
            response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    return middleware

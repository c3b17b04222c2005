"""Logging in to the admin: sessions, the login and logout pages, and who counts as an admin."""

import functools
from urllib.parse import urlencode

from flask import redirect, request, session, url_for
from flask_admin import AdminIndexView, expose
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.security import generate_password_hash

from . import lockout
from .errors import handle_http_exception
from .forms import LoginForm
from .models import User, db
from .security import is_safe_url

INVALID_LOGIN = (
    "Please enter the correct username and password for an admin account. "
    "Note that both fields may be case-sensitive."
)

login_manager = LoginManager()


@login_manager.user_loader
def load_user(session_token):
    """The logged-in user, by the token Flask-Login keeps in the session cookie (User.get_id)."""
    return db.session.scalar(select(User).where(User.session_token == session_token))


def is_admin(user):
    """Django's admin rule: an active user with is_staff (here is_admin)."""
    return user.is_authenticated and user.is_active and user.is_admin


@functools.cache
def unknown_user_hash():
    """A password hash to check when the username is unknown."""
    return generate_password_hash("no such user")


def authenticate(username, password):
    """The admin with these credentials, or None (Django: authenticate() and the admin's form)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        # Hash anyway, so that an unknown name answers as slowly as a wrong password, as in Django.
        User(password=unknown_user_hash()).check_password(password)
        return None
    return user if user.check_password(password) and is_admin(user) else None


def redirect_to_login():
    """302 to the login page, with the path to come back to (Django: redirect_to_login())."""
    query = request.query_string.decode("latin-1")
    next_url = f"{request.path}?{query}" if query else request.path
    return redirect(f"{url_for('admin.login_view')}?{urlencode({'next': next_url}, safe='/')}")


class AdminOnly:
    """Admins see the view; anyone else goes to the login page (Django: AdminSite.admin_view)."""

    def is_accessible(self):
        """Whether the current user is an admin."""
        return is_admin(current_user)

    def inaccessible_callback(self, name, **kwargs):
        """302 to the login page, with the path to come back to."""
        return redirect_to_login()


class AdminHomeView(AdminOnly, AdminIndexView):
    """/admin/ and its login and logout pages (Django: AdminSite's index, login and logout)."""

    def _handle_view(self, name, **kwargs):
        # The login page is open to everyone, as Django's (it is not wrapped in admin_view()).
        if name == "login_view":
            return None
        return super()._handle_view(name, **kwargs)

    def inaccessible_callback(self, name, **kwargs):
        """Logout by a non-admin goes to the index, as in Django; anything else to the login."""
        if name == "logout_view":
            return redirect(url_for(".index"))
        return super().inaccessible_callback(name, **kwargs)

    @expose("/login/", methods=("GET", "POST"))
    def login_view(self):
        """The login form; an admin's login goes on to `next` if it is safe, else to /admin/."""
        if request.method == "GET" and is_admin(current_user):
            return redirect(url_for(".index"))
        next_url = request.form.get("next", request.args.get("next", ""))
        if not is_safe_url(next_url, {request.host}, require_https=request.is_secure):
            next_url = url_for(".index")
        form = LoginForm()
        if form.validate_on_submit():
            username, password = form.username.data, form.password.data
            # Locked out: refused before the password is checked (Django: django-axes' backend).
            if lockout.is_locked_out(username, request.remote_addr):
                return lockout.locked_out()
            user = authenticate(username, password)
            if user is not None:
                lockout.forget_failures(username, request.remote_addr)
                login_user(user)
                # Kept by the browser for PERMANENT_SESSION_LIFETIME, as Django's session cookie is.
                session.permanent = True
                # A new CSRF token for the new session, as Django's login() rotates it.
                session.pop("csrf_token", None)
                return redirect(next_url)
            if lockout.record_failure(username, request.remote_addr):
                return lockout.locked_out()
            form.form_errors.append(INVALID_LOGIN)
        return self.render("admin/login.html", form=form, next_url=next_url)

    @expose("/logout/", methods=("POST",))
    def logout_view(self):
        """Log out (a POST, so with the CSRF token) and say so."""
        # A copy of the signed cookie would stay valid: a new token ends every session of the
        # user. Django deletes the session's row, which ends this session alone.
        current_user.end_sessions()
        db.session.commit()
        logout_user()
        # Django's logout() flushes the whole session, not only the user's id.
        session.clear()
        return self.render("admin/logged_out.html")


def unknown_admin_page(error):
    """A path under /admin/ that is no page: non-admins go to the login page first, as in Django.

    Django's admin ends on a catch-all view behind the login; a Flask route for it would take
    the place of the 405 that a GET of the logout answers.
    """
    # The path as sent: //admin/x is no admin path, as in Django (request.path drops a slash).
    if request.environ["PATH_INFO"].startswith("/admin/") and not is_admin(current_user):
        return redirect_to_login()
    return handle_http_exception(error)


def init_app(app):
    """Log-in sessions, and the login page for unknown admin paths (Django: the auth app)."""
    login_manager.init_app(app)
    app.register_error_handler(NotFound, unknown_admin_page)

"""The admin: Flask-Admin at /admin/, with the items at /admin/items/item/, for admins only."""

import functools
import re
from typing import ClassVar
from urllib.parse import urlencode

from flask import flash, redirect, request, session, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.model.template import EditRowAction, LinkRowAction
from flask_admin.theme import Bootstrap4Theme
from flask_login import LoginManager, current_user, login_user, logout_user
from jinja2.ext import Extension
from sqlalchemy import select
from werkzeug.exceptions import NotFound
from werkzeug.security import generate_password_hash

from . import lockout
from .converters import ITEM_ID_MAX, ItemIdConverter
from .errors import ApiError, handle_http_exception
from .forms import ItemForm, LoginForm
from .models import Item, User, as_utc, db
from .security import is_safe_url
from .views import save_item

SITE_NAME = "Flask ⇄ Django Twins"
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


class AdminOnly:
    """Admins see the view; anyone else goes to the login page (Django: AdminSite.admin_view)."""

    def is_accessible(self):
        """Whether the current user is an admin."""
        return is_admin(current_user)

    def inaccessible_callback(self, name, **kwargs):
        """302 to the login page, with the path to come back to."""
        return redirect_to_login()


def redirect_to_login():
    """302 to the login page, with the path to come back to (Django: redirect_to_login())."""
    query = request.query_string.decode("latin-1")
    next_url = f"{request.path}?{query}" if query else request.path
    return redirect(f"{url_for('admin.login_view')}?{urlencode({'next': next_url}, safe='/')}")


def unknown_admin_page(error):
    """A path under /admin/ that is no page: non-admins go to the login page first, as in Django.

    Django's admin ends on a catch-all view behind the login; a Flask route for it would take
    the place of the 405 that a GET of the logout answers.
    """
    # The path as sent: //admin/x is no admin path, as in Django (request.path drops a slash).
    if request.environ["PATH_INFO"].startswith("/admin/") and not is_admin(current_user):
        return redirect_to_login()
    return handle_http_exception(error)


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


def format_updated(view, context, item, name):
    """The list's Updated cell, in UTC and to the minute, as Django's admin shows it."""
    # Flask-Admin prints str(datetime); Django's DATETIME_FORMAT has no strftime codes.
    value = as_utc(item.updated_at)
    return f"{value:%b} {value.day}, {value.year}, {value.hour % 12 or 12}:{value:%M %p}"


class ItemAdmin(AdminOnly, ModelView):
    """List, search, create, edit and delete items (Django: ItemAdmin, a ModelAdmin)."""

    column_list = ("name", "quantity", "updated_at")
    column_labels: ClassVar = {"updated_at": "Updated"}
    column_formatters: ClassVar = {"updated_at": format_updated}
    column_searchable_list = ("name",)
    column_default_sort = "name"
    # Django's list_per_page.
    page_size = 100
    # The form is ItemForm, the rules the API runs too (Django: a ModelForm of Item).
    form = ItemForm
    create_template = "admin/items/item/create.html"
    edit_template = "admin/items/item/edit.html"
    # Deleting goes through the confirmation page only, so no bulk delete with a JS confirm.
    action_disallowed_list = ("delete",)

    def get_list_row_actions(self):
        """Edit, and a link to the delete confirmation page (Flask-Admin's own: a JS confirm)."""
        return [EditRowAction(), LinkRowAction("fa fa-trash", "delete/?id={row_id}", "Delete")]

    def get_list(self, page, sort_column, sort_desc, search, filters, *args, **kwargs):
        """The list; a search with a NUL (PostgreSQL cannot compare it) is refused, as in Django."""
        if search and "\x00" in search:
            flash("NUL characters are not allowed.", "error")
            search = None
        return super().get_list(page, sort_column, sort_desc, search, filters, *args, **kwargs)

    def get_one(self, id):
        """The item with the id in ?id=, or None; a POST (save or delete) locks its row."""
        if not re.fullmatch(ItemIdConverter.regex, id) or int(id) > ITEM_ID_MAX:
            # Not an id the API's paths accept: Flask-Admin says "Record does not exist".
            return None
        return db.session.get(Item, int(id), with_for_update=request.method == "POST")

    def create_form(self, obj=None):
        """The add form, showing the model's defaults, as Django's does."""
        return super().create_form(obj or Item(**Item.defaults()))

    def create_model(self, form):
        """Store a new item; a duplicate name is an error on the form."""
        item = Item()
        form.populate_obj(item)
        return item if self.save(form, item) else False

    def update_model(self, form, item):
        """Store the changes; the ORM leaves updated_at alone if no value changed."""
        form.populate_obj(item)
        return self.save(form, item)

    def save(self, form, item):
        """Save the item, or put the duplicate name on the form (Django: validate_unique())."""
        try:
            save_item(item)
        except ApiError as error:
            form.name.errors.extend(error.fields["name"])
            return False
        return True

    @expose("/delete/", methods=("GET", "POST"))
    def delete_view(self):
        """GET: a page that asks to confirm, as Django's; POST: Flask-Admin's delete."""
        if request.method == "POST":
            return super().delete_view()
        list_url = self.get_url(".index_view")
        item = self.get_one(request.args.get("id", ""))
        if item is None:
            flash("Record does not exist.", "error")
            return redirect(list_url)
        return self.render("admin/delete_confirmation.html", item=item, list_url=list_url)


class HtmlLang(Extension):
    """lang="en" on the <html> of Flask-Admin's base template, which has no block to say it."""

    def preprocess(self, source, name, filename=None):
        # Django's admin writes <html lang="..."> itself.
        if name == "admin/base.html":
            source = source.replace("<html>", '<html lang="en">', 1)
        return source


def init_app(app):
    """Log-in sessions and the admin site (Django: the admin and auth apps, admin.site.urls)."""
    login_manager.init_app(app)
    app.register_error_handler(NotFound, unknown_admin_page)
    app.jinja_env.add_extension(HtmlLang)
    theme = Bootstrap4Theme(base_template="admin/base_site.html")
    admin = Admin(app, name=SITE_NAME, index_view=AdminHomeView(), theme=theme)
    admin.add_view(ItemAdmin(Item, db, name="Items", endpoint="item", url="/admin/items/item"))

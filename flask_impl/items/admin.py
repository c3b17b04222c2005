"""The admin: Flask-Admin at /admin/, with the items at /admin/items/item/, for admins only."""

import functools
import re
from datetime import timedelta
from typing import ClassVar
from urllib.parse import urlencode, urlsplit

from flask import Flask, flash, redirect, render_template, request, session, url_for
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.model.template import EditRowAction, LinkRowAction
from flask_admin.theme import Bootstrap4Theme
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import generate_password_hash

from .converters import ITEM_ID_MAX, ItemIdConverter
from .errors import ApiError
from .forms import ItemForm, LoginForm, has_control_characters
from .models import Item, LoginAttempt, User, as_utc, begin_write, db, utc_now
from .views import change_item, save_item

SITE_NAME = "Flask ⇄ Django Twins"
INVALID_LOGIN = (
    "Please enter the correct username and password for an admin account. "
    "Note that both fields may be case-sensitive."
)
LOCKED_OUT = "Too many failed logins for this username from your address. Try again in 15 minutes."
# Django: AXES_FAILURE_LIMIT and AXES_COOLOFF_TIME in settings.py.
FAILURE_LIMIT = 5
COOL_OFF = timedelta(minutes=15)
# INSERT ... ON CONFLICT DO UPDATE, in each database's dialect (the same API in both).
UPSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}

login_manager = LoginManager()


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in user, from the id Flask-Login keeps in the session cookie."""
    return db.session.get(User, int(user_id))


def is_admin(user) -> bool:
    """Django's admin rule: an active user with is_staff (here is_admin)."""
    return user.is_authenticated and user.is_active and user.is_admin


@functools.cache
def unknown_user_hash() -> str:
    """A password hash to check when the username is unknown."""
    return generate_password_hash("no such user")


def authenticate(username: str, password: str) -> User | None:
    """The admin with these credentials, or None (Django: authenticate() and the admin's form)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        # Hash anyway, so that an unknown name answers as slowly as a wrong password, as in Django.
        User(password=unknown_user_hash()).check_password(password)
        return None
    return user if user.check_password(password) and is_admin(user) else None


def is_locked_out(username: str, address: str) -> bool:
    """Whether this username from this address has failed FAILURE_LIMIT times in a row lately.

    Django: django-axes' AxesStandaloneBackend asks the same before any password is checked.
    """
    failures = db.session.scalar(
        select(LoginAttempt.failures_since_start).where(
            LoginAttempt.username == username,
            LoginAttempt.ip_address == address,
            LoginAttempt.attempt_time >= utc_now() - COOL_OFF,
        )
    )
    return (failures or 0) >= FAILURE_LIMIT


def record_failure(username: str, address: str) -> int:
    """Count a failed login of this username from this address; return the pair's failures.

    One statement, atomic in every worker: it inserts the pair's row, or adds one to its count
    (starting again at 1 when the last failure is older than COOL_OFF). Expired rows of any pair
    are deleted first, as django-axes' database handler does, so the table stays small.
    """
    now = utc_now()
    start_write_transaction()
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.attempt_time < now - COOL_OFF))
    upsert = UPSERTS[db.engine.dialect.name](LoginAttempt).values(
        username=username, ip_address=address, failures_since_start=1, attempt_time=now
    )
    recent = LoginAttempt.attempt_time >= now - COOL_OFF
    upsert = upsert.on_conflict_do_update(
        index_elements=["username", "ip_address"],
        set_={
            "failures_since_start": case((recent, LoginAttempt.failures_since_start + 1), else_=1),
            "attempt_time": now,
        },
    )
    failures = db.session.scalar(upsert.returning(LoginAttempt.failures_since_start))
    db.session.commit()
    return failures


def forget_failures(username: str, address: str) -> None:
    """A successful login clears the pair's failures (Django: AXES_RESET_ON_SUCCESS)."""
    start_write_transaction()
    db.session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.username == username, LoginAttempt.ip_address == address
        )
    )
    db.session.commit()


def locked_out():
    """The answer to a locked-out login: items/error.html with 429.

    Django: items.admin.locked_out(), which django-axes' middleware calls.
    """
    return render_template("items/error.html", status=429, message=LOCKED_OUT), 429


def is_safe_url(url: str) -> bool:
    """Whether url is a path on this site, safe to redirect to after login.

    Django: url_has_allowed_host_and_scheme(), which also accepts absolute URLs of this host.
    """
    parts = urlsplit(url.replace("\\", "/"))
    return (
        url.startswith("/")
        and not (parts.scheme or parts.netloc)
        and not has_control_characters(url)
    )


def redirect_to_login():
    """302 to the login page, with the requested path and query to come back to.

    Django: redirect_to_login(request.get_full_path(), ...), whose `next` is encoded the same way.
    """
    query = request.query_string.decode("latin-1")
    next_url = f"{request.path}?{query}" if query else request.path
    return redirect(f"{url_for('admin.login_view')}?{urlencode({'next': next_url}, safe='/')}")


def start_write_transaction() -> None:
    """End the read transaction that loading the user began, then start a write transaction.

    Django: ModelAdmin's views run in transaction.atomic(), which begins IMMEDIATE (settings.py).
    """
    db.session.rollback()
    begin_write()


class AdminOnly:
    """Admins see the view; anyone else is sent to the login page, never a bare 403.

    Django: AdminSite.admin_view() wraps every admin view with the same rule.
    """

    def is_accessible(self) -> bool:
        """Whether the current user is an admin."""
        return is_admin(current_user)

    def inaccessible_callback(self, name: str, **kwargs):
        """Redirect to the login page, with the way back."""
        return redirect_to_login()


class AdminHomeView(AdminOnly, AdminIndexView):
    """/admin/ and its login and logout pages (Django: AdminSite's index, login and logout)."""

    def _handle_view(self, name: str, **kwargs):
        # The login page is open to everyone, as Django's (it is not wrapped in admin_view()).
        if name == "login_view":
            return None
        return super()._handle_view(name, **kwargs)

    def inaccessible_callback(self, name: str, **kwargs):
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
        if not is_safe_url(next_url):
            next_url = url_for(".index")
        form = LoginForm()
        if form.validate_on_submit():
            username, password = form.username.data, form.password.data
            # The client's address; with HTTPS=1 the proxy's X-Forwarded-For (ProxyFix) says it.
            address = request.remote_addr
            # Locked out: refused before the password is checked, and not counted (Django:
            # django-axes' backend, then its middleware's 429).
            if is_locked_out(username, address):
                return locked_out()
            user = authenticate(username, password)
            if user is not None:
                forget_failures(username, address)
                login_user(user)
                # Kept by the browser for PERMANENT_SESSION_LIFETIME, as Django's session cookie is.
                session.permanent = True
                # A new CSRF token for the new session, as Django's login() rotates it.
                session.pop("csrf_token", None)
                return redirect(next_url)
            if record_failure(username, address) >= FAILURE_LIMIT:
                return locked_out()
            form.form_errors.append(INVALID_LOGIN)
        return self.render("admin/login.html", form=form, next_url=next_url)

    @expose("/logout/", methods=("POST",))
    def logout_view(self):
        """Log out (a POST, so with the CSRF token) and say so."""
        logout_user()
        # Django's logout() flushes the whole session, not only the user's id.
        session.clear()
        return self.render("admin/logged_out.html")


def delete_link(action: LinkRowAction, row_id: str, item: Item) -> str:
    """The URL of an item's delete confirmation page."""
    return url_for("item.delete_view", id=row_id)


def parse_item_id(value: str) -> int | None:
    """The item id in ?id=, by the rules of ids in the API's paths; None if it is not one."""
    if re.fullmatch(ItemIdConverter.regex, value) and int(value) <= ITEM_ID_MAX:
        return int(value)
    return None


def format_updated(view: ModelView, context, item: Item, name: str) -> str:
    """The list's Updated cell, in UTC and to the minute, as Django's admin shows it.

    Flask-Admin prints the datetime as str() does, microseconds and all; Django formats it with
    DATETIME_FORMAT ("Nov. 21, 2026, 6:35 a.m."), which strftime has no codes for.
    """
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
    edit_template = "admin/items/item/edit.html"
    # Deleting goes through the confirmation page only, so no bulk delete with a JS confirm.
    action_disallowed_list = ("delete",)

    def get_list_row_actions(self) -> list:
        """Edit, and a link to the delete confirmation page (Flask-Admin's own: a JS confirm)."""
        return [EditRowAction(), LinkRowAction("fa fa-trash", delete_link, title="Delete")]

    def get_list(self, page, sort_column, sort_desc, search, filters, *args, **kwargs):
        """The list page's items; a search with a NUL shows every item, with an error message.

        PostgreSQL cannot compare a NUL. Django: the changelist's search form refuses it the same.
        """
        if search and "\x00" in search:
            flash("NUL characters are not allowed.", "error")
            search = None
        return super().get_list(page, sort_column, sort_desc, search, filters, *args, **kwargs)

    def get_one(self, id: str) -> Item | None:
        """The item, or None; a POST (save or delete) reads it inside a write transaction."""
        item_id = parse_item_id(id)
        if item_id is None:
            return None
        if request.method == "POST":
            start_write_transaction()
        # On PostgreSQL FOR UPDATE keeps a concurrent write out until the save (as the API does).
        return db.session.get(Item, item_id, with_for_update=request.method == "POST")

    def create_model(self, form: ItemForm) -> Item | bool:
        """Store a new item; a duplicate name is an error on the form."""
        start_write_transaction()
        item = Item(**form.data)
        return item if self.save(form, item) else False

    def update_model(self, form: ItemForm, item: Item) -> bool:
        """Store the changes, moving updated_at only if a value changed, as the API does."""
        change_item(item, form.data)
        return self.save(form, item)

    def save(self, form: ItemForm, item: Item) -> bool:
        """Commit the item, or put the duplicate name on the form (Django: validate_unique())."""
        try:
            save_item(item)
        except ApiError as error:
            # The unique index decides, as in the API: no check-then-insert window.
            form.name.errors.extend(error.fields["name"])
            return False
        return True

    @expose("/delete/", methods=("GET", "POST"))
    def delete_view(self):
        """GET: the page that asks to confirm; POST: Flask-Admin's delete.

        Django: GET /admin/items/item/<id>/delete/ asks, a POST to it deletes. Flask-Admin's own
        delete is only a POST from the list, confirmed in JavaScript.
        """
        if request.method == "POST":
            return super().delete_view()
        list_url = self.get_url(".index_view")
        item = self.get_one(request.args.get("id", ""))
        if item is None:
            flash("Record does not exist.", "error")
            return redirect(list_url)
        return self.render("admin/delete_confirmation.html", item=item, list_url=list_url)


def init_admin(app: Flask) -> None:
    """Log-in sessions and the admin site (Django: the admin and auth apps, admin.site.urls)."""
    login_manager.init_app(app)
    theme = Bootstrap4Theme(base_template="admin/base_site.html")
    admin = Admin(app, name=SITE_NAME, index_view=AdminHomeView(), theme=theme)
    admin.add_view(ItemAdmin(Item, db, name="Items", endpoint="item", url="/admin/items/item"))

"""Views: the home page, /api/data, /api/openapi.json, /healthz and the items JSON API."""

from pathlib import Path

import yaml
from flask import Blueprint, current_app, make_response, render_template, url_for
from flask.views import MethodView
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from .api import read_json_object, read_list_params, require_api_token, validate_item
from .errors import ApiError
from .models import Item, db

bp = Blueprint("items", __name__)

HOME_PAGE_SIZE = 20
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The API's one description, shared by both twins and the contract suite; read once, at import.
OPENAPI_PATH = Path(__file__).resolve().parents[2] / "openapi.yaml"
OPENAPI = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))


@bp.get("/")
def home():
    """The newest 20 items, rendered from items/home.html."""
    newest = select(Item).order_by(Item.created_at.desc(), Item.id.desc()).limit(HOME_PAGE_SIZE)
    response = make_response(
        render_template("items/home.html", items=db.session.scalars(newest).all())
    )
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@bp.get("/api/data")
def api_data():
    """The greeting, naming the framework."""
    return {"message": "Hello, this is some data!", "framework": "flask"}


@bp.get("/api/openapi.json")
def openapi():
    """The repository's openapi.yaml as JSON."""
    return OPENAPI


@bp.get("/healthz")
def healthz():
    """200 if `SELECT 1` succeeds, 503 if the database cannot be reached."""
    try:
        db.session.execute(text("SELECT 1"))
    except OperationalError:
        return {"status": "error", "database": "unavailable"}, 503
    return {"status": "ok", "database": "ok"}


def save_item(item):
    """Save the item; a duplicate name becomes a 409."""
    db.session.add(item)
    try:
        db.session.commit()
    except IntegrityError:
        # The unique index decides: no check-then-insert window between two workers.
        db.session.rollback()
        message = "An item with this name already exists."
        raise ApiError(409, "conflict", message, {"name": [message]}) from None


def name_contains(text):
    """Case-insensitive substring of the name, written as Django's icontains writes it."""
    # SQLAlchemy's icontains() compares lower(): PostgreSQL's lower() and upper() disagree on a
    # few letters (the long s, the dotless i), so the twins would find different items.
    pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.upper(Item.name).like(func.upper(f"%{pattern}%"), escape="\\")


class ItemListView(MethodView):
    """/api/items: the list and creation (MethodView: a method per HTTP verb, as in Django)."""

    def get(self):
        """A page of items, id ascending, filtered by q."""
        limit, offset, q = read_list_params()
        matching = [name_contains(q)] if q else []
        count = db.session.scalar(select(func.count()).select_from(Item).where(*matching))
        page = select(Item).where(*matching).order_by(Item.id).limit(limit).offset(offset)
        return {
            "items": [item.to_dict() for item in db.session.scalars(page)],
            "count": count,
            "limit": limit,
            "offset": offset,
        }

    @require_api_token
    def post(self):
        """Create an item: 201 with Location."""
        item = validate_item(read_json_object(), partial=False)
        save_item(item)
        return item.to_dict(), 201, {"Location": url_for("items.item_detail", item_id=item.id)}


class ItemDetailView(MethodView):
    """/api/items/<id>: read, replace, update, delete."""

    def get(self, item_id):
        """One item."""
        return db.get_or_404(Item, item_id).to_dict()

    def options(self, item_id):
        """The methods of an item that exists, as Flask's automatic OPTIONS lists them; else 404."""
        db.get_or_404(Item, item_id)
        return current_app.make_default_options_response()

    def change(self, item_id, *, partial):
        """PUT and PATCH: body checks, then 404, 422, 409."""
        payload = read_json_object()
        # FOR UPDATE keeps a concurrent DELETE out until the commit (on SQLite, BEGIN IMMEDIATE).
        item = db.get_or_404(Item, item_id, with_for_update=True)
        save_item(validate_item(payload, partial=partial, item=item))
        return item.to_dict()

    @require_api_token
    def put(self, item_id):
        """Replace an item; absent fields go back to their defaults."""
        return self.change(item_id, partial=False)

    @require_api_token
    def patch(self, item_id):
        """Update the given fields; `{}` changes nothing."""
        return self.change(item_id, partial=True)

    @require_api_token
    def delete(self, item_id):
        """Delete an item: 204, then 404."""
        db.session.delete(db.get_or_404(Item, item_id, with_for_update=True))
        db.session.commit()
        return "", 204


# One rule per URL, as in Django's urls.py. With a rule per method (@bp.put, @bp.patch, ...),
# Werkzeug notes the other rules' methods before the item_id converter refuses an id such as
# 2**63, and answers 405 where the path does not exist (404).
bp.add_url_rule("/api/items", view_func=ItemListView.as_view("item_list"))
bp.add_url_rule("/api/items/<item_id:item_id>", view_func=ItemDetailView.as_view("item_detail"))

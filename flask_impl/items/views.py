"""Views: the home page, /api/data, /api/openapi.json, /healthz and the items API."""

from pathlib import Path

import yaml
from flask import Blueprint, make_response, render_template, request, url_for
from flask.views import MethodView
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from .api import read_json_object, read_list_params, require_api_token, validate_item
from .errors import ApiError
from .models import Item, begin_write, db, utc_now

bp = Blueprint("items", __name__)

HOME_PAGE_SIZE = 20
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The API's one description, shared by both twins and the contract suite; read once, at import.
OPENAPI_PATH = Path(__file__).resolve().parents[2] / "contract_tests" / "openapi.yaml"
OPENAPI = yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))


def change_item(item: Item, values: dict) -> None:
    """Set new values on a stored item, moving updated_at only if one of them differs."""
    if any(getattr(item, field) != value for field, value in values.items()):
        for field, value in values.items():
            setattr(item, field, value)
        item.updated_at = utc_now()


def contains_pattern(text: str) -> str:
    """A LIKE pattern for text anywhere, with its %, _ and \\ literal (ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def save_item(item: Item) -> None:
    """Commit the item; a duplicate name becomes a 409."""
    db.session.add(item)
    try:
        db.session.commit()
    except IntegrityError:
        # The unique index decides: no check-then-insert window between two workers.
        db.session.rollback()
        message = "An item with this name already exists."
        raise ApiError(409, "conflict", message, {"name": [message]}) from None


@bp.get("/")
def home():
    """Show the newest items on an HTML page."""
    # The three columns the page shows, as rows: no Item objects to build, no timestamps to read
    # (Django: values(), as dicts). docs/performance.md measures it.
    newest = (
        select(Item.name, Item.description, Item.quantity)
        .order_by(Item.created_at.desc(), Item.id.desc())
        .limit(HOME_PAGE_SIZE)
    )
    page = render_template("items/home.html", items=db.session.execute(newest).all())
    response = make_response(page)
    # Django 5.2 has no CSP setting yet, so its view sets the header the same way.
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


@bp.get("/api/data")
def api_data():
    """Say hello, and which framework answered."""
    return {"message": "Hello, this is some data!", "framework": "flask"}


@bp.get("/api/openapi.json")
def openapi():
    """Describe the API: contract_tests/openapi.yaml as JSON."""
    return OPENAPI


@bp.get("/healthz")
def healthz():
    """Report whether the database answers a SELECT 1."""
    try:
        db.session.execute(text("SELECT 1"))
    except OperationalError:
        return {"status": "error", "database": "unavailable"}, 503
    return {"status": "ok", "database": "ok"}


class ItemListView(MethodView):
    """/api/items: the list and creation (MethodView: a method per HTTP verb, as in Django)."""

    def get(self):
        """A page of items, id ascending, filtered by q."""
        limit, offset, q = read_list_params(request)
        matching = select(Item)
        if q:
            # Django's icontains compares UPPER(name) LIKE UPPER(pattern); SQLAlchemy's compares
            # lower(), and PostgreSQL's lower() and upper() disagree on some letters (the long s,
            # the dotless i, the final sigma), so the twins would find different items.
            pattern = func.upper(contains_pattern(q))
            matching = matching.where(func.upper(Item.name).like(pattern, escape="\\"))
        count = db.session.scalar(select(func.count()).select_from(matching.subquery()))
        page = db.session.scalars(matching.order_by(Item.id).limit(limit).offset(offset))
        return {
            "items": [item.to_dict() for item in page],
            "count": count,
            "limit": limit,
            "offset": offset,
        }

    @require_api_token
    def post(self):
        """Create an item: 201 with Location."""
        values = validate_item(read_json_object(request), partial=False)
        begin_write()
        item = Item(**values)
        save_item(item)
        # A path, not an absolute URL: Werkzeug leaves Location as given.
        return item.to_dict(), 201, {"Location": url_for("items.item_detail", item_id=item.id)}


class ItemDetailView(MethodView):
    """/api/items/<id>: read, replace, update, delete."""

    def get(self, item_id: int):
        """One item."""
        return db.get_or_404(Item, item_id).to_dict()

    def change(self, item_id: int, *, partial: bool):
        """PUT and PATCH: body checks, then 404, 422, 409; a save only if a value changes."""
        payload = read_json_object(request)
        # One write transaction from read to save (BEGIN IMMEDIATE on SQLite); on PostgreSQL
        # FOR UPDATE keeps a concurrent DELETE out until it ends.
        begin_write()
        item = db.get_or_404(Item, item_id, with_for_update=True)
        change_item(item, validate_item(payload, partial=partial, item=item))
        save_item(item)
        return item.to_dict()

    @require_api_token
    def put(self, item_id: int):
        """Replace an item; absent fields go back to their defaults."""
        return self.change(item_id, partial=False)

    @require_api_token
    def patch(self, item_id: int):
        """Update the given fields; `{}` changes nothing."""
        return self.change(item_id, partial=True)

    @require_api_token
    def delete(self, item_id: int):
        """Delete an item: 204, then 404."""
        begin_write()
        db.session.delete(db.get_or_404(Item, item_id, with_for_update=True))
        db.session.commit()
        return "", 204


# One rule per URL, as in Django's urls.py. With a rule per method (@bp.put, @bp.patch, ...),
# Werkzeug notes the other rules' methods before the item_id converter refuses an id such as
# 2**63, and answers 405 where the path does not exist (404).
bp.add_url_rule("/api/items", view_func=ItemListView.as_view("item_list"))
bp.add_url_rule("/api/items/<item_id:item_id>", view_func=ItemDetailView.as_view("item_detail"))

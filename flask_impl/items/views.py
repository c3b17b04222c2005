"""Views: the home page, /api/data, /api/openapi.json, /healthz and the items API."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from flask import Blueprint, abort, make_response, render_template, request, url_for
from flask.views import MethodView
from sqlalchemy import bindparam, func, insert, select, text
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

# The API's queries, built once, at import. SQLAlchemy keeps a statement's cache key on the
# statement object, so a statement that lives on between requests is neither built nor keyed
# again; what a request brings (an id, a page, a filter) comes as parameters. Built per request,
# by db.get_or_404() or in the view, they took a quarter of a detail's time and a fifth of a
# list's, which put the detail below issue 7's 0.8 of Django (docs/performance.md, which also
# says why the home page's query is still built in its view). Django builds a QuerySet and its
# SQL per request.
ITEM_BY_ID = select(Item).where(Item.id == bindparam("item_id"))
ITEM_BY_ID_FOR_UPDATE = ITEM_BY_ID.with_for_update()
# Django's icontains compares UPPER(name) LIKE UPPER(pattern); SQLAlchemy's compares lower(), and
# PostgreSQL's lower() and upper() disagree on some letters (the long s, the dotless i, the final
# sigma), so the twins would find different items.
NAME_CONTAINS = func.upper(Item.name).like(func.upper(bindparam("pattern")), escape="\\")
ITEM_COUNT = select(func.count()).select_from(Item)
ITEM_PAGE = select(Item).order_by(Item.id).limit(bindparam("limit")).offset(bindparam("offset"))
# The list's COUNT and page, without q and with it.
ALL_ITEMS = (ITEM_COUNT, ITEM_PAGE)
MATCHING_ITEMS = (ITEM_COUNT.where(NAME_CONTAINS), ITEM_PAGE.where(NAME_CONTAINS))


def change_item(item: Item, values: dict) -> None:
    """Set new values on a stored item, moving updated_at only if one of them differs."""
    if any(getattr(item, field) != value for field, value in values.items()):
        for field, value in values.items():
            setattr(item, field, value)
        item.updated_at = utc_now()


def get_item_or_404(item_id: int, *, for_update: bool = False) -> Item:
    """The item with this id, or a 404; for_update locks its row until the transaction ends.

    Django: get_object_or_404(), on Item.objects.select_for_update() for a write.
    """
    query = ITEM_BY_ID_FOR_UPDATE if for_update else ITEM_BY_ID
    item = db.session.execute(query, {"item_id": item_id}).scalar_one_or_none()
    if item is None:
        abort(404)
    return item


def contains_pattern(text: str) -> str:
    """A LIKE pattern for text anywhere, with its %, _ and \\ literal (ESCAPE '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@contextmanager
def name_taken_as_conflict() -> Iterator[None]:
    """Turn the unique name index's IntegrityError into a 409, rolling the transaction back."""
    try:
        yield
    except IntegrityError:
        # The unique index decides: no check-then-insert window between two workers.
        db.session.rollback()
        message = "An item with this name already exists."
        raise ApiError(409, "conflict", message, {"name": [message]}) from None


def create_item(values: dict) -> Item:
    """INSERT a new item and commit; a duplicate name becomes a 409.

    A Core INSERT in the session's transaction, not session.add(): for one new row, the flush's
    unit of work took a fifth of a create's time and kept POST at 0.74 of Django's requests/s
    (docs/performance.md). Django: save_item() creates too, with Model.save().
    """
    begin_write()
    with name_taken_as_conflict():
        result = db.session.execute(insert(Item.__table__), values)
        db.session.commit()
    # The row as stored: the new id, and the values sent, created_at and updated_at included
    # (the columns' Python defaults fill them in, as they do for session.add()).
    return Item(id=result.inserted_primary_key.id, **result.last_inserted_params())


def save_item(item: Item) -> None:
    """Commit the item; a duplicate name becomes a 409."""
    db.session.add(item)
    with name_taken_as_conflict():
        db.session.commit()


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
        count_query, page_query = MATCHING_ITEMS if q else ALL_ITEMS
        values = {"pattern": contains_pattern(q), "limit": limit, "offset": offset}
        count = db.session.scalar(count_query, values)
        page = db.session.scalars(page_query, values)
        return {
            "items": [item.to_dict() for item in page],
            "count": count,
            "limit": limit,
            "offset": offset,
        }

    @require_api_token
    def post(self):
        """Create an item: 201 with Location."""
        item = create_item(validate_item(read_json_object(request), partial=False))
        # A path, not an absolute URL: Werkzeug leaves Location as given.
        return item.to_dict(), 201, {"Location": url_for("items.item_detail", item_id=item.id)}


class ItemDetailView(MethodView):
    """/api/items/<id>: read, replace, update, delete."""

    def get(self, item_id: int):
        """One item."""
        return get_item_or_404(item_id).to_dict()

    def change(self, item_id: int, *, partial: bool):
        """PUT and PATCH: body checks, then 404, 422, 409; a save only if a value changes."""
        payload = read_json_object(request)
        # One write transaction from read to save (BEGIN IMMEDIATE on SQLite); on PostgreSQL
        # FOR UPDATE keeps a concurrent DELETE out until it ends.
        begin_write()
        item = get_item_or_404(item_id, for_update=True)
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
        db.session.delete(get_item_or_404(item_id, for_update=True))
        db.session.commit()
        return "", 204


# One rule per URL, as in Django's urls.py. With a rule per method (@bp.put, @bp.patch, ...),
# Werkzeug notes the other rules' methods before the item_id converter refuses an id such as
# 2**63, and answers 405 where the path does not exist (404).
bp.add_url_rule("/api/items", view_func=ItemListView.as_view("item_list"))
bp.add_url_rule("/api/items/<item_id:item_id>", view_func=ItemDetailView.as_view("item_detail"))

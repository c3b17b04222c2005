"""The admin: who gets in, login and logout, CSRF, and the items' forms."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from items.models import Item, LoginAttempt, db

ITEMS = "/admin/items/item/"
PASSWORD = "correct horse battery staple"


def csrf_token(page):
    """The CSRF token of the first form in the page."""
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def submit(client, page, fields, *, to=None, token=True):
    """Open the page of a form and post these fields to `to` (default: the page itself)."""
    data = dict(fields)
    if token:
        data["csrf_token"] = csrf_token(client.get(page).text)
    return client.post(to or page, data=data)


def log_in(client, username, password=PASSWORD):
    """Send the login form."""
    return submit(client, "/admin/login/", {"username": username, "password": password})


def stored_items(app):
    """The stored items, as {name: quantity}."""
    with app.app_context():
        return {item.name: item.quantity for item in db.session.scalars(select(Item))}


@pytest.fixture
def admin(client, make_user):
    """A client logged in as an admin."""
    make_user("boss", PASSWORD, is_admin=True)
    assert log_in(client, "boss").status_code == 302
    return client


@pytest.fixture
def mug(app):
    """The id of a stored item named Mug."""
    with app.app_context():
        item = Item(name="Mug", quantity=3)
        db.session.add(item)
        db.session.commit()
        return item.id


PAGES = ["/admin/", ITEMS, f"{ITEMS}?search=mu", f"{ITEMS}new/", f"{ITEMS}edit/?id=1"]


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visits_go_to_the_login_page_with_the_way_back(client, page):
    response = client.get(page)
    assert response.status_code == 302
    next_page = page.replace("?", "%3F").replace("=", "%3D")
    assert response.headers["Location"] == f"/admin/login/?next={next_page}"


@pytest.mark.parametrize("flags", [{"is_admin": False}, {"is_admin": True, "is_active": False}])
def test_users_who_are_not_admins_cannot_log_in(client, make_user, flags):
    make_user("someone", PASSWORD, **flags)
    response = log_in(client, "someone")
    assert response.status_code == 200
    assert "Please enter the correct username and password" in response.text
    assert client.get("/admin/").status_code == 302


def test_a_logged_in_user_who_is_not_an_admin_is_sent_to_the_login_page(app, client, make_user):
    user_id = make_user("someone", PASSWORD, is_admin=False)
    # On an admin page: only those save the session (items/security.py).
    with client.session_transaction(ITEMS) as session:
        session["_user_id"] = user_id
    assert client.get(ITEMS).headers["Location"] == "/admin/login/?next=/admin/items/item/"
    assert "You are authenticated as someone" in client.get("/admin/login/").text


def test_an_admin_sees_every_page(admin, mug):
    for page in PAGES:
        response = admin.get(page)
        assert response.status_code == 200, page
        assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("username", "password"), [("boss", "wrong"), ("nobody", PASSWORD), ("", "")]
)
def test_wrong_credentials_show_the_login_page_again(client, make_user, username, password):
    make_user("boss", PASSWORD, is_admin=True)
    response = log_in(client, username, password)
    assert response.status_code == 200
    assert "invalid-feedback" in response.text
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_the_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    make_user("boss", PASSWORD, is_admin=True)
    cookie = log_in(client, "boss").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_login_without_the_csrf_token_is_refused(client, make_user):
    make_user("boss", PASSWORD, is_admin=True)
    response = client.post("/admin/login/", data={"username": "boss", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_logout_is_a_post_with_the_csrf_token(admin):
    assert admin.get("/admin/logout/").status_code == 405
    assert admin.post("/admin/logout/").status_code == 400
    assert admin.get("/admin/").status_code == 200
    response = submit(admin, "/admin/", {}, to="/admin/logout/")
    assert response.status_code == 200
    assert "Logged out" in response.text
    assert admin.get("/admin/").status_code == 302


def test_the_list_shows_name_quantity_and_updated(admin, mug):
    page = admin.get(f"{ITEMS}?search=MU").text
    assert re.findall(r'title="Sort by (\w+)"', page) == ["Name", "Quantity", "Updated"]
    assert "Mug" in page
    assert "Mug" not in admin.get(f"{ITEMS}?search=bowl").text


def test_an_item_created_in_the_admin_is_in_the_api(admin, app):
    response = submit(admin, f"{ITEMS}new/", {"name": "  Bowl ", "description": "", "quantity": 2})
    assert response.status_code == 302
    assert admin.get("/api/items?q=bowl").json["items"][0]["name"] == "Bowl"


def test_an_edit_moves_updated_at_only_when_a_value_changes(admin, mug):
    before = admin.get(f"/api/items/{mug}").json
    fields = {"name": "Mug", "description": "", "quantity": 3}
    assert submit(admin, f"{ITEMS}edit/?id={mug}", fields).status_code == 302
    assert admin.get(f"/api/items/{mug}").json == before
    assert submit(admin, f"{ITEMS}edit/?id={mug}", fields | {"quantity": 4}).status_code == 302
    after = admin.get(f"/api/items/{mug}").json
    assert (after["quantity"], after["updated_at"] > before["updated_at"]) == (4, True)


@pytest.mark.parametrize(
    ("page", "fields"),
    [
        (f"{ITEMS}new/", {"name": "Mug", "description": "", "quantity": 1}),
        (f"{ITEMS}new/", {"name": " ", "description": "", "quantity": 1}),
        (f"{ITEMS}new/", {"name": "x" * 101, "description": "", "quantity": 1}),
        (f"{ITEMS}new/", {"name": "bell\x07", "description": "", "quantity": 1}),
        (f"{ITEMS}new/", {"name": "Bowl", "description": "", "quantity": -1}),
        (f"{ITEMS}edit/?id=2", {"name": "Mug", "description": "", "quantity": 1}),
    ],
)
def test_invalid_or_duplicate_values_are_form_errors(admin, app, mug, page, fields):
    with app.app_context():
        db.session.add(Item(name="Plate", quantity=5))
        db.session.commit()
    response = submit(admin, page, fields)
    assert response.status_code == 200
    assert "invalid-feedback" in response.text
    assert stored_items(app) == {"Mug": 3, "Plate": 5}


def test_a_delete_asks_for_confirmation_first(admin, app, mug):
    confirmation = admin.get(f"{ITEMS}delete/?id={mug}")
    assert confirmation.status_code == 200
    assert "Are you sure you want to delete the item “Mug”?" in confirmation.text
    assert stored_items(app) == {"Mug": 3}
    fields = {"id": mug}
    response = submit(admin, f"{ITEMS}delete/?id={mug}", fields, to=f"{ITEMS}delete/")
    assert response.status_code == 302
    assert stored_items(app) == {}


@pytest.mark.parametrize(
    ("page", "fields", "to"),
    [
        (f"{ITEMS}new/", {"name": "Bowl", "quantity": 1}, None),
        (f"{ITEMS}edit/?id=1", {"name": "Mug", "quantity": 9}, None),
        (f"{ITEMS}delete/?id=1", {"id": 1}, f"{ITEMS}delete/"),
    ],
)
def test_admin_writes_without_the_csrf_token_change_nothing(admin, app, mug, page, fields, to):
    response = submit(admin, page, fields, to=to, token=False)
    assert response.status_code == 400
    assert stored_items(app) == {"Mug": 3}


def test_unknown_ids_go_back_to_the_list(admin, mug):
    for item_id in ("abc", "0", "01", "99", str(2**63)):
        for page in (f"{ITEMS}edit/?id={item_id}", f"{ITEMS}delete/?id={item_id}"):
            response = admin.get(page)
            assert (response.status_code, response.headers["Location"]) == (302, ITEMS), page


def fail_logins(client, username, times, **headers):
    """Send `times` logins with a wrong password; their statuses."""
    statuses = []
    for _ in range(times):
        page = client.get("/admin/login/", headers=headers).text
        data = {"username": username, "password": "wrong", "csrf_token": csrf_token(page)}
        statuses.append(client.post("/admin/login/", data=data, headers=headers).status_code)
    return statuses


def test_the_fifth_failed_login_locks_that_username_out(client, make_user):
    make_user("boss", PASSWORD, is_admin=True)
    assert fail_logins(client, "boss", 5) == [200, 200, 200, 200, 429]
    response = log_in(client, "boss")
    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert log_in(client, "other").status_code == 200


def test_a_successful_login_clears_the_failures(app, client, make_user):
    make_user("boss", PASSWORD, is_admin=True)
    assert fail_logins(client, "boss", 4) == [200] * 4
    assert log_in(client, "boss").status_code == 302
    assert fail_logins(app.test_client(), "boss", 4) == [200] * 4


def test_the_lock_ends_after_fifteen_minutes(app, client, make_user):
    make_user("boss", PASSWORD, is_admin=True)
    assert fail_logins(client, "boss", 5)[-1] == 429
    with app.app_context():
        attempt = db.session.scalar(select(LoginAttempt))
        attempt.attempt_time -= timedelta(minutes=15, seconds=1)
        db.session.commit()
    assert log_in(client, "boss").status_code == 302


def test_without_trusted_proxies_x_forwarded_for_is_not_the_address(client):
    statuses = [
        fail_logins(client, "someone", 1, **{"X-Forwarded-For": f"10.0.0.{n}"})[0] for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]

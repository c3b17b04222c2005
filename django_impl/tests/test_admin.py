"""Django's admin at /admin/: who gets in, CSRF on its forms, and the items with the API's rules."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client, RequestFactory

from items.models import NAME_MAX_LENGTH, Item
from items.security import forwarded_for

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "/admin/",
    "/admin/items/item/",
    "/admin/items/item/add/",
    "/admin/items/item/?q=mug",
]
LOGIN_URL = "/admin/login/"
PASSWORD = "admin-password"


@pytest.fixture
def admin(django_user_model):
    """An admin user: active and staff (Django's rule), and superuser, as createadmin makes it."""
    return django_user_model.objects.create_superuser("admin", password=PASSWORD)


@pytest.fixture
def csrf_client():
    """A client that, unlike Django's default test client, sends no CSRF exemption."""
    return Client(enforce_csrf_checks=True)


def csrf_token(response):
    """The csrfmiddlewaretoken of the form on a page."""
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text).group(1)


def log_in(client, username, password, token=None, next_url="/admin/items/item/", headers=None):
    """POST the login form (with the token of a freshly fetched login page unless given)."""
    if token is None:
        token = csrf_token(client.get(LOGIN_URL))
    data = {"username": username, "password": password, "csrfmiddlewaretoken": token}
    return client.post(LOGIN_URL, data, query_params={"next": next_url}, headers=headers)


def assert_redirected_to_login(response, path):
    """A 302 to the admin's login page with next = the full requested path."""
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == LOGIN_URL
    assert parse_qs(location.query) == {"next": [path]}


def form_data(client, path, **changes):
    """What the admin's form at path posts as it stands, with these changes, as a browser would."""
    form = client.get(path).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    return {name: "" if value is None else value for name, value in data.items()} | changes


def is_logged_in(client):
    """Whether the client's session holds a logged-in user."""
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_the_login_page(client, path):
    assert_redirected_to_login(client.get(path), path)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_users_who_are_not_staff_are_sent_to_the_login_page(client, django_user_model, path):
    client.force_login(django_user_model.objects.create_user("visitor", password=PASSWORD))
    assert_redirected_to_login(client.get(path), path)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admins_see_every_page(client, admin, path):
    client.force_login(admin)
    assert client.get(path).status_code == 200


def test_the_login_page_has_the_two_fields_and_a_csrf_token(client):
    page = client.get(LOGIN_URL)
    assert page.status_code == 200
    for field in ("username", "password", "csrfmiddlewaretoken"):
        assert f'name="{field}"' in page.text
    assert "Flask ⇄ Django Twins" in page.text


def test_logging_in_goes_to_a_local_next_with_an_httponly_lax_session_cookie(csrf_client, admin):
    response = log_in(csrf_client, "admin", PASSWORD, next_url="/admin/items/item/?q=mug")
    assert response.status_code == 302
    assert response["Location"] == "/admin/items/item/?q=mug"
    assert is_logged_in(csrf_client)
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.parametrize(
    ("username", "password"), [("admin", "wrong"), ("nobody", PASSWORD), ("visitor", PASSWORD)]
)
def test_wrong_credentials_show_the_login_page_again(
    csrf_client, admin, django_user_model, username, password
):
    django_user_model.objects.create_user("visitor", password=PASSWORD)
    response = log_in(csrf_client, username, password)
    assert response.status_code == 200
    assert "errornote" in response.text
    assert not is_logged_in(csrf_client)


@pytest.mark.parametrize("token", ["", "forged" * 8])
def test_logging_in_needs_the_csrf_token(csrf_client, admin, token):
    csrf_client.get(LOGIN_URL)
    assert log_in(csrf_client, "admin", PASSWORD, token=token).status_code == 403
    assert not is_logged_in(csrf_client)


def test_logout_is_a_post(client, admin):
    client.force_login(admin)
    assert client.get("/admin/logout/").status_code == 405
    assert is_logged_in(client)
    assert client.post("/admin/logout/").status_code == 200
    assert not is_logged_in(client)


def test_admin_pages_keep_the_security_headers(client):
    response = client.get(LOGIN_URL)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_list_shows_name_quantity_updated_and_searches_by_name(client, admin):
    Item.objects.create(name="Blue mug", quantity=3)
    Item.objects.create(name="Teapot")
    client.force_login(admin)
    page = client.get("/admin/items/item/", {"q": "MUG"})
    for column in ("column-name", "column-quantity", "column-updated"):
        assert column in page.text
    assert ">Updated<" in page.text
    assert "Blue mug" in page.text
    assert "Teapot" not in page.text


def test_an_item_is_created_with_the_name_trimmed(client, admin):
    client.force_login(admin)
    data = form_data(client, "/admin/items/item/add/", name="  Teapot ", quantity="3")
    response = client.post("/admin/items/item/add/", data)
    assert response.status_code == 302
    item = Item.objects.get()
    assert (item.name, item.description, item.quantity) == ("Teapot", "", 3)


def test_an_item_is_edited(client, admin):
    item = Item.objects.create(name="Teapot")
    client.force_login(admin)
    page = f"/admin/items/item/{item.id}/change/"
    data = form_data(client, page, name="Kettle", description="Whistles", quantity="2")
    assert client.post(page, data).status_code == 302
    item.refresh_from_db()
    assert (item.name, item.description, item.quantity) == ("Kettle", "Whistles", 2)


def test_an_edit_moves_updated_at_only_when_a_value_changes(client, admin):
    item = Item.objects.create(name="Teapot", quantity=3)
    client.force_login(admin)
    page = f"/admin/items/item/{item.id}/change/"
    assert client.post(page, form_data(client, page, name=" Teapot ")).status_code == 302
    unchanged = Item.objects.get()
    assert unchanged.updated_at == item.updated_at
    assert client.post(page, form_data(client, page, quantity="4")).status_code == 302
    changed = Item.objects.get()
    assert (changed.quantity, changed.updated_at > item.updated_at) == (4, True)


@pytest.mark.parametrize(
    ("fields", "bad_field"),
    [
        ({"name": ""}, "name"),
        ({"name": "n" * (NAME_MAX_LENGTH + 1)}, "name"),
        ({"name": "tab\tinside"}, "name"),
        ({"name": " Teapot "}, "name"),
        ({"quantity": "-1"}, "quantity"),
        ({"quantity": "3.5"}, "quantity"),
    ],
)
def test_invalid_items_are_form_errors_and_nothing_is_stored(client, admin, fields, bad_field):
    Item.objects.create(name="Teapot")
    client.force_login(admin)
    data = form_data(client, "/admin/items/item/add/", name="Kettle") | fields
    response = client.post("/admin/items/item/add/", data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == [bad_field]
    assert list(Item.objects.values_list("name", flat=True)) == ["Teapot"]


def test_deleting_asks_for_confirmation_first(client, admin):
    item = Item.objects.create(name="Teapot")
    client.force_login(admin)
    confirmation = client.get(f"/admin/items/item/{item.id}/delete/")
    assert confirmation.status_code == 200
    assert Item.objects.exists()
    response = client.post(f"/admin/items/item/{item.id}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Item.objects.exists()


def test_admin_forms_need_the_csrf_token(csrf_client, admin):
    csrf_client.force_login(admin)
    data = form_data(csrf_client, "/admin/items/item/add/", name="Teapot")
    assert csrf_client.post("/admin/items/item/add/", data).status_code == 403
    assert not Item.objects.exists()


def fail_logins(client, username, times):
    """Send `times` logins with a wrong password; their statuses."""
    return [log_in(client, username, "wrong").status_code for _ in range(times)]


def test_the_fifth_failed_login_locks_that_username_out(client, admin):
    assert fail_logins(client, "admin", 5) == [200, 200, 200, 200, 429]
    response = log_in(client, "admin", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert log_in(client, "other", PASSWORD).status_code == 200


def test_a_successful_login_clears_the_failures(client, admin):
    assert fail_logins(client, "admin", 4) == [200] * 4
    assert log_in(client, "admin", PASSWORD).status_code == 302
    assert fail_logins(Client(), "admin", 4) == [200] * 4


def test_the_lock_ends_after_fifteen_minutes(client, admin):
    assert fail_logins(client, "admin", 5)[-1] == 429
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=15, seconds=1))
    assert log_in(client, "admin", PASSWORD).status_code == 302


def test_without_trusted_proxies_x_forwarded_for_is_not_the_address(client):
    statuses = [
        log_in(client, "someone", "wrong", headers={"X-Forwarded-For": f"10.0.0.{n}"}).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, "203.0.113.9, 10.1.2.3", "127.0.0.1"),
        (1, "203.0.113.9, 10.1.2.3", "10.1.2.3"),
        (2, "203.0.113.9, 10.1.2.3, 10.9.9.9", "10.1.2.3"),
        (2, "10.1.2.3", "127.0.0.1"),
        (1, "", "127.0.0.1"),
        (1, "10.1.2.3, not-an-address", "127.0.0.1"),
    ],
)
def test_the_address_is_the_one_the_first_trusted_proxy_appended(
    settings, proxies, forwarded, address
):
    # Flask: werkzeug's ProxyFix(x_for=N) takes the same one.
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get("/", headers={"X-Forwarded-For": forwarded})
    forwarded_for(lambda request: None)(request)
    assert request.META["REMOTE_ADDR"] == address

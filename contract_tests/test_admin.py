"""The admin: login, access rules, CSRF, and the items' list, search, create, edit and delete.

Both twins are driven by the same tests through a browser-like session (cookies kept, no redirects
followed, no JavaScript); SITES below is the one place where the two admins differ. The tests
fill a form from the page's own inputs and change only what they test, so the item's fields are
listed nowhere here.
"""

from __future__ import annotations

import html
import re
import secrets
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests

from contract_tests.helpers import (
    HTML,
    assert_security_headers,
    csrf_token,
    expected,
    header_values,
)
from twin_servers.client import ITEM_PATH, http_session
from twin_servers.server import ADMIN_COMMANDS, MAIN, REPO, VENV_BIN, Server

INDEX = "/admin/"
LOGIN = "/admin/login/"
LOGOUT = "/admin/logout/"
ITEMS = "/admin/items/item/"
SITE_TITLE = "Flask ⇄ Django Twins"
COLUMNS = ["Name", "Quantity", "Updated"]
RACERS = 8
SESSION_AGE = 14 * 24 * 60 * 60  # Django's SESSION_COOKIE_AGE, Flask's PERMANENT_SESSION_LIFETIME
# Inputs the tests leave out of a form they post: buttons (a browser posts the one it was sent by;
# both admins' Save needs none) and file pickers.
UNSENT_INPUTS = {"submit", "button", "reset", "image", "file"}


@dataclass(frozen=True)
class Site:
    """How one twin's admin spells what both do; the paths above are the same in both."""

    add: str  # the create form
    change: str  # the edit form of item {id}
    delete_page: str  # the page that asks "are you sure?" before item {id} is deleted
    delete: str  # where that page posts the confirmed delete
    delete_fields: dict  # what it posts besides the CSRF token
    search: str  # the list's search parameter
    csrf_field: str
    csrf_refusal: int  # the status of a POST without a valid CSRF token
    form_error: str  # marks a form sent back with errors, the login form included
    field_errors: str  # a pattern of the element that holds a field's error messages
    session_cookie: str
    missing_item: str  # where the edit or delete page of an item that does not exist sends

    def errors(self, page: str) -> list[str]:
        """The error messages a form sent back with errors shows, in the page's order."""
        return [
            message
            for block in re.findall(self.field_errors, page, re.DOTALL)
            for message in texts(re.findall(r"<li\b[^>]*>(.*?)</li>", block, re.DOTALL))
        ]

    def delete_form(self, item: dict) -> tuple[str, dict, str]:
        """The confirmation page of the item's delete, the fields it posts, and where to."""
        fields = {key: value.format(**item) for key, value in self.delete_fields.items()}
        return self.delete_page.format(**item), fields, self.delete.format(**item)


SITES = {
    # Django's admin as it comes: the delete confirmation is a page of its own (GET), whose form
    # posts post=yes back to it; the pages of an item that does not exist send to the index.
    # CsrfViewMiddleware refuses a POST without a token with its 403 page. A form with errors
    # starts with <p class="errornote">; each field's messages are a <ul class="errorlist"> (a
    # form's own errors too, with class "errorlist nonfield").
    "django": Site(
        add=ITEMS + "add/",
        change=ITEMS + "{id}/change/",
        delete_page=ITEMS + "{id}/delete/",
        delete=ITEMS + "{id}/delete/",
        delete_fields={"post": "yes"},
        search="q",
        csrf_field="csrfmiddlewaretoken",
        csrf_refusal=403,
        form_error='class="errornote"',
        field_errors=r'<ul class="errorlist\b[^"]*"[^>]*>(.*?)</ul>',
        session_cookie="sessionid",
        missing_item=INDEX,
    ),
    # Flask-Admin: create at new/, edit at edit/?id=N, search with ?search=. Its own delete is a
    # POST from the list confirmed by JavaScript; the twin adds a confirmation page as Django's,
    # at delete/?id=N, which posts id=N to Flask-Admin's delete/. The pages of an item that does
    # not exist send to the list. Flask-WTF refuses a POST
    # without a token with 400 (Django: 403). Errors are Bootstrap's invalid-feedback.
    "flask": Site(
        add=ITEMS + "new/",
        change=ITEMS + "edit/?id={id}",
        delete_page=ITEMS + "delete/?id={id}",
        delete=ITEMS + "delete/",
        delete_fields={"id": "{id}"},
        search="search",
        csrf_field="csrf_token",
        csrf_refusal=400,
        form_error="invalid-feedback",
        field_errors=r'<div class="invalid-feedback">(.*?)</div>',
        session_cookie="session",
        missing_item=ITEMS,
    ),
}


class Browser:
    """One visitor of a twin's admin: its own cookies, no redirects followed."""

    def __init__(self, api, site: Site) -> None:
        self.base_url = api.base_url
        self.site = site
        self.session = http_session()

    def get(self, path: str, **params) -> requests.Response:
        """GET a page of the admin."""
        return self.session.get(
            self.base_url + path, params=params, allow_redirects=False, timeout=30
        )

    def submit(
        self,
        page: str,
        fields: dict,
        *,
        to: str | None = None,
        token: bool | str = True,
        origin=None,
    ):
        """Open the page of a form and post these fields (with the page's CSRF token) to `to`.

        A string `token` is sent instead of the page's; False sends none. With `origin`, the post
        says it comes from a page of that origin, as browsers do.
        """
        form = self.get(page)
        assert form.status_code == 200, f"{page}: {form.status_code}"
        data = dict(fields)
        if token is True:
            data[self.site.csrf_field] = csrf_token(form.text, self.site.csrf_field)
        elif token:
            data[self.site.csrf_field] = token
        headers = {"Origin": origin} if origin else {}
        return self.session.post(
            self.base_url + (to or page),
            data=data,
            headers=headers,
            allow_redirects=False,
            timeout=30,
        )

    def form_fields(self, page: str) -> dict:
        """The fields of the form on this page, filled as the page fills them (no CSRF token)."""
        response = self.get(page)
        assert response.status_code == 200, f"{page}: {response.status_code}"
        return form_fields(response.text, self.site.csrf_field, page)

    def log_in(
        self, username: str, password: str, *, next_page: str = INDEX, token=True, origin=None
    ):
        """Send the login form, asking to come back to next_page."""
        login = f"{LOGIN}?{urlencode({'next': next_page})}"
        fields = {"username": username, "password": password}
        return self.submit(login, fields, token=token, origin=origin)

    def logged_in(self) -> bool:
        """Whether the admin's index answers (True) or sends to the login page (False)."""
        response = self.get(INDEX)
        assert response.status_code in (200, 302), response.status_code
        return response.status_code == 200


@pytest.fixture
def site(twin) -> Site:
    """The twin's way of spelling the admin."""
    return SITES[twin]


@pytest.fixture
def browser(api, site) -> Browser:
    """An anonymous visitor."""
    return Browser(api, site)


@pytest.fixture(scope="session")
def logins() -> dict:
    """Per twin, the admin's logged-in browser and the answer to its login (one login per run)."""
    return {}


@pytest.fixture
def login(api, site, admin_credentials, logins) -> tuple[Browser, requests.Response]:
    """The admin's browser, logged in once per run (password hashing is slow on purpose)."""
    if api.twin not in logins:
        admin = Browser(api, site)
        logins[api.twin] = admin, admin.log_in(*admin_credentials, next_page=ITEMS)
    return logins[api.twin]


@pytest.fixture
def admin(login) -> Browser:
    """A browser logged in as the admin."""
    browser, response = login
    assert response.status_code == 302, "the admin's login failed"
    return browser


@pytest.fixture
def ends_admin_sessions(logins, twin):
    """For a test that ends the admin's sessions: the next one that needs the login logs in again.

    Flask's logout ends every session of the user, the shared login's too; so does a new password
    in both twins.
    """
    yield
    logins.pop(twin, None)


@pytest.fixture
def main_server(servers, twin) -> Server:
    """The twin's server, for a test that runs the twin's own admin command on its database."""
    if servers is None:
        pytest.skip("CONTRACT_TARGETS is set: the admin command needs the server's database")
    return servers.get(twin, MAIN)


# The user's flag that each twin's admin rule reads, per way of losing the admin: Django's
# is_staff is Flask's is_admin; both twins refuse an inactive user.
REVOKED_FLAGS = {
    "no longer an admin": {"django": "is_staff", "flask": "is_admin"},
    "inactive": {"django": "is_active", "flask": "is_active"},
}


def revoke_command(twin: str, flag: str) -> list[str]:
    """Each twin's own way to set a user's flag to False on the server's database: Django's
    `manage.py shell -c`; Flask has no such shell option, so a script in the app's context."""
    if twin == "django":
        return [
            str(VENV_BIN / "python"),
            "manage.py",
            "shell",
            "-c",
            "import os; from django.contrib.auth.models import User; "
            f"User.objects.filter(username=os.environ['ADMIN_USERNAME']).update({flag}=False)",
        ]
    return [
        str(VENV_BIN / "python"),
        "-c",
        "import os\n"
        "from items.models import User, db\n"
        "from wsgi import app\n"
        "with app.app_context():\n"
        "    db.session.scalars(db.select(User).filter_by(username=os.environ['ADMIN_USERNAME']))"
        f".one().{flag} = False\n"
        "    db.session.commit()",
    ]


def set_admin_password(server: Server, username: str, password: str) -> None:
    """Run the twin's own admin command (what `make admin` runs) on the server's database."""
    run_in_twin(server, ADMIN_COMMANDS[server.twin], username, password)


def run_in_twin(server: Server, command: list[str], username: str, password: str = "") -> None:
    """Run a command in the twin's folder on the server's database, for this user."""
    result = subprocess.run(
        command,
        cwd=REPO / f"{server.twin}_impl",
        env=server.env | {"ADMIN_USERNAME": username, "ADMIN_PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    output = (result.stdout + result.stderr).strip()
    assert result.returncode == 0, f"{command[1:3]} exited {result.returncode}, not 0: {output}"


def assert_the_cookie_opens_nothing(api, site: Site, cookie: str, ended_by: str) -> None:
    """A fresh browser holding only this session cookie is sent to the login page."""
    replay = Browser(api, site)
    replay.session.cookies.set(site.session_cookie, cookie)
    response = replay.get(INDEX)
    answer = (response.status_code, urlsplit(response.headers.get("Location", "")).path)
    assert answer == (302, LOGIN), (
        f"the session cookie from before {ended_by}: {answer}, expected (302, {LOGIN!r})"
    )


def input_tag(page: str, name: str) -> str:
    """The <input> tag of the field with this name."""
    tag = re.search(rf'<input\b[^>]*\bname="{name}"[^>]*>', page)
    assert tag, f"the page has no {name} field"
    return tag.group(0)


def is_sent(kind: str, attrs: dict) -> bool:
    """Whether a form sent as it is posts this <input>: not a button; a checkbox if checked."""
    return kind not in UNSENT_INPUTS and (kind not in ("checkbox", "radio") or "checked" in attrs)


class FormReader(HTMLParser):
    """The fields of each form of a page, as a browser posts them when nothing is changed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict]] = []  # (action, fields), in the page's order
        self.fields: dict | None = None  # those of the form being read
        self.textarea: str | None = None  # the name of the textarea being read
        self.select: str | None = None  # the name of the select being read

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if tag == "form":
            self.fields = {}
            self.forms.append((attrs.get("action") or "", self.fields))
        elif self.fields is None:
            return
        elif tag == "input" and name and is_sent(kind, attrs):
            self.fields[name] = attrs.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.fields[name] = ""
        elif tag == "select" and name:
            self.select = name
        elif (
            tag == "option"
            and self.select
            and (self.select not in self.fields or "selected" in attrs)
        ):
            # The selected option, or the first one when none is.
            self.fields[self.select] = attrs.get("value") or ""

    def handle_data(self, data: str) -> None:
        if self.fields is not None and self.textarea:
            self.fields[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self.textarea:
            # HTML drops the one line break that follows <textarea>.
            text = self.fields[self.textarea]
            self.fields[self.textarea] = re.sub(r"^\r?\n", "", text)
            self.textarea = None
        elif tag == "select":
            self.select = None
        elif tag == "form":
            self.fields = None


def form_fields(page: str, csrf_field: str, path: str) -> dict:
    """The fields of the form that posts back to the page at path, as text, but its CSRF token.

    Browser.submit adds the token; both admins' pages have a second form, the logout button's,
    which posts elsewhere. Django's forms post back with no action; Flask's name the page's URL.
    """
    reader = FormReader()
    reader.feed(page)
    reader.close()
    own = [
        fields
        for action, fields in reader.forms
        if not action or urlsplit(action).path == urlsplit(path).path
    ]
    assert len(own) == 1, f"{len(own)} forms post back to the page, not 1"
    return {name: value for name, value in own[0].items() if name != csrf_field}


def form_of(item: dict, form: dict) -> dict:
    """An item's values of the form's fields, as the form posts them (text)."""
    return {field: str(item[field]) for field in form}


def outcome(site: Site, response: requests.Response) -> str:
    """A form post's answer in a line: its status, and where it redirects or the form's errors."""
    if "Location" in response.headers:
        return f"{response.status_code} to {response.headers['Location']}"
    errors = site.errors(response.text)
    if errors:
        return f"{response.status_code}, the form's errors: {errors}"
    title = texts(re.findall(r"<title>(.*?)</title>", response.text, re.DOTALL))
    return f"{response.status_code}, no form errors; the page's title: {title}"


def stored(api, name: str) -> list[dict]:
    """The items the API finds under exactly this name."""
    found = api.get("/api/items", params={"q": name, "limit": 100}).json()["items"]
    return [item for item in found if item["name"] == name]


def texts(cells_html: list[str]) -> list[str]:
    """The visible text of HTML fragments."""
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells_html]


def rows(page: str) -> list[list[str]]:
    """The cells' texts of every table row of a page."""
    return [
        texts(re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.DOTALL))
        for row in re.findall(r"<tr\b.*?</tr>", page, re.DOTALL)
    ]


def row_of(page: str, name: str) -> list[str] | None:
    """The cells' texts of the list row that shows this name, or None."""
    return next((cells for cells in rows(page) if name in cells), None)


# An Updated cell: Django's DATETIME_FORMAT "Nov. 21, 2026, 6:35 a.m." ("6 a.m." on the hour,
# "noon", "midnight"), Flask's "Nov 21, 2026, 6:35 AM". The month by its first three letters.
SHOWN_TIME = re.compile(
    r"(?P<month>[A-Z][a-z]{2})[a-z]*\.? (?P<day>\d{1,2}), (?P<year>\d{4}), (?:(?P<hour>\d{1,2})"
    r"(?::(?P<minute>\d\d))? ?(?P<half>[ap])\.?m\.?|(?P<word>midnight|noon))",
    re.IGNORECASE,
)


def shown_time(cell: str) -> str:
    """An Updated cell's time as "2026-11-21 06:35", read from either twin's format."""
    shown = SHOWN_TIME.fullmatch(cell)
    assert shown, f"not a date and time to the minute: {cell!r}"
    if shown["word"]:
        hour, minute = (0 if shown["word"] == "midnight" else 12), 0
    else:
        hour = int(shown["hour"]) % 12 + (12 if shown["half"].lower() == "p" else 0)
        minute = int(shown["minute"] or 0)
    month = datetime.strptime(shown["month"], "%b").month
    return f"{shown['year']}-{month:02}-{int(shown['day']):02} {hour:02}:{minute:02}"


# Access ----------------------------------------------------------------------------------------

# Paths the admin does not have: anonymous visitors are sent to the login page as for any other
# (Django's catch_all_view is behind the login too), so they learn nothing of which paths exist.
UNKNOWN_PAGES = ["/admin/nope/", "/admin/items/nope/"]
PROTECTED = [
    pytest.param(lambda site: INDEX, id="index"),
    pytest.param(lambda site: ITEMS, id="item list"),
    pytest.param(lambda site: f"{ITEMS}?{site.search}=x", id="search"),
    pytest.param(lambda site: site.add, id="add form"),
    pytest.param(lambda site: site.change.format(id=1), id="edit form"),
    *(pytest.param(lambda site, path=path: path, id=path) for path in UNKNOWN_PAGES),
]


@pytest.mark.parametrize("page", PROTECTED)
def test_anonymous_visits_are_sent_to_the_login_page_with_the_page_to_return_to(
    browser, site, page
):
    path = page(site)
    response = browser.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == LOGIN
    assert parse_qs(location.query) == {"next": [path]}


# Werkzeug's routing redirects to the slash with 308 and a URL of the request's host, Django's
# APPEND_SLASH with 301 and a path: both to the admin of the same site.
def test_the_admin_without_its_slash_is_sent_to_it_on_the_same_site(api, twin):
    response = api.get("/admin")
    status = {"flask": 308, "django": 301}[twin]
    assert response.status_code == status, expected("/admin's status", status, response.status_code)
    location = urljoin(f"{api.base_url}/admin", response.headers["Location"])
    assert location == f"{api.base_url}/admin/", expected("/admin's redirect", "/admin/", location)


@pytest.mark.parametrize("path", UNKNOWN_PAGES)
def test_an_admin_gets_a_404_for_a_page_the_admin_does_not_have(admin, path):
    response = admin.get(path)
    assert response.status_code == 404, expected(f"status of {path}", 404, response.status_code)


def test_the_login_page_is_a_form_of_username_and_password_with_a_csrf_token(browser, site):
    response = browser.get(LOGIN)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == HTML
    assert 'type="text"' in input_tag(response.text, "username")
    assert 'type="password"' in input_tag(response.text, "password")
    assert csrf_token(response.text, site.csrf_field)
    assert SITE_TITLE in response.text


@pytest.mark.parametrize("token", [False, "forged" * 8], ids=["no token", "a forged token"])
def test_a_login_without_its_csrf_token_is_refused(browser, site, admin_credentials, token):
    response = browser.log_in(*admin_credentials, token=token)
    assert response.status_code == site.csrf_refusal
    assert not browser.logged_in()


# A form posted with its page's token, from another site's page (as a cross-site form whose
# token leaked would be) or from the site's own: Django's CSRF check refuses another Origin.
ORIGINS = [
    pytest.param(lambda base_url: "https://evil.example", False, id="another site"),
    pytest.param(lambda base_url: base_url, True, id="the site"),
]


@pytest.mark.parametrize(("origin", "accepted"), ORIGINS)
def test_a_login_is_accepted_from_the_site_s_own_origin_only(
    browser, site, admin_credentials, origin, accepted
):
    response = browser.log_in(*admin_credentials, origin=origin(browser.base_url))
    answer = (response.status_code, browser.logged_in())
    wanted = (302, True) if accepted else (site.csrf_refusal, False)
    assert answer == wanted, expected("the login (status, logged in)", wanted, answer)


# What a login form may be sent instead of the admin's credentials.
WRONG_CREDENTIALS = [
    pytest.param(lambda username, password: (username, password + "-wrong"), id="wrong password"),
    pytest.param(
        lambda username, password: (f"nobody-{secrets.token_hex(4)}", password), id="unknown user"
    ),
    pytest.param(lambda username, password: ("", ""), id="empty fields"),
]


@pytest.mark.parametrize("credentials", WRONG_CREDENTIALS)
def test_wrong_credentials_show_the_login_page_again_with_an_error(
    browser, site, admin_credentials, credentials
):
    response = browser.log_in(*credentials(*admin_credentials))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == HTML
    assert site.form_error in response.text
    assert input_tag(response.text, "username")
    assert not browser.logged_in()


def test_a_login_returns_to_the_page_asked_for_and_opens_the_admin(login):
    admin, response = login
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == ITEMS
    index = admin.get(INDEX)
    assert index.status_code == 200
    assert index.headers["Content-Type"] == HTML
    assert SITE_TITLE in index.text


# Where a login goes on to, for each `next` (in the query as a link carries it: percent-encoded,
# slashes too). Django's url_has_allowed_host_and_scheme() decides; Flask's is_safe_url() is a
# port of it. {site} stands for the server's own URL.
NEXT_PAGES = [
    pytest.param("/admin/items/item/?search=a", "/admin/items/item/?search=a", id="a path"),
    pytest.param("{site}/admin/items/item/", "{site}/admin/items/item/", id="the site's URL"),
    # Paths of the site still, percent-encoded in the Location: a browser reads %2F as no slash.
    pytest.param("/%2F%2Fevil.example", "/%2F%2Fevil.example", id="encoded slashes in a path"),
    pytest.param("/\x00evil.example", "/%00evil.example", id="a NUL in a path"),
    # Where the frameworks' redirects differ: Django's percent-encodes the Location, Werkzeug's
    # splits and joins it, dropping leading spaces, tabs and line breaks. A path either way,
    # except that Werkzeug's would make the second one //evil.example, which Flask refuses.
    pytest.param(
        " /admin/items/item/",
        {"flask": "/admin/items/item/", "django": "%20/admin/items/item/"},
        id="a space, then a path",
    ),
    pytest.param(
        "/\n///evil.example",
        {"flask": INDEX, "django": "/%0A///evil.example"},
        id="a line break, then ///",
    ),
    # Another host or a script to a browser, however urlsplit reads them: the index instead.
    pytest.param("//evil.example", INDEX, id="//"),
    pytest.param("////evil.example", INDEX, id="////"),
    pytest.param("/\\evil.example", INDEX, id="a backslash for a slash"),
    pytest.param("\\\\evil.example", INDEX, id="two backslashes"),
    pytest.param(" //evil.example", INDEX, id="a space, then //"),
    pytest.param("\t//evil.example", INDEX, id="a tab, then //"),
    pytest.param("\x01//evil.example", INDEX, id="a control character, then //"),
    pytest.param("/\t/evil.example", INDEX, id="a tab between slashes"),
    pytest.param("https://evil.example/admin/", INDEX, id="another site"),
    pytest.param("http:///evil.example", INDEX, id="a scheme without a host"),
    pytest.param("javascript:alert(1)", INDEX, id="javascript:"),
    pytest.param("ftp://evil.example/", INDEX, id="another scheme"),
]


@pytest.mark.slow  # a login per row: password hashing, slow by design
@pytest.mark.parametrize(("next_page", "location"), NEXT_PAGES)
def test_a_login_goes_on_to_next_only_within_the_site(
    browser, twin, admin_credentials, next_page, location
):
    location = location[twin] if isinstance(location, dict) else location
    next_page, location = (
        text.replace("{site}", browser.base_url) for text in (next_page, location)
    )
    response = browser.log_in(*admin_credentials, next_page=next_page)
    answer = (response.status_code, response.headers.get("Location"))
    assert answer == (302, location), f"next={next_page!r}: {answer}, expected (302, {location!r})"


def test_a_login_with_a_nul_character_is_a_form_error(browser, site):
    # PostgreSQL cannot compare a NUL: the form must refuse it before any query.
    response = browser.log_in("ad\x00min", "password")
    assert response.status_code == 200
    assert site.form_error in response.text


def test_the_session_cookie_is_httponly_and_samesite_lax(login, site):
    _, response = login
    cookie = next(
        (
            header
            for header in response.raw.headers.getlist("Set-Cookie")
            if header.startswith(f"{site.session_cookie}=")
        ),
        None,
    )
    assert cookie, f"the login sets no {site.session_cookie} cookie"
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in attributes
    assert "samesite=lax" in attributes


def test_a_login_lasts_two_weeks(login, site):
    """The session cookie is kept for 14 days, not only until the browser closes."""
    browser, _ = login
    cookie = next(
        (cookie for cookie in browser.session.cookies if cookie.name == site.session_cookie), None
    )
    assert cookie, f"the login sets no {site.session_cookie} cookie"
    assert cookie.expires, "a cookie for the browser session only"
    left = cookie.expires - time.time()
    # Set at the login, earlier in this run (which takes less than an hour).
    assert SESSION_AGE - 3600 < left <= SESSION_AGE + 60, f"{left / 86400:.2f} days"


def test_logout_is_a_post_with_a_csrf_token_and_ends_the_session(
    api, browser, site, admin_credentials, ends_admin_sessions
):
    browser.log_in(*admin_credentials)
    assert browser.get(LOGOUT).status_code == 405
    assert browser.logged_in()
    assert browser.submit(INDEX, {}, to=LOGOUT, token=False).status_code == site.csrf_refusal
    assert browser.logged_in()
    cookie = browser.session.cookies[site.session_cookie]
    assert browser.submit(INDEX, {}, to=LOGOUT).status_code in (200, 302)
    assert not browser.logged_in()
    assert_the_cookie_opens_nothing(api, site, cookie, "logout")


@pytest.mark.slow  # the twin's admin command: a process of its own, and a password hashed
def test_make_admin_setting_the_password_ends_the_sessions_from_before(
    api, browser, site, admin_credentials, main_server, ends_admin_sessions
):
    """Even the same password: Django's hash has a new salt; Flask's user a new session token."""
    username, password = admin_credentials
    assert browser.log_in(username, password).status_code == 302
    cookie = browser.session.cookies[site.session_cookie]
    # The same password, so that the other tests still log in with the harness's credentials.
    set_admin_password(main_server, username, password)
    assert_the_cookie_opens_nothing(api, site, cookie, "make admin")


@pytest.mark.slow  # the twin's commands: processes of their own, and a password hashed
@pytest.mark.parametrize("revoked", REVOKED_FLAGS)
def test_a_logged_in_user_who_is_no_longer_an_admin_gets_no_admin_page(
    api, browser, site, twin, main_server, revoked
):
    """Sent to the login page, as anyone else; and the login is refused."""
    username, password = f"staff-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    set_admin_password(main_server, username, password)
    assert browser.log_in(username, password).status_code == 302, "the admin's login failed"
    run_in_twin(main_server, revoke_command(twin, REVOKED_FLAGS[revoked][twin]), username)
    for page in PROTECTED:
        path = page.values[0](site)
        response = browser.get(path)
        location = urlsplit(response.headers.get("Location", ""))
        answer = (response.status_code, location.path, parse_qs(location.query).get("next"))
        wanted = (302, LOGIN, [path])
        assert answer == wanted, expected(f"{path} for a user {revoked}", wanted, answer)
    if revoked == "no longer an admin":
        # The login page names who is logged in without the rights. Django's session of an
        # inactive user is anonymous, Flask's still names it: the twins differ there.
        assert f"You are authenticated as {username}," in browser.get(LOGIN).text
    # Its login is refused too, as a wrong password is.
    response = browser.log_in(username, password)
    answer = (response.status_code, site.form_error in response.text)
    assert answer == (200, True), expected("the login (status, form error)", (200, True), answer)


@pytest.mark.parametrize("page", [pytest.param(lambda site: LOGIN, id="login"), *PROTECTED])
def test_admin_pages_carry_the_security_headers(browser, admin, site, page):
    assert_security_headers(browser.get(page(site)))
    assert_security_headers(admin.get(page(site)))


# Django's never_cache; it also says max-age=0.
NEVER_CACHE = {"no-cache", "no-store", "must-revalidate", "private"}
# Where an admin's CSP may let the page load from: the site itself, and images written in the
# page's stylesheets as data: URLs (Bootstrap's icons); nothing from elsewhere, nothing inline.
ADMIN_SOURCES = {"'self'", "'none'"}
ADMIN_IMAGE_SOURCES = {"'self'", "data:"}
ADMIN_PAGES = [
    pytest.param(lambda site, item: LOGIN, id="login"),
    pytest.param(lambda site, item: INDEX, id="index"),
    pytest.param(lambda site, item: ITEMS, id="item list"),
    pytest.param(lambda site, item: site.add, id="add form"),
    pytest.param(lambda site, item: site.change.format(**item), id="edit form"),
    pytest.param(lambda site, item: site.delete_page.format(**item), id="delete confirmation"),
]


def policy(response: requests.Response) -> dict[str, set[str]]:
    """The response's Content-Security-Policy: each directive's sources."""
    header = response.headers.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: set(sources) for name, *sources in directives}


@pytest.mark.parametrize("page", ADMIN_PAGES[1:])
def test_an_admin_sees_every_admin_page(admin, site, item, page):
    response = admin.get(page(site, item))
    assert response.status_code == 200, outcome(site, response)
    assert response.headers["Content-Type"] == HTML


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_are_never_cached_and_vary_by_cookie(browser, admin, site, item, page):
    for visitor in (browser, admin):
        response = visitor.get(page(site, item))
        assert header_values(response, "Cache-Control") >= NEVER_CACHE, response.headers
        assert "cookie" in header_values(response, "Vary"), response.headers


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_have_a_csp_that_allows_only_the_site(browser, admin, site, item, page):
    for visitor in (browser, admin):
        sources = policy(visitor.get(page(site, item)))
        assert sources.get("default-src") == {"'self'"}, sources
        assert sources.get("frame-ancestors") == {"'none'"}, sources
        assert sources.get("base-uri") == sources.get("form-action") == {"'self'"}, sources
        assert sources.get("img-src", {"'self'"}) <= ADMIN_IMAGE_SOURCES, sources
        others = set().union(*(found for name, found in sources.items() if name != "img-src"))
        assert others <= ADMIN_SOURCES, sources


@pytest.mark.parametrize("path", ["/", "/api/data", "/api/items", "/healthz", "/no-such-page"])
def test_answers_outside_the_admin_neither_vary_by_cookie_nor_set_one(admin, path):
    response = admin.get(path)
    assert "cookie" not in header_values(response, "Vary"), response.headers
    assert "Set-Cookie" not in response.headers


ASSET_TYPES = {
    "stylesheet": {"text/css"},
    "script": {"text/javascript", "application/javascript"},
}


@pytest.mark.parametrize(
    ("visitor", "page"),
    [("browser", LOGIN), ("admin", ITEMS)],
    ids=["login page", "item list"],
)
def test_the_admin_stylesheets_and_scripts_are_served_by_the_twin(browser, admin, visitor, page):
    visitor = {"browser": browser, "admin": admin}[visitor]
    text = visitor.get(page).text
    assets = [
        ("stylesheet", tag) for tag in re.findall(r'<link\b[^>]*rel="stylesheet"[^>]*>', text)
    ] + [("script", tag) for tag in re.findall(r"<script\b[^>]*\bsrc=[^>]*>", text)]
    assert any(kind == "stylesheet" for kind, _ in assets), f"{page} links no stylesheet"
    for kind, tag in assets:
        url = html.unescape(re.search(r'(?:href|src)="([^"]+)"', tag).group(1))
        assert url.startswith("/"), f"{url}: not served by the twin"
        response = visitor.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"].split(";")[0] in ASSET_TYPES[kind], url


# Items ----------------------------------------------------------------------------------------


def test_the_item_list_shows_name_quantity_and_updated(admin, site, item):
    response = admin.get(ITEMS, **{site.search: item["name"]})
    assert response.status_code == 200
    heads = [  # the columns of each table: Django's page has its navigation's table too
        [text for text in texts(re.findall(r"<th\b[^>]*>(.*?)</th>", head, re.DOTALL)) if text]
        for head in re.findall(r"<thead\b.*?</thead>", response.text, re.DOTALL)
    ]
    assert COLUMNS in heads
    cells = row_of(response.text, item["name"])
    assert cells, "no row shows the item"
    assert str(item["quantity"]) in cells
    # The last cell is Updated: the API's updated_at (UTC) to the minute.
    assert shown_time(cells[-1]) == item["updated_at"][:16].replace("T", " ")


@pytest.mark.parametrize("search", [str, str.upper], ids=["the name", "in upper case"])
def test_search_by_name_finds_the_item_and_not_another(api, admin, site, unique_name, search):
    wanted, other = (api.create(name=f"{unique_name}-{part}") for part in ("wanted", "other"))
    page = admin.get(ITEMS, **{site.search: search(wanted["name"])}).text
    assert row_of(page, wanted["name"])
    assert not row_of(page, other["name"])


def test_a_search_with_a_nul_character_shows_the_list_not_an_error(admin, site):
    # PostgreSQL cannot compare a NUL; both admins drop such a search and say why.
    response = admin.get(ITEMS, **{site.search: "a\x00b"})
    assert response.status_code == 200
    assert "<thead" in response.text


def test_an_item_created_in_the_admin_is_in_the_api_and_on_the_home_page(
    api, admin, site, unique_name
):
    # The name as typed with spaces around it: stored trimmed, as the API stores it.
    changes = {"name": f"  {unique_name} ", "description": "Made in the admin.", "quantity": "5"}
    form = admin.form_fields(site.add) | changes
    response = admin.submit(site.add, form)
    assert response.status_code == 302, outcome(site, response)
    [item] = stored(api, unique_name)
    assert form_of(item, form) == form | {"name": unique_name}
    assert unique_name in api.get("/").text


def test_the_add_form_starts_from_the_defaults_of_an_item_created_with_a_name_only(
    api, admin, site, unique_name
):
    form = admin.form_fields(site.add)
    assert form | {"name": unique_name} == form_of(api.create(name=unique_name), form)


def test_an_item_edited_in_the_admin_changes_in_the_api(api, admin, site, item):
    page = site.change.format(id=item["id"])
    form = admin.form_fields(page) | {"name": item["name"] + "-edited", "quantity": "8"}
    response = admin.submit(page, form)
    assert response.status_code == 302, outcome(site, response)
    assert form_of(api.item(item["id"]), form) == form


# What an edit posts over the form as it stands, and what is stored then.
EDITS = [
    pytest.param(lambda item: {}, lambda item: {}, id="unchanged"),
    pytest.param(
        lambda item: {"name": f" {item['name']} "}, lambda item: {}, id="the name with spaces"
    ),
    pytest.param(
        lambda item: {"description": "Changed in the admin."},
        lambda item: {"description": "Changed in the admin."},
        id="changed",
    ),
]


@pytest.mark.parametrize(("posted", "changes"), EDITS)
def test_saving_the_edit_form_moves_updated_at_only_when_a_value_changes(
    api, admin, site, item, posted, changes
):
    page = site.change.format(id=item["id"])
    form = admin.form_fields(page)
    assert form == form_of(item, form), "the edit form does not show the item as stored"
    response = admin.submit(page, form | posted(item))
    assert response.status_code == 302, outcome(site, response)
    saved = api.item(item["id"])
    assert form_of(saved, form) == form | changes(item)
    before, after = item["updated_at"], saved["updated_at"]
    assert after >= before, f"updated_at went back: {before} -> {after}"
    moved = after != before
    assert moved == bool(changes(item)), (
        f"a save with {posted(item) or 'no change'}: updated_at {before} -> {after}"
    )


def test_an_item_deleted_through_the_confirmation_is_gone_from_the_api(api, admin, site, item):
    confirmation, fields, delete = site.delete_form(item)
    assert item["name"] in admin.get(confirmation).text
    assert api.item(item["id"]) == item, "the confirmation page changed the item"
    response = admin.submit(confirmation, fields, to=delete)
    assert response.status_code == 302, outcome(site, response)
    assert api.get(ITEM_PATH.format(id=item["id"])).status_code == 404


@pytest.mark.parametrize("item_id", ["abc", "0", str(2**63 - 1), str(2**63)])
@pytest.mark.parametrize("page", ["change", "delete_page"], ids=["edit", "delete"])
def test_the_pages_of_an_item_that_does_not_exist_send_the_admin_away(admin, site, page, item_id):
    response = admin.get(getattr(site, page).format(id=item_id))
    answer = (response.status_code, response.headers.get("Location"))
    assert answer == (302, site.missing_item), expected(
        "the answer", (302, site.missing_item), answer
    )


def test_a_create_without_the_csrf_token_is_refused_and_stores_nothing(
    api, admin, site, unique_name
):
    form = admin.form_fields(site.add) | {"name": unique_name, "quantity": "1"}
    response = admin.submit(site.add, form, token=False)
    assert response.status_code == site.csrf_refusal, outcome(site, response)
    assert stored(api, unique_name) == []


@pytest.mark.parametrize(("origin", "accepted"), ORIGINS)
def test_a_create_is_accepted_from_the_site_s_own_origin_only(
    api, admin, site, unique_name, origin, accepted
):
    form = admin.form_fields(site.add) | {"name": unique_name, "quantity": "1"}
    response = admin.submit(site.add, form, origin=origin(admin.base_url))
    answer = (response.status_code, len(stored(api, unique_name)))
    wanted = (302, 1) if accepted else (site.csrf_refusal, 0)
    assert answer == wanted, expected("the create (status, items stored)", wanted, answer)


def test_an_edit_or_delete_without_the_csrf_token_is_refused_and_changes_nothing(
    api, admin, site, item
):
    page = site.change.format(id=item["id"])
    edit = admin.submit(page, admin.form_fields(page) | {"quantity": "9"}, token=False)
    confirmation, fields, to = site.delete_form(item)
    delete = admin.submit(confirmation, fields, to=to, token=False)
    assert (edit.status_code, delete.status_code) == (site.csrf_refusal, site.csrf_refusal)
    assert api.item(item["id"]) == item


# Values that break the item's rules (docs/contract.md), over a valid name and quantity.
INVALID_VALUES = [
    pytest.param(lambda unique: {"name": ""}, id="empty name"),
    pytest.param(lambda unique: {"name": "   "}, id="blank name"),
    pytest.param(lambda unique: {"name": unique.ljust(101, "x")}, id="name of 101 characters"),
    pytest.param(lambda unique: {"name": f"{unique}\x07"}, id="control character in the name"),
    pytest.param(lambda unique: {"name": f"{unique}\tx"}, id="tab in the name"),
    pytest.param(lambda unique: {"description": "d" * 2001}, id="description of 2001"),
    pytest.param(lambda unique: {"quantity": "-1"}, id="negative quantity"),
    pytest.param(lambda unique: {"quantity": "1000001"}, id="quantity over a million"),
    pytest.param(lambda unique: {"quantity": "3.5"}, id="fractional quantity"),
]


@pytest.mark.parametrize("values", INVALID_VALUES)
def test_an_invalid_value_is_one_field_s_form_error_and_stores_nothing(
    api, admin, site, unique_name, values
):
    count = api.count()
    form = admin.form_fields(site.add) | {"name": unique_name, "quantity": "1"}
    response = admin.submit(site.add, form | values(unique_name))
    assert response.status_code == 200, outcome(site, response)
    assert site.form_error in response.text, outcome(site, response)
    assert len(re.findall(site.field_errors, response.text, re.DOTALL)) == 1, (
        f"not one field's errors: {outcome(site, response)}"
    )
    assert api.count() == count


@pytest.mark.parametrize("spaces", ["", " "], ids=["as stored", "with spaces around"])
def test_a_duplicate_name_is_a_form_error_and_stores_nothing(api, admin, site, item, spaces):
    form = admin.form_fields(site.add) | {
        "name": f"{spaces}{item['name']}{spaces}",
        "quantity": "1",
    }
    response = admin.submit(site.add, form)
    assert response.status_code == 200, outcome(site, response)
    assert site.form_error in response.text, outcome(site, response)
    assert stored(api, item["name"]) == [item]


def test_renaming_to_a_taken_name_is_a_form_error_and_changes_nothing(
    api, admin, site, item, unique_name
):
    other = api.create(name=f"{unique_name}-other")
    page = site.change.format(id=other["id"])
    response = admin.submit(page, admin.form_fields(page) | {"name": item["name"]})
    assert response.status_code == 200, outcome(site, response)
    assert site.form_error in response.text, outcome(site, response)
    assert api.item(other["id"]) == other


def test_simultaneous_creates_of_one_name_give_one_item_and_form_errors(
    api, admin, site, unique_name
):
    """Admins saving one new name at the same instant: one item, a form error for each other.

    On PostgreSQL Django's admin checks the name with a query before its INSERT; two saves can both
    pass the check, and the unique index then refuses the second: a form error too, never a 500.
    """
    page = admin.get(site.add)
    fields = form_fields(page.text, site.csrf_field, site.add)
    fields |= {"name": unique_name, "quantity": "1"}
    fields[site.csrf_field] = csrf_token(page.text, site.csrf_field)
    barrier = threading.Barrier(RACERS)

    def save(_):
        # One session per thread, each with the admin's cookies: the same admin in several tabs.
        session = http_session()
        session.cookies.update(admin.session.cookies)
        barrier.wait()
        url = admin.base_url + site.add
        return session.post(url, data=fields, allow_redirects=False, timeout=30)

    with ThreadPoolExecutor(RACERS) as pool:
        responses = list(pool.map(save, range(RACERS)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * (RACERS - 1) + [302]
    refused = [response for response in responses if response.status_code == 200]
    assert all(site.form_error in response.text for response in refused)
    assert len(stored(api, unique_name)) == 1

"""Production: no start without SECRET_KEY, HTTPS=1 behind a proxy, the login limit, no leaks.

The HTTPS=1 tests talk to a server started as behind a TLS-terminating proxy (`proxied_api`) and
play that proxy: X-Forwarded-Proto says which scheme the client used, X-Forwarded-For ends with
the client's address. The TRUSTED_PROXIES=2 tests (`forwarded_api`) play two proxies over plain
HTTP: X-Forwarded-For ends with the client's address, then the first proxy's.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import time
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import HTTPAdapter

from contract_tests.helpers import HTML, assert_security_headers, csrf_token, expected
from contract_tests.test_admin import INDEX, LOGIN, SITES
from twin_servers.client import JSON, http_session
from twin_servers.server import FORWARDED, MAIN, REPO, VENV_BIN, free_port

HSTS = "max-age=31536000; includeSubDomains"
FAILURE_LIMIT = 5
LOCKED_OUT = "Too many failed logins"
# Gunicorn as serve.sh starts it, in the twin's folder.
WSGI_APPS = {"flask": "wsgi:app", "django": "config.wsgi:application"}


@pytest.mark.slow
def test_without_a_secret_key_gunicorn_does_not_start_and_says_why(twin):
    environment = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "DEBUG": "0",
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
    }
    result = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "--config", "../gunicorn.conf.py", WSGI_APPS[twin]],
        cwd=REPO / f"{twin}_impl",
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode != 0
    assert (result.stdout + result.stderr).strip().splitlines() == [
        "SECRET_KEY is not set: export a long random value (or DEBUG=1 to develop)."
    ]


@pytest.mark.slow
def test_without_its_static_files_django_does_not_start_and_says_why(tmp_path):
    # Django only: its manifest storage needs collectstatic's files; Flask serves its own folder.
    environment = {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "MIGRATE": "0",
        "STATIC_ROOT": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "GUNICORN_BIND": f"127.0.0.1:{free_port()}",
    }
    result = subprocess.run(
        ["./serve.sh"],
        cwd=REPO / "django_impl",
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert f"No staticfiles.json in STATIC_ROOT ({tmp_path})." in output, output
    assert "Run manage.py collectstatic first" in output, output
    assert "Traceback" not in output, output


def proxy_headers(scheme: str = "https", address: str | None = None, proxies: int = 1) -> dict:
    """What the proxies add: the client's scheme and, optionally, the client's address."""
    headers = {"X-Forwarded-Proto": scheme}
    if address:
        # Whatever the client sent first (here a forged address), then the one the first proxy
        # appends, then those of the proxies after it.
        headers["X-Forwarded-For"] = ", ".join(
            ["203.0.113.9", address] + ["10.0.0.1"] * (proxies - 1)
        )
    return headers


@pytest.mark.parametrize("path", ["/", "/api/data?limit=1", "/api/items/1", LOGIN])
def test_behind_the_proxy_plain_http_is_redirected_to_https(proxied_api, path):
    response = proxied_api.get(path, headers=proxy_headers("http"))
    assert response.status_code == 301
    host = urlsplit(proxied_api.base_url).netloc
    assert response.headers["Location"] == f"https://{host}{path}"
    assert "Strict-Transport-Security" not in response.headers
    assert_security_headers(response)


# The one trusted proxy appends the scheme it was reached by: the last value is the proxy's, any
# before it the client's own, which says nothing.
def test_behind_the_proxy_the_scheme_is_the_last_one_the_proxy_appended(proxied_api):
    response = proxied_api.get("/api/data", headers={"X-Forwarded-Proto": "https, http"})
    answer = (response.status_code, response.headers.get("Location"))
    host = urlsplit(proxied_api.base_url).netloc
    wanted = (301, f"https://{host}/api/data")
    assert answer == wanted, expected("a client's https before the proxy's http", wanted, answer)


def test_behind_the_proxy_healthz_answers_plain_http(proxied_api):
    # Load balancers and Docker's HEALTHCHECK ask /healthz from the inside, without the proxy.
    response = proxied_api.get("/healthz")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/", "/healthz", "/api/data", "/api/nothing-here", LOGIN])
def test_behind_the_proxy_https_answers_send_hsts(proxied_api, path):
    response = proxied_api.get(path, headers=proxy_headers())
    assert response.status_code in (200, 404)
    assert response.headers["Strict-Transport-Security"] == HSTS
    assert_security_headers(response)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_without_https_there_is_no_redirect_no_hsts_and_no_secure_cookie(api, scheme):
    # Without HTTPS=1 the twins trust no proxy's X-Forwarded-Proto, whatever it says.
    response = api.get(LOGIN, headers=proxy_headers(scheme))
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    cookies = response.raw.headers.getlist("Set-Cookie")
    assert cookies, "the login page sets no cookie"
    assert not any("; secure" in cookie.lower() for cookie in cookies), cookies


class TlsProxy(HTTPAdapter):
    """Plays the TLS proxy for a browser on https://: sends its requests on to the twin over http://."""

    def send(self, request, **kwargs):
        """Send the request as the proxy does, to the same host and port over plain HTTP."""
        forwarded = request.copy()
        forwarded.url = "http://" + request.url.removeprefix("https://")
        return super().send(forwarded, **kwargs)


class ProxiedBrowser:
    """A browser reaching the twin through the proxy from `address`, on https:// (or http://)."""

    def __init__(
        self, api, twin: str, address: str, scheme: str = "https", proxies: int = 1
    ) -> None:
        self.site = SITES[twin]
        self.base_url = f"{scheme}://{urlsplit(api.base_url).netloc}"
        self.session = http_session()
        # On https:// the session keeps and sends back the cookies marked Secure, as a browser does.
        self.session.mount("https://", TlsProxy())
        # What a browser sends with a form (both twins' CSRF checks read them over HTTPS).
        origin = {"Origin": self.base_url, "Referer": self.base_url + LOGIN}
        self.session.headers.update(proxy_headers(scheme, address, proxies) | origin)

    def get(self, path: str) -> requests.Response:
        """GET a page, no redirects followed."""
        return self.session.get(self.base_url + path, allow_redirects=False, timeout=30)

    def log_in(self, username: str, password: str) -> requests.Response:
        """Open the login page and send the form."""
        page = self.get(LOGIN)
        assert page.status_code == 200
        fields = {
            "username": username,
            "password": password,
            self.site.csrf_field: csrf_token(page.text, self.site.csrf_field),
        }
        return self.session.post(
            self.base_url + LOGIN, data=fields, allow_redirects=False, timeout=30
        )


def an_address() -> str:
    """A private address, random, so that no other test shares its count of failures."""
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


def assert_locked_out(response: requests.Response) -> None:
    """The 429 page of a locked-out login."""
    assert response.status_code == 429
    assert response.headers["Content-Type"] == HTML
    assert LOCKED_OUT in response.text
    assert_security_headers(response)


def test_behind_the_proxy_cookies_are_secure(proxied_api, twin):
    page = ProxiedBrowser(proxied_api, twin, an_address()).get(LOGIN)
    cookies = page.raw.headers.getlist("Set-Cookie")
    assert cookies
    assert all("; secure" in cookie.lower() for cookie in cookies), cookies


@pytest.mark.slow
def test_five_failed_logins_lock_that_username_at_that_address(
    proxied_api, proxied_admin_credentials, twin
):
    assert_the_pair_is_locked_out(ProxiedBrowser, proxied_api, proxied_admin_credentials, twin)


@pytest.mark.slow
def test_a_successful_login_clears_the_failures(proxied_api, proxied_admin_credentials, twin):
    username, password = proxied_admin_credentials
    address = an_address()

    def fail_all_but_one():
        """One failure short of the lock, from a browser at the address not logged in."""
        browser = ProxiedBrowser(proxied_api, twin, address)
        return [browser.log_in(username, "wrong").status_code for _ in range(FAILURE_LIMIT - 1)]

    assert fail_all_but_one() == [200] * (FAILURE_LIMIT - 1)
    assert ProxiedBrowser(proxied_api, twin, address).log_in(username, password).status_code == 302
    # As many failures again, and still no lock: the count started over at the login.
    assert fail_all_but_one() == [200] * (FAILURE_LIMIT - 1)


@pytest.mark.slow
def test_behind_two_trusted_proxies_over_http_the_lock_is_by_the_clients_address(
    forwarded_api, forwarded_admin_credentials, twin
):
    # TRUSTED_PROXIES works apart from HTTPS=1: the address is the one the first proxy appended.
    browser = partial(ProxiedBrowser, scheme="http", proxies=2)
    assert_the_pair_is_locked_out(browser, forwarded_api, forwarded_admin_credentials, twin)


def assert_the_pair_is_locked_out(browser_at, api, credentials, twin: str) -> None:
    """Five failures lock the username at one address, and neither another user nor address."""
    username, password = credentials
    browser = browser_at(api, twin, an_address())
    statuses = [browser.log_in(username, "wrong").status_code for _ in range(FAILURE_LIMIT - 1)]
    assert statuses == [200] * (FAILURE_LIMIT - 1)
    # The fifth failure locks the pair out at once; then even the right password is refused.
    assert_locked_out(browser.log_in(username, "wrong"))
    assert_locked_out(browser.log_in(username, password))
    # Another username from the same address is not locked: a plain failed login.
    other = browser.log_in(f"nobody-{secrets.token_hex(4)}", "wrong")
    assert other.status_code == 200
    assert SITES[twin].form_error in other.text
    # The same user from another address logs in.
    elsewhere = browser_at(api, twin, an_address())
    assert elsewhere.log_in(username, password).status_code == 302
    assert elsewhere.get(INDEX).status_code == 200


@pytest.mark.slow
def test_behind_two_trusted_proxies_the_access_log_names_the_clients_address(
    forwarded_api, servers, twin
):
    address, path = an_address(), f"/api/data?request={secrets.token_hex(8)}"
    ProxiedBrowser(forwarded_api, twin, address, "http", proxies=2).get(path)
    logged = logged_addresses(servers.get(twin, FORWARDED).workdir / "server.log", path)
    assert logged == [address], expected("the logged client address", [address], logged)


# Whatever a client forges: one address or a chain, the server's own, IPv6, or no address at all.
FORGED = ["10.1.2.3", "203.0.113.9, 10.0.0.1", "127.0.0.2", "::1", "unknown"]


@pytest.mark.parametrize("forged", FORGED)
def test_without_trusted_proxies_the_access_log_names_the_real_address(api, servers, twin, forged):
    if servers is None:
        pytest.skip("CONTRACT_TARGETS is set: the access log is the server's own")
    path = f"/api/data?request={secrets.token_hex(8)}"
    api.get(path, headers={"X-Forwarded-For": forged})
    logged = logged_addresses(servers.get(twin, MAIN).workdir / "server.log", path)
    assert logged == ["127.0.0.1"], expected("the logged client address", ["127.0.0.1"], logged)


def logged_addresses(log: Path, path: str) -> list[str]:
    """The client addresses of the access log's lines for this path (it may take a moment)."""

    def lines():
        return [line for line in log.read_text().splitlines() if path in line]

    deadline = time.monotonic() + 5
    while not lines() and time.monotonic() < deadline:
        time.sleep(0.05)
    return [line.split()[0] for line in lines()]


@pytest.mark.slow
def test_without_trusted_proxies_x_forwarded_for_does_not_change_the_address(api, twin):
    # Only the proxies' entries count, and only TRUSTED_PROXIES says how many there are: here
    # anyone could send the header (behind nginx, its entry is the last, and every one the same).
    username = f"nobody-{secrets.token_hex(4)}"
    for attempt in range(FAILURE_LIMIT):
        response = ProxiedBrowser(api, twin, an_address(), "http").log_in(username, "wrong")
        assert response.status_code == (429 if attempt == FAILURE_LIMIT - 1 else 200)
    assert_locked_out(response)


# Signs of the machinery behind an answer: a traceback, a file path, a product's version.
LEAKS = re.compile(
    r"Traceback|File \"|\.py\b|site-packages|/(?:work|home|usr|tmp|opt|srv|root|app)/"
    r"|OperationalError|IntegrityError|(?i:gunicorn|werkzeug|flask|django|python|wsgi)[/ ]v?\d"
)
# In an error also SQL, and any version number (the OpenAPI document has its own of both).
ERROR_LEAKS = re.compile(
    r"\b(?:SELECT|INSERT INTO|UPDATE|DELETE FROM|WHERE|sqlite3?|psycopg|SQLAlchemy)\b"
    r"|\b\d+\.\d+\.\d+\b"
)
BAD_REQUESTS = {
    "page 404": ("GET", "/no-such-page", {}),
    "api 404": ("GET", "/api/no-such-thing", {}),
    "item 404": ("GET", "/api/items/9223372036854775807", {}),
    "405": ("DELETE", "/api/data", {}),
    "bad parameter": ("GET", "/api/items?limit=abc", {}),
    "malformed JSON": ("POST", "/api/items", {"body": b'{"name": ', "content_type": JSON}),
    "bad host": ("GET", "/api/data", {"headers": {"Host": "evil.example"}}),
    "bad host page": ("GET", "/", {"headers": {"Host": "evil.example"}}),
    "admin 404": ("GET", "/admin/no-such-page/", {}),
    "admin POST without CSRF": (
        "POST",
        LOGIN,
        {"body": b"username=a&password=b", "content_type": "application/x-www-form-urlencoded"},
    ),
    "openapi": ("GET", "/api/openapi.json", {}),
    "healthz": ("GET", "/healthz", {}),
}


def assert_no_leak(text: str, *, error: bool = True) -> None:
    """No traceback, path or version in an answer (its head and body); in an error, no SQL."""
    for pattern in (LEAKS, ERROR_LEAKS) if error else (LEAKS,):
        found = pattern.search(text)
        assert not found, f"{found.group(0)!r} in {text[:2000]}"


def answer(response: requests.Response) -> str:
    """The headers and the body of a response, as text."""
    head = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    return f"{head}\n\n{response.text}"


@pytest.mark.parametrize("case", BAD_REQUESTS)
def test_answers_reveal_no_versions_paths_sql_or_tracebacks(api, case):
    method, path, options = BAD_REQUESTS[case]
    response = api.request(method, path, **options)
    # Gunicorn names itself, but not its version (decisions.md).
    assert not re.search(r"\d", response.headers.get("Server", ""))
    assert_no_leak(answer(response), error=response.status_code >= 400)


@pytest.mark.parametrize("path", ["/healthz", "/api/items", "/"])
def test_an_unreachable_database_reveals_nothing(unavailable_api, path):
    response = unavailable_api.get(path)
    assert response.status_code == 503
    assert_no_leak(answer(response))


def test_gunicorns_own_errors_reveal_nothing(api):
    raw = api.raw("NOT A REQUEST LINE").decode("latin-1")
    assert raw.startswith("HTTP/1.1 400")
    assert_no_leak(raw)

"""HTTPS=1, behind a TLS proxy: the settings one by one, the redirect, HSTS, the proxy headers."""

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from items import create_app
from items.config import Config

HTTPS_REQUEST = {"X-Forwarded-Proto": "https"}
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def https_app(app, monkeypatch):
    """The app with HTTPS=1 on the same database as `app` (whose tables exist)."""
    monkeypatch.setenv("HTTPS", "1")
    return create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    )


@pytest.mark.parametrize(("https", "hsts"), [("1", HSTS), ("0", None), (None, None)])
def test_https_settings_match_djangos(monkeypatch, tmp_path, https, hsts):
    # Django: SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE (Flask-WTF's token is in the session),
    # SECURE_HSTS_SECONDS a year, SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD off.
    monkeypatch.setenv("SECRET_KEY", "s")
    if https is None:
        monkeypatch.delenv("HTTPS", raising=False)
    else:
        monkeypatch.setenv("HTTPS", https)
    config = Config(str(tmp_path))
    on = https == "1"
    assert config.HTTPS is on
    assert config.SESSION_COOKIE_SECURE is on
    assert hsts == config.STRICT_TRANSPORT_SECURITY


def test_https_trusts_one_proxy_for_the_scheme_and_the_address(https_app, app):
    # Django: SECURE_PROXY_SSL_HEADER, and items.lockout.client_ip() for the address.
    assert isinstance(https_app.wsgi_app, ProxyFix)
    assert (https_app.wsgi_app.x_proto, https_app.wsgi_app.x_for) == (1, 1)
    assert (https_app.wsgi_app.x_host, https_app.wsgi_app.x_port) == (0, 0)
    assert not isinstance(app.wsgi_app, ProxyFix)


@pytest.mark.parametrize("path", ["/", "/api/data?limit=1", "/admin/login/", "/no-such-page"])
def test_plain_http_is_redirected_to_the_same_url_on_https(https_app, path):
    response = https_app.test_client().get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://localhost{path}"
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"


def test_healthz_answers_plain_http(https_app):
    response = https_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/", "/healthz", "/no-such-page"])
def test_https_answers_send_hsts(https_app, path):
    response = https_app.test_client().get(path, headers=HTTPS_REQUEST)
    assert response.headers["Strict-Transport-Security"] == HSTS


def test_the_session_cookie_is_secure(https_app):
    response = https_app.test_client().get("/admin/login/", headers=HTTPS_REQUEST)
    assert "Secure" in response.headers["Set-Cookie"].split("; ")


def test_without_https_the_proxy_headers_change_nothing(client):
    response = client.get("/admin/login/", headers=HTTPS_REQUEST)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert "Secure" not in response.headers["Set-Cookie"].split("; ")

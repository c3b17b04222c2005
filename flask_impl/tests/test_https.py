"""HTTPS=1, behind a TLS proxy: the settings one by one, the redirect, HSTS, the proxy headers."""

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from items import create_app

HTTPS_REQUEST = {"X-Forwarded-Proto": "https"}
HSTS = "max-age=31536000; includeSubDomains"


@pytest.fixture
def https_app(app):
    """The app with HTTPS=1's settings on the same database as `app` (whose tables exist)."""
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "HTTPS": True,
            "SESSION_COOKIE_SECURE": True,
            "STRICT_TRANSPORT_SECURITY": HSTS,
        }
    )


@pytest.mark.parametrize(("https", "hsts"), [("1", HSTS), ("0", None), (None, None)])
def test_https_settings_match_djangos(read_config, https, hsts):
    # Django: SESSION_COOKIE_SECURE, CSRF_COOKIE_SECURE (Flask-WTF's token is in the session),
    # SECURE_HSTS_SECONDS a year, SECURE_HSTS_INCLUDE_SUBDOMAINS, SECURE_HSTS_PRELOAD off.
    config = read_config() if https is None else read_config(HTTPS=https)
    on = https == "1"
    assert config.HTTPS is on
    assert config.SESSION_COOKIE_SECURE is on
    assert hsts == config.STRICT_TRANSPORT_SECURITY


@pytest.mark.parametrize(
    ("https", "proxies", "x_proto", "x_for"),
    [(False, 0, 0, 0), (True, 0, 1, 0), (False, 2, 0, 2), (True, 1, 1, 1)],
)
def test_https_trusts_the_scheme_and_trusted_proxies_the_address(
    app, https, proxies, x_proto, x_for
):
    # Django: SECURE_PROXY_SSL_HEADER, and the items.security.forwarded_for middleware.
    proxy_fix = create_app(
        {
            "SECRET_KEY": "s",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "HTTPS": https,
            "TRUSTED_PROXIES": proxies,
        }
    ).wsgi_app
    assert isinstance(proxy_fix, ProxyFix)
    assert (proxy_fix.x_proto, proxy_fix.x_for, proxy_fix.x_host, proxy_fix.x_port) == (
        x_proto,
        x_for,
        0,
        0,
    )


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

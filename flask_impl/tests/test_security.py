"""items/security.py: the hosts Flask's TRUSTED_HOSTS cannot express, and the proxies trusted."""

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from items import create_app


def test_a_star_allows_any_host(app):
    # The contract suite's servers run with the default hosts or a dotted domain, never "*".
    app.config["ALLOWED_HOSTS"] = ["*"]
    assert app.test_client().get("/api/data", headers={"Host": "anything.test"}).status_code == 200


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

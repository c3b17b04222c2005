"""ALLOWED_HOSTS: the names Flask's TRUSTED_HOSTS cannot match ([::1]) and Django's patterns."""

import pytest


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("localhost", 200),
        ("LOCALHOST:5000", 200),
        ("[::1]", 200),
        ("[::1]:5000", 200),
        ("example.com", 200),
        ("shop.example.com:443", 200),
        ("evil.example", 400),
        ("localhost.evil.example", 400),
        ("[::2]", 400),
        ("bad host", 400),
    ],
)
def test_only_allowed_hosts_are_served(app, host, status):
    app.config["ALLOWED_HOSTS"] = ["localhost", "[::1]", ".example.com"]
    response = app.test_client().get("/api/data", headers={"Host": host})
    assert response.status_code == status


def test_a_star_allows_any_host(app):
    app.config["ALLOWED_HOSTS"] = ["*"]
    assert app.test_client().get("/api/data", headers={"Host": "anything.test"}).status_code == 200

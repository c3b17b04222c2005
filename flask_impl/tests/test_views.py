"""Answers that need the app's wiring: /healthz, an unreachable database, an unexpected error."""

import pytest

from items import create_app


@pytest.fixture
def unreachable_app(tmp_path):
    """The app on a SQLite path that cannot be opened (its folder does not exist)."""
    unreachable = tmp_path / "missing-folder" / "db.sqlite3"
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{unreachable}",
        }
    )


def test_healthz_is_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(unreachable_app):
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unavailable"}
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/api/items", "application/json"), ("/", "text/html; charset=utf-8")],
)
def test_an_unreachable_database_is_a_503(unreachable_app, path, content_type):
    response = unreachable_app.test_client().get(path)
    assert response.status_code == 503
    assert response.content_type == content_type


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/api/boom", "application/json", b'"code":"internal_error"'),
        ("/boom", "text/html; charset=utf-8", b"<h2>500</h2>"),
    ],
)
def test_an_unexpected_error_is_a_500_without_details(app, caplog, path, content_type, marker):
    def boom():
        raise RuntimeError("secret detail")

    app.add_url_rule(path, "boom", boom)
    # TESTING lets exceptions through to the test; in production Flask answers with a 500.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get(path)
    assert response.status_code == 500
    assert response.content_type == content_type
    assert marker in response.data
    assert b"secret detail" not in response.data
    assert "secret detail" in caplog.text, "the traceback goes to the log"


@pytest.mark.parametrize("path", ["/api/nope", "/api/items/", "/api/items/abc", "/api/items/999"])
def test_api_404s_are_json_with_debug_on_too(app, client, path):
    app.config["DEBUG"] = True
    response = client.get(path)
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_json_is_compact_in_debug_mode_too(app, client):
    # The contract suite runs the twins with DEBUG=0, where Flask is compact by default.
    app.config["DEBUG"] = True
    body = client.get("/api/data").get_data(as_text=True)
    assert body == '{"message":"Hello, this is some data!","framework":"flask"}\n'

"""The home page, /api/data, /healthz, and the pages a server without a database still answers."""

import re
from urllib.parse import urljoin

import pytest

from contract_tests.helpers import CSP, HTML, assert_error, assert_security_headers, expected
from twin_servers.client import JSON


def test_home_page_is_html_that_names_its_framework(api, twin):
    response = api.get("/")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == HTML
    framework = twin.capitalize()
    assert f"Served by {framework}" in response.text
    assert f'<body data-framework="{twin}"' in response.text
    assert re.search(rf"<title>\s*Flask ⇄ Django Twins — {framework}\s*</title>", response.text)


def test_home_page_sends_a_content_security_policy_of_its_own_origin(api):
    assert api.get("/").headers["Content-Security-Policy"] == CSP


def test_home_page_shows_the_newest_20_items_newest_first(api, unique_name):
    names = [f"{unique_name}-{number:02}" for number in range(21)]
    for name in names:
        api.create(name=name)
    page = api.get("/").text
    assert names[0] not in page
    positions = [page.index(name) for name in reversed(names[1:])]
    assert positions == sorted(positions)


def test_home_page_escapes_markup_in_item_names(api, unique_name):
    api.create(name=f"<script>alert('{unique_name}')</script>")
    page = api.get("/").text
    assert "&lt;script&gt;alert(" in page
    assert "<script>alert(" not in page
    assert unique_name in page


def test_home_page_stylesheet_loads_as_css(api):
    page = api.get("/").text
    link = re.search(r'<link[^>]*rel="stylesheet"[^>]*>', page)
    assert link, "the home page links no stylesheet"
    href = re.search(r'href="([^"]+)"', link.group(0)).group(1)
    assert href.startswith("/static/items/")
    response = api.get(urljoin("/", href))
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == "text/css"
    assert response.text.strip()
    assert_security_headers(response)


def test_api_data_says_hello_and_names_its_framework(api, twin):
    response = api.get("/api/data")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON
    assert response.json() == {"message": "Hello, this is some data!", "framework": twin}


def test_healthz_reports_a_working_database(api):
    response = api.get("/healthz")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database_with_503(unavailable_api):
    response = unavailable_api.get("/healthz")
    assert response.status_code == 503
    assert response.headers["Content-Type"] == JSON
    assert response.json() == {"status": "error", "database": "unavailable"}
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/api/items", "/api/items/1", "/api/items?q=x&limit=5"])
def test_api_answers_503_unavailable_when_the_database_is_unreachable(unavailable_api, path):
    assert_error(unavailable_api.get(path), 503, "unavailable")


def test_home_page_without_a_database_is_an_html_error_page_without_details(unavailable_api):
    response = unavailable_api.get("/")
    assert response.status_code in (500, 503)
    assert response.headers["Content-Type"] == HTML
    assert "Traceback" not in response.text
    assert "sqlite" not in response.text.lower()
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/nope", "/static/items/nope.css", "/admin-nope", "//nope"])
def test_unknown_paths_outside_the_api_are_html_404_pages(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == HTML
    assert "404" in response.text
    assert_security_headers(response)


@pytest.mark.parametrize(
    "path",
    [
        "/api/",
        "/api/nope",
        "/api/items/",
        "/api/data/",
        "/api/items/abc/",
        "/api/items/1/x",
        # Doubled slashes: neither twin merges them into a path it serves (Werkzeug would), and
        # leading ones keep the path the API's, /healthz's too.
        "//api/items",
        "///api/items",
        "/api//items",
        "/api/items//1",
        "//healthz",
    ],
)
def test_unknown_paths_under_the_api_are_json_404s_without_redirects(api, path):
    response = api.get(path)
    assert_error(response, 404, "not_found")
    location = response.headers.get("Location")
    assert location is None, expected("Location", None, location)

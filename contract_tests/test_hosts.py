"""The Host header: only ALLOWED_HOSTS are served, others get 400 (JSON under /api/, else HTML)."""

import re
from urllib.parse import urlsplit

import pytest

from contract_tests.helpers import HTML, assert_error, assert_security_headers, expected

# Not allowed, or (the last) allowed with a port no URL can carry.
BAD_HOSTS = [
    "evil.example",
    "evil.example:80",
    "localhost.evil.example",
    "127.0.0.2",
    "[::2]",
    "127.0.0.1:99999",
]


@pytest.mark.parametrize("host", BAD_HOSTS)
@pytest.mark.parametrize("path", ["/api/data", "/api/items", "/healthz"])
def test_a_host_not_allowed_is_a_json_400_on_json_paths(api, path, host):
    response = api.get(path, headers={"Host": host})
    assert_error(response, 400, "bad_request")


# With HTTPS=1 Django's SecurityMiddleware reads the Host for its redirect, before CommonMiddleware.
@pytest.mark.parametrize("scheme", ["http", "https"])
@pytest.mark.parametrize("host", BAD_HOSTS)
def test_behind_the_proxy_a_bad_host_is_a_400_with_the_security_headers(proxied_api, host, scheme):
    response = proxied_api.get("/api/data", headers={"Host": host, "X-Forwarded-Proto": scheme})
    assert_error(response, 400, "bad_request")
    assert_security_headers(response)


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_a_host_not_allowed_is_an_html_400_on_pages(api, host):
    response = api.get("/", headers={"Host": host})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == HTML
    assert_security_headers(response)


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_a_host_not_allowed_gets_no_static_file(api, host):
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', api.get("/").text)[1]
    assert api.get(stylesheet).status_code == 200
    response = api.get(stylesheet, headers={"Host": host})
    assert response.status_code == 400
    assert response.headers["Content-Type"] == HTML


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "[::1]"])
def test_the_default_allowed_hosts_are_served_with_or_without_a_port(api, host):
    if not api.launched:
        pytest.skip("the ALLOWED_HOSTS of a server the suite did not start are unknown")
    port = urlsplit(api.base_url).port
    for header in (host, f"{host}:{port}"):
        assert api.get("/api/data", headers={"Host": header}).status_code == 200


# ALLOWED_HOSTS=.example.com, as Django reads it: the domain and its subdomains, nothing else that
# merely ends with its letters.
@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("example.com", 200),
        ("a.example.com", 200),
        ("a.b.example.com:8080", 200),
        ("evilexample.com", 400),
        ("example.com.evil.example", 400),
    ],
)
def test_a_dotted_allowed_host_admits_the_domain_and_its_subdomains_only(
    subdomains_api, host, status
):
    response = subdomains_api.get("/api/data", headers={"Host": host})
    assert response.status_code == status, expected(
        f"status for Host {host}", status, response.status_code
    )


# A Host as Django's split_domain_port() reads it: lower case, one trailing dot dropped (the fully
# qualified name); its port as a URL carries it (Werkzeug's reading): 1 to 65535, no leading 0.
@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("localhost.", 200),
        ("LOCALHOST.:8000", 200),
        ("127.0.0.1:1", 200),
        ("127.0.0.1:65535", 200),
        ("localhost..", 400),
        ("localhost:", 400),
        ("localhost:http", 400),
        ("127.0.0.1:0", 400),
        ("127.0.0.1:08000", 400),
        ("127.0.0.1:65536", 400),
        ("127.0.0.1:99999", 400),
    ],
)
def test_an_allowed_host_is_read_as_django_reads_it_with_a_port_a_url_can_carry(api, host, status):
    if not api.launched:
        pytest.skip("the ALLOWED_HOSTS of a server the suite did not start are unknown")
    response = api.get("/api/data", headers={"Host": host})
    assert response.status_code == status, expected(
        f"status for Host {host}", status, response.status_code
    )

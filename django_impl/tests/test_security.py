"""items/security.py: the client's address is the one the first trusted proxy appended."""

import pytest
from django.test import RequestFactory

from items.security import forwarded_for


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

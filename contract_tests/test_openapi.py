"""/api/openapi.json: both twins serve openapi.yaml as it is (test_schemathesis.py validates it)."""

import json
import re

import pytest

from contract_tests.helpers import OPENAPI, assert_security_headers
from twin_servers.client import JSON


def test_each_twin_serves_the_file_as_json(api):
    response = api.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == JSON
    assert_security_headers(response)
    assert response.json() == OPENAPI


@pytest.mark.parametrize(
    "leak",
    [
        pytest.param(r"\d+\.\d+\.\d+", id="no version number"),
        pytest.param(
            r"(?i)\b(?:flask|django|werkzeug|gunicorn|python|sqlalchemy|postgresql|sqlite)\W*v?\d",
            id="no software version",
        ),
        pytest.param(r"(?<![\w.])/(?:home|work|app|usr|tmp|srv|opt|var)/", id="no file path"),
        pytest.param(r"\b(?:localhost|127\.0\.0\.1|https?://)", id="no server address"),
    ],
)
def test_the_document_reveals_no_version_path_or_server(leak):
    """Only OpenAPI's own version (3.1.0); no servers: clients use the address they asked."""
    text = json.dumps(OPENAPI).replace('"3.1.0"', "")
    assert not re.findall(leak, text)
    assert "servers" not in OPENAPI

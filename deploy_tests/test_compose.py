"""docker-compose.yml: valid for the compose specification and for Debian's docker-compose, and
wired as README says (the database healthy first, the twins on loopback only, their admin users,
the contract suite behind the `test` profile)."""

import os
import shutil
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from ruamel.yaml import YAML

from deploy_tests.files import (
    COMPOSE_FILE,
    REPO,
    SCALE_COMPOSE_FILE,
    TWINS,
    VARIABLE,
    dockerfile_of,
    load_compose,
    service_environment,
)

SERVICES = load_compose()["services"]
ADMIN_SERVICES = {twin: f"{twin}-admin-user" for twin in TWINS}


def twin_port(twin: str) -> str:
    """The port the twin's image binds Gunicorn to (its GUNICORN_BIND)."""
    return dockerfile_of(SERVICES[twin]).env["GUNICORN_BIND"].rpartition(":")[2]


COMPOSE_FILES = pytest.mark.parametrize(
    "compose_file", [COMPOSE_FILE, SCALE_COMPOSE_FILE], ids=lambda path: path.name
)


@COMPOSE_FILES
def test_the_file_validates_against_the_compose_specification(compose_file):
    schema = ["--builtin-schema", "vendor.compose-spec"]
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "check_jsonschema", *schema, str(compose_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@COMPOSE_FILES
def test_debian_docker_compose_reads_it_as_these_tests_do(compose_file):
    """`docker-compose config` (what `config -q` checks, printed) gives the same environments."""
    docker_compose = shutil.which("docker-compose")
    assert docker_compose, "needs Debian's docker-compose: apt-get install docker-compose"
    services = load_compose(compose_file)["services"]
    text = compose_file.read_text(encoding="utf-8")
    variables = {match["name"] for match in VARIABLE.finditer(text)}
    env = {key: value for key, value in os.environ.items() if key not in variables}
    result = subprocess.run(  # noqa: S603
        [docker_compose, "--file", str(compose_file), "config"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    resolved = YAML(typ="safe").load(result.stdout)["services"]
    assert resolved.keys() == services.keys()
    for name, service in services.items():
        if "environment" in service:
            assert resolved[name]["environment"] == service_environment(service, environ={})


@COMPOSE_FILES
def test_every_variable_has_a_default_so_up_needs_nothing_exported(compose_file):
    text = compose_file.read_text(encoding="utf-8")
    assert "$" not in VARIABLE.sub("", text)


def test_postgres_is_healthy_once_it_answers_over_tcp():
    """Not over its socket: the image's init scripts run while it listens on the socket only."""
    test = SERVICES["db"]["healthcheck"]["test"]
    assert test[:2] == ["CMD", "pg_isready"]
    assert test[test.index("-h") + 1] == "127.0.0.1"


def test_one_database_per_twin_created_by_the_init_script():
    init_mount = next(v for v in SERVICES["db"]["volumes"] if "docker-entrypoint-initdb.d" in v)
    init_sql = (REPO / init_mount.split(":")[0]).read_text(encoding="utf-8")
    databases = {
        urlsplit(service_environment(SERVICES[twin], environ={})["DATABASE_URL"]).path[1:]
        for twin in TWINS
    }
    assert len(databases) == len(TWINS)
    for database in databases:
        assert f"CREATE DATABASE {database};" in init_sql


@pytest.mark.parametrize("twin", TWINS)
def test_a_twin_starts_on_a_healthy_database_and_is_published_on_loopback_only(twin):
    service = SERVICES[twin]
    assert service["depends_on"]["db"]["condition"] == "service_healthy"
    assert "command" not in service  # the image's CMD: serve.sh
    for port in service["ports"]:
        assert port.startswith("127.0.0.1:")
        assert port.rpartition(":")[2] == twin_port(twin)


@pytest.mark.parametrize("twin", TWINS)
def test_the_admin_user_is_created_once_the_twin_is_healthy_in_the_same_setting(twin):
    twin_service, admin_service = SERVICES[twin], SERVICES[ADMIN_SERVICES[twin]]
    assert admin_service["depends_on"][twin]["condition"] == "service_healthy"
    assert admin_service["build"] == twin_service["build"]
    assert admin_service["image"] == twin_service["image"]
    twin_environment = service_environment(twin_service, environ={})
    admin_environment = service_environment(admin_service, environ={})
    assert admin_environment.items() >= twin_environment.items()


def test_the_contract_suite_runs_behind_the_test_profile_against_the_service_names():
    service = SERVICES["contract-tests"]
    assert service["profiles"] == ["test"]
    environment = service_environment(service, environ={})
    targets = dict(entry.split("=", 1) for entry in environment["CONTRACT_TARGETS"].split(","))
    assert sorted(targets) == sorted(TWINS)
    for twin, url in targets.items():
        assert urlsplit(url).hostname == twin
        assert str(urlsplit(url).port) == twin_port(twin)
        twin_environment = service_environment(SERVICES[twin], environ={})
        assert twin in twin_environment["ALLOWED_HOSTS"].split(",")
        assert environment["API_TOKEN"] == twin_environment["API_TOKEN"]
        admin_service = ADMIN_SERVICES[twin]
        assert service["depends_on"][admin_service]["condition"] == "service_completed_successfully"
        admin_environment = service_environment(SERVICES[admin_service], environ={})
        for name in ("ADMIN_USERNAME", "ADMIN_PASSWORD"):
            assert environment[name] == admin_environment[name]


SCALED = load_compose(SCALE_COMPOSE_FILE)["services"]


@pytest.mark.parametrize("twin", TWINS)
def test_scaled_replicas_start_migrated_restart_on_failure_and_publish_no_port(twin):
    replica, migrate = SCALED[twin], SCALED[f"{twin}-migrate"]
    assert replica["deploy"]["replicas"] > 1
    assert replica["restart"] == "on-failure"
    assert "ports" not in replica
    environment = service_environment(replica, environ={})
    assert (environment["MIGRATE"], environment["TRUSTED_PROXIES"]) == ("0", "1")
    assert replica["depends_on"][f"{twin}-migrate"]["condition"] == "service_completed_successfully"
    assert migrate["image"] == replica["image"]
    assert service_environment(migrate, environ={}).items() <= environment.items()


def test_scaled_nginx_runs_the_repositorys_config_in_front_of_healthy_replicas():
    nginx = SCALED["nginx"]
    config = next(
        volume for volume in nginx["volumes"] if volume.startswith("./deploy/nginx.conf:")
    )
    assert nginx["command"][nginx["command"].index("-c") + 1] == config.split(":")[1]
    for twin in TWINS:
        assert nginx["depends_on"][twin]["condition"] == "service_healthy"
        assert any(port.endswith(f":{twin_port(twin)}") for port in nginx["ports"])
    assert all(port.startswith("127.0.0.1:") for port in nginx["ports"])
    targets = service_environment(SCALED["contract-tests"], environ={})["CONTRACT_TARGETS"]
    assert {urlsplit(url).hostname for url in targets.replace("=", ",").split(",")[1::2]} == {
        "nginx"
    }

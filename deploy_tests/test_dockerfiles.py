"""The Dockerfiles that docker-compose.yml builds, linted for the essentials, and .dockerignore."""

import ast
import re
import sys
from importlib import metadata
from pathlib import PurePosixPath

import pytest

from contract_tests.conftest import FUZZ_MODULES
from deploy_tests.files import REPO, TWINS, Dockerfile, dockerfile_of, load_compose

SERVICES = load_compose()["services"]
DOCKERFILES = {
    dockerfile.path.relative_to(REPO).as_posix(): dockerfile
    for dockerfile in (
        dockerfile_of(service) for service in SERVICES.values() if "build" in service
    )
}
TWIN_DOCKERFILES = [f"{twin}_impl/Dockerfile" for twin in TWINS]
# What local runs leave in the repository, which must never reach an image.
LOCAL_FILES = [
    ".venv/bin/python",
    ".git/HEAD",
    ".env",
    "flask_impl/instance/items.sqlite3",
    "django_impl/db.sqlite3",
    "django_impl/staticfiles/staticfiles.json",
    ".runs/flask-1/server.log",
    "flask_impl/items/__pycache__/views.cpython-311.pyc",
]


def requirements(path) -> set[str]:
    """The distribution names a requirements file pins itself (not those of files it includes)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return {re.split(r"[\[=<>~ ]", line)[0].lower() for line in lines if line[:1].isalnum()}


def installed_requirements(dockerfile: Dockerfile) -> PurePosixPath:
    """The requirements file that the image's `pip install -r` installs (its path in the image)."""
    (install,) = [run for run in dockerfile.all("RUN") if run.startswith("pip install")]
    assert re.fullmatch(r"pip install -r \S+", install), install
    return PurePosixPath(install.split()[-1])


def test_compose_builds_every_dockerfile_from_the_repository_root():
    assert set(DOCKERFILES) == {*TWIN_DOCKERFILES, "contract_tests/Dockerfile"}
    for service in SERVICES.values():
        if "build" in service:
            assert service["build"]["context"] == "."


@pytest.mark.parametrize("name", DOCKERFILES)
def test_the_base_is_python_3_11_slim(name):
    assert DOCKERFILES[name].all("FROM") == [DOCKERFILES[name].last("FROM")]
    assert DOCKERFILES[name].last("FROM").startswith("python:3.11-slim")


@pytest.mark.parametrize("name", DOCKERFILES)
def test_the_container_runs_as_a_user_that_is_not_root(name):
    user = DOCKERFILES[name].last("USER")
    assert user, "no USER: the container would run as root"
    assert user.split(":")[0] not in ("root", "0")


@pytest.mark.parametrize("name", DOCKERFILES)
def test_requirements_are_installed_before_the_code_is_copied(name):
    """So that a change to the code reuses the layer of installed packages."""
    dockerfile = DOCKERFILES[name]
    requirements_file = installed_requirements(dockerfile)
    code = requirements_file.parent
    source = dockerfile.local_path(requirements_file).relative_to(REPO)
    copy_requirements = dockerfile.index("COPY", f"{source} {requirements_file}")
    install = dockerfile.index("RUN", "pip install")
    copy_code = dockerfile.index("COPY", f"{code.relative_to('/app')} {code}")
    assert copy_requirements < install < copy_code


@pytest.mark.parametrize("name", TWIN_DOCKERFILES)
def test_a_twin_image_installs_no_development_tool(name):
    dockerfile = DOCKERFILES[name]
    installed = requirements(dockerfile.local_path(installed_requirements(dockerfile)))
    assert installed, "reads no pinned requirement"
    assert not installed & requirements(REPO / "requirements-dev.txt")


@pytest.mark.parametrize("name", TWIN_DOCKERFILES)
def test_a_twin_image_holds_no_test_suite(name):
    """What the twins share is at the repository's root (openapi.yaml among it), not in a suite."""
    sources = {PurePosixPath(source).parts[0] for source, _ in DOCKERFILES[name].copies}
    suites = {path.name for path in REPO.glob("*_tests")} | {"twin_servers"}
    assert not sources & suites


@pytest.mark.parametrize("name", TWIN_DOCKERFILES)
def test_a_twin_image_checks_its_health_on_healthz_with_python(name):
    """The slim image has no curl; the check itself runs in test_containers.py."""
    *shell, command = DOCKERFILES[name].healthcheck
    assert shell == ["/bin/sh", "-c"]
    assert command.startswith("python -c ")
    assert "/healthz" in command


def test_the_suite_image_installs_what_the_suite_imports_at_the_venv_s_versions():
    """contract_tests/requirements.txt: every third-party import of the suite and of the kit that
    runs the twins (twin_servers/), pinned as in .venv; the fuzz modules, which the image does not
    run, import from requirements-fuzz.txt too."""
    imported = set()
    for module in [*(REPO / "contract_tests").glob("*.py"), *(REPO / "twin_servers").glob("*.py")]:
        if module.name in FUZZ_MODULES:
            continue
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"contract_tests", "twin_servers"}
    distributions = metadata.packages_distributions()
    needed = {distributions[module][0].lower() for module in third_party}
    path = REPO / "contract_tests" / "requirements.txt"
    assert requirements(path) == needed
    for line in path.read_text(encoding="utf-8").splitlines():
        if line[:1].isalnum():
            name, _, version = line.partition("==")
            assert metadata.version(name.split("[")[0]) == version, line


def dockerignore_excludes(path: str) -> bool:
    """Whether .dockerignore leaves this path out of the build context (Docker's rules: the last
    matching pattern wins, `!` includes again, a pattern matching a folder matches its files)."""
    excluded = False
    for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        include = line.startswith("!")
        pattern = re.escape(line.removeprefix("!").strip("/"))
        pattern = pattern.replace(r"\*\*", ".*").replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        parts = PurePosixPath(path).parts
        candidates = ["/".join(parts[: end + 1]) for end in range(len(parts))]
        if any(re.fullmatch(pattern, candidate) for candidate in candidates):
            excluded = not include
    return excluded


def test_the_build_context_holds_what_the_dockerfiles_copy_and_no_local_file():
    copied = {source for dockerfile in DOCKERFILES.values() for source, _ in dockerfile.copies}
    commands = [f"{twin}_impl/serve.sh" for twin in TWINS]
    for path in [*copied, *commands]:
        assert (REPO / path).exists(), path
        assert not dockerignore_excludes(path), path
    for path in LOCAL_FILES:
        assert dockerignore_excludes(path), path

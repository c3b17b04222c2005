"""The Makefile's workshop targets, run for real in copies of the repository.

`make setup` refuses an old Python in one line and never leaves a `.venv` that breaks the next
try; `make migrations` writes nothing without a model change and one migration per twin with
one; `make run` stops both twins on Ctrl-C, quietly, with nothing left listening; `make test-both`
with a twin that does not start stops before any test, with the end of that twin's log.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tools.both import port_in_use
from tools.test_both import wait_for
from twin_servers.server import free_port
from workshop.check import REPO, copy_repository

SETUP_FILES = [
    "Makefile",
    "requirements-dev.txt",
    "flask_impl/requirements.txt",
    "django_impl/requirements.txt",
    "contract_tests/requirements.txt",
]
MAKE = [shutil.which("make") or "make", "--no-print-directory"]
# The oldest Python this machine has, if it is older than the twins need (pyenv keeps a few).
OLD_PYTHONS = sorted(
    Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")).glob("versions/3.10*/bin/python3")
)


def make(folder, *arguments, **options):
    """Run make in the folder; its output in .stdout and .stderr, never raising on failure."""
    return subprocess.run(  # noqa: S603 - make, with this module's own arguments
        [*MAKE, *arguments],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        **options,
    )


@pytest.fixture
def setup_copy(tmp_path):
    """The Makefile and the requirements files setup reads, with no .venv yet."""
    for name in SETUP_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def repository(tmp_path):
    """The repository as it is now, committed or not, its .venv linked (workshop/check.py)."""
    copy_repository(tmp_path)
    return tmp_path


@pytest.mark.skipif(not OLD_PYTHONS, reason="needs a Python older than 3.11 (pyenv's 3.10)")
def test_setup_refuses_an_old_python_in_one_line_and_makes_no_venv(setup_copy):
    old = OLD_PYTHONS[0]
    result = make(setup_copy, "setup", f"PYTHON={old}")
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == (
        f"make setup: the twins need Python 3.11 to 3.14, and {old} is 3.10; "
        "choose one with PYTHON=python3.13 make setup"
    )
    assert not (setup_copy / ".venv").exists()


def test_a_failed_setup_leaves_no_venv_and_the_next_one_starts_afresh(setup_copy):
    requirements = setup_copy / "requirements-dev.txt"
    requirements.write_text("./no-such-folder\n")  # pip fails at once, with no download
    failed = make(setup_copy, "setup")
    assert failed.returncode != 0
    assert "make setup failed; .venv removed" in failed.stderr, failed.stderr[-500:]
    assert not (setup_copy / ".venv").exists()

    # What an interrupted setup leaves: a .venv without its stamp.
    (setup_copy / ".venv" / "bin").mkdir(parents=True)
    (setup_copy / ".venv" / "bin" / "python").write_text("half-made")
    requirements.write_text("pip\n")  # installed with every venv: no download
    fixed = make(setup_copy, "setup")
    assert fixed.returncode == 0, fixed.stderr[-500:]
    assert (setup_copy / ".venv" / ".installed").exists()
    assert (setup_copy / ".venv" / "bin" / "python").resolve().name.startswith("python3")


def test_migrations_writes_nothing_without_a_model_change_and_one_per_twin_with_one(repository):
    def migration_files():
        return {
            path.relative_to(repository).as_posix()
            for folder in ("flask_impl/migrations/versions", "django_impl/items/migrations")
            for path in (repository / folder).glob("0*.py")
        }

    before = migration_files()
    unchanged = make(repository, "migrations")
    assert unchanged.returncode == 0, unchanged.stderr[-500:]
    assert migration_files() == before

    # Exercise 1's model changes alone, without its migrations.
    subprocess.run(  # noqa: S603 - git, with the repository's own patch
        ["git", "apply", "--include=*/models.py", REPO / "workshop/solutions/1-price.patch"],  # noqa: S607
        cwd=repository,
        check=True,
    )
    changed = make(repository, "migrations", "NAME=item_price")
    assert changed.returncode == 0, changed.stderr[-500:]
    # Each twin's next number after its last migration, as both generators number them.
    following = {
        folder: max(int(Path(name).name[:4]) for name in before if name.startswith(folder)) + 1
        for folder in ("flask_impl/migrations/versions", "django_impl/items/migrations")
    }
    expected = {f"{folder}/{number:04d}_item_price.py" for folder, number in following.items()}
    assert migration_files() - before == expected


def test_run_stops_both_twins_on_ctrl_c_quietly_with_nothing_left_listening(repository):
    ports = free_port(), free_port()
    runner = subprocess.Popen(  # noqa: S603 - make run, on free ports
        [*MAKE, "run", f"FLASK_PORT={ports[0]}", f"DJANGO_PORT={ports[1]}"],
        cwd=repository,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # As a terminal runs it: a process group of its own that Ctrl-C signals as a whole.
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )

    def both_twins_listen():
        return all(port_in_use(port) for port in ports)

    try:
        wait_for(both_twins_listen, seconds=90)
    finally:
        os.killpg(runner.pid, signal.SIGINT)
        output = runner.communicate(timeout=60)[0]
    assert not any(port_in_use(port) for port in ports)
    noise = [line for line in output.splitlines() if "Traceback" in line or "make: ***" in line]
    assert not noise, "\n".join(noise)


BAD_INPUT = [
    pytest.param(
        {"CONTRACT_TARGETS": "flask=http://127.0.0.1:{port}", "API_TOKEN": "x"},
        [],
        "CONTRACT_TARGETS: flask at http://127.0.0.1:{port} does not answer",
        id="a target that does not answer",
    ),
    pytest.param({}, ["--twin", "flsk"], "invalid choice: 'flsk'", id="an unknown twin"),
]


@pytest.mark.parametrize(("env", "arguments", "said"), BAD_INPUT)
def test_the_contract_suite_names_bad_input_in_one_line_and_tests_nothing(env, arguments, said):
    port = free_port()
    result = subprocess.run(  # noqa: S603 - this venv's pytest, on this repository's suite
        [sys.executable, "-m", "pytest", "-p", "no:django", "contract_tests", *arguments],
        cwd=REPO,
        env=os.environ | {key: value.format(port=port) for key, value in env.items()},
        capture_output=True,
        text=True,
        check=False,
    )
    output = (result.stdout + result.stderr).splitlines()
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, "\n".join(output[-5:])
    naming = [line for line in output if said.format(port=port) in line]
    assert len(naming) == 1, "\n".join(output[-5:])
    assert "Traceback" not in result.stdout + result.stderr


# A twin as an exercise half done can leave it: Django's settings broken (its image build step,
# collectstatic, fails first), or Flask's views (serve.sh's migrations fail first).
BROKEN = [
    pytest.param("django", "django_impl/config/settings.py", "build step", id="django's settings"),
    pytest.param("flask", "flask_impl/items/views.py", "server.log", id="flask's views"),
]


@pytest.mark.parametrize(("twin", "broken", "log"), BROKEN)
def test_a_twin_that_does_not_start_stops_test_both_at_once_with_its_log(
    repository, twin, broken, log
):
    with (repository / broken).open("a") as source:
        source.write("\nhalf_written(\n")
    result = make(repository, "test-both")
    output = (result.stdout + result.stderr).splitlines()
    tail = "\n".join(output[-8:])
    assert any(f"the {twin} twin did not start" in line for line in output), tail
    assert any(log in line for line in output), tail
    assert any("half_written(" in line for line in output), tail
    assert not any(re.search(r"\d+ (passed|failed)(,| in )", line) for line in output), tail
    assert len(output) <= 50, f"{len(output)} lines:\n{tail}"

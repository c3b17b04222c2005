"""make doctor's script, run for real: a failing line names its fix, the last line the verdict."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from twin_servers.server import free_port

ROOT = Path(__file__).resolve().parents[1]
# The venv running these tests, made by make setup (.venv, or CI's VENV=.venv-3.13).
VENV = Path(sys.executable).parents[1]


def doctor(tmp_path, **environment):
    """tools.doctor's lines and status, on free ports and a database path that does not exist."""
    settings = {
        "VENV": str(VENV),
        "FLASK_PORT": str(free_port()),
        "DJANGO_PORT": str(free_port()),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'items.sqlite3'}",
        **environment,
    }
    finished = subprocess.run(
        [sys.executable, "-m", "tools.doctor"],
        cwd=ROOT,
        env={**os.environ, **settings},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return finished.stdout.splitlines(), finished.returncode


def test_a_laptop_with_everything_in_place_is_ready(tmp_path):
    lines, status = doctor(tmp_path)
    assert status == 0, lines
    assert lines[-1].startswith("Ready for the workshop"), lines
    assert "not created yet: make run creates it" in lines[-2], lines


@pytest.mark.parametrize("variable", ["FLASK_PORT", "DJANGO_PORT"])
def test_a_port_in_use_names_the_variable_that_moves_it(tmp_path, variable):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        lines, status = doctor(tmp_path, **{variable: str(port), "VENV": str(tmp_path)})
    expected = f"FIX  port {port} is in use: free it, or choose another, e.g. {variable}={port + 1}"
    assert status == 1
    assert f"{expected} make run" in lines, lines


def test_a_venv_without_its_stamp_names_make_setup_and_skips_the_databases(tmp_path):
    lines, status = doctor(tmp_path, VENV=str(tmp_path))
    assert status == 1
    assert f"FIX  {tmp_path} is missing or unfinished: make setup" in lines, lines
    assert "databases: not checked until the venv is complete" in lines[-2], lines
    assert lines[-1].startswith("1 check(s) to fix"), lines


def test_a_database_behind_the_code_names_make_migrate(tmp_path):
    (tmp_path / "items.sqlite3").touch()
    lines, status = doctor(tmp_path)
    assert status == 1
    behind = [line for line in lines if "behind this code: `make migrate`" in line]
    assert [line.split(":")[0] for line in behind] == [
        "FIX  Flask database",
        "FIX  Django database",
    ]

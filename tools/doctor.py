"""make doctor: whether this laptop is ready for the workshop, one line per check.

    python -m tools.doctor

It runs with the interpreter `make setup` would use, before any venv exists: the standard library
only, and nothing a Python older than 3.11 cannot parse, so that an old Python hears so in a line.
The environment names what to check, as the Makefile passes it: MAKE, VENV, FLASK_PORT and
DJANGO_PORT. Each failing line names its fix; the last line says ready, or how many to fix.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tools.ports import in_use, port_in_use

REPO = Path(__file__).resolve().parents[1]
SUPPORTED = ((3, 11), (3, 14))
REQUIREMENTS = "requirements-dev.txt"
# Each twin's database against its migrations, through the twin's own helper (the words its
# development server prints), run by the venv's Python in the twin's folder. A SQLite file that
# does not exist yet is left uncreated: connecting would make an empty one.
MIGRATION_STATE = {
    "flask": """
import os
from sqlalchemy.engine import make_url
from items import create_app
from items.migration_state import check_migrations
app = create_app()
url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
missing = url.get_backend_name() == "sqlite" and not os.path.exists(url.database)
print("missing" if missing else check_migrations(app) or "current")
""",
    "django": """
import os
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import connection
from items.migration_state import ahead, behind
missing = connection.vendor == "sqlite" and not os.path.exists(connection.settings_dict["NAME"])
print("missing" if missing else ahead(connection) or behind(connection) or "current")
""",
}


def python_check():
    """The interpreter is one the twins support."""
    version = "{}.{}.{}".format(*sys.version_info[:3])
    if SUPPORTED[0] <= sys.version_info[:2] <= SUPPORTED[1]:
        return True, f"Python {version} ({sys.executable})"
    return False, (
        f"Python {version} ({sys.executable}) is not 3.11 to 3.14: install one (python.org, "
        "brew install python@3.13, apt install python3.13), then PYTHON=python3.13 make setup"
    )


def make_check():
    """make is there; its version line (Apple's make 3.81 will do)."""
    make = os.environ.get("MAKE", "make")
    try:
        found = subprocess.run(  # noqa: S603 - the make that started this
            [make, "--version"], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return False, "make: not found; xcode-select --install (macOS), apt install make (Linux)"
    return True, found.stdout.splitlines()[0]


def port_check(name, default):
    """A twin's port is free for make run."""
    variable = f"{name.upper()}_PORT"
    port = int(os.environ.get(variable, default))
    if port_in_use(port):
        return False, f"{in_use(name, port)} make run"
    return True, f"port {port} ({variable}) is free"


def included(requirements):
    """A requirements file and those it includes (`-r file`), each relative to its includer."""
    found = [requirements]
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if line.startswith("-r "):
            found += included(requirements.parent / line[3:].strip())
    return found


def venv_check(venv):
    """make setup finished, after the last change to the requirements."""
    stamp = REPO / venv / ".installed"
    if not stamp.exists():
        return False, f"{venv} is missing or unfinished: make setup"
    newer = [
        path.relative_to(REPO).as_posix()
        for path in included(REPO / REQUIREMENTS)
        if path.stat().st_mtime > stamp.stat().st_mtime
    ]
    if newer:
        return False, f"{venv} is older than {', '.join(newer)}: make setup"
    return True, f"{venv} is complete"


def database_check(venv, twin):
    """The twin's development database (or DATABASE_URL's) is at the code's last migration."""
    label = f"{twin.capitalize()} database"
    # The development settings, as make run's: without DEBUG=1 the twins want a SECRET_KEY.
    environment = {**os.environ, "DEBUG": "1"}
    state = subprocess.run(  # noqa: S603 - the venv's python and this module's code
        [str(REPO / venv / "bin" / "python"), "-c", MIGRATION_STATE[twin]],
        cwd=REPO / f"{twin}_impl",
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = state.stdout.splitlines()
    if state.returncode or not lines:
        error = (state.stderr.strip().splitlines() or ["no answer"])[-1]
        return False, f"{label}: could not be checked ({error}); make setup, then make doctor"
    if lines[-1] == "missing":
        return True, f"{label}: not created yet: make run creates it"
    if lines[-1] == "current":
        return True, f"{label}: at the code's last migration"
    return False, f"{label}: {lines[-1]}"


def main():
    """Print a line per check and the verdict; 1 when anything needs fixing."""
    venv = os.environ.get("VENV", ".venv")
    results = [python_check(), make_check(), port_check("flask", 5000)]
    results += [port_check("django", 8000), venv_check(venv)]
    for passed, text in results:
        print(f"{'ok ' if passed else 'FIX'}  {text}")
    if results[-1][0]:
        with ThreadPoolExecutor() as pool:
            checks = [pool.submit(database_check, venv, twin) for twin in MIGRATION_STATE]
            for check in checks:
                results.append(check.result())
                passed, text = results[-1]
                print(f"{'ok ' if passed else 'FIX'}  {text}")
    else:
        print("--   databases: not checked until the venv is complete")
    failures = sum(not passed for passed, _ in results)
    if failures:
        print(f"{failures} check(s) to fix before the workshop: the FIX lines above say how.")
        return 1
    print("Ready for the workshop: this laptop passes every check.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

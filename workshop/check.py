"""make test-workshop: every exercise is solvable as written, by its solution in solutions/.

For each solution `N-name.patch`: copy the repository as it is now (without what git ignores) into
a temporary folder, check that exercise N's tests fail there, apply the patch, then run what
`make test` runs, with EXERCISE=N: lint, both twins' unit tests, the concept map's tests, and the
contract suite with the exercise's tests. `python -m workshop.check 2` checks exercise 2 only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "workshop" / "solutions"
BIN = REPO / ".venv" / "bin"
PYTEST = [str(BIN / "pytest"), "-q", "-p", "no:cacheprovider"]
# (what, command, folder): what `make test` runs, in the patched copy.
GREEN_STEPS = [
    ("ruff check", [str(BIN / "ruff"), "check", "--no-cache", "."], "."),
    ("ruff format", [str(BIN / "ruff"), "format", "--no-cache", "--check", "."], "."),
    ("Flask unit tests", PYTEST, "flask_impl"),
    ("Django unit tests", PYTEST, "django_impl"),
    ("concept map", [*PYTEST, "tools"], "."),
    ("contract suite and the exercise", [*PYTEST, "contract_tests", "workshop"], "."),
]
# Only the exercise's own tests (-m exercise), which must fail before its solution is applied.
RED_STEP = (
    "the exercise before its solution",
    [*PYTEST, "-m", "exercise", "contract_tests", "workshop"],
    ".",
)


class CheckFailed(Exception):
    """A step did not end as it should; the message ends with the tail of its output."""


def copy_repository(target: Path) -> None:
    """The repository's files, committed or not, without ignored ones; the venv is linked."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is listed too
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    (target / ".venv").symlink_to(REPO / ".venv")


def run(copy: Path, number: str, step, *, should_pass: bool = True) -> None:
    """Run one step in the copy with EXERCISE=number; CheckFailed unless it ends as it should."""
    what, command, folder = step
    started = time.monotonic()
    env = os.environ | {"EXERCISE": number}
    result = subprocess.run(  # noqa: S603 - the fixed commands of GREEN_STEPS and RED_STEP
        command, cwd=copy / folder, env=env, capture_output=True, text=True, check=False
    )
    passed = result.returncode == 0
    if passed != should_pass:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        expected = "pass" if should_pass else "fail"
        raise CheckFailed(f"{what}: expected to {expected}, exit code {result.returncode}\n{tail}")
    outcome = "passed" if passed else "failed, as it should"
    print(f"  {what}: {outcome} ({time.monotonic() - started:.1f} s)", flush=True)


def check(solution: Path) -> None:
    """Exercise N fails in a copy of the repository, and passes once its solution is applied."""
    number = solution.name.split("-", 1)[0]
    print(f"Exercise {number}: {solution.relative_to(REPO)}", flush=True)
    with tempfile.TemporaryDirectory(prefix=f"twins-workshop-{number}-") as folder:
        copy = Path(folder)
        copy_repository(copy)
        run(copy, number, RED_STEP, should_pass=False)
        applied = subprocess.run(  # noqa: S603 - git, from PATH, with a solution of ours
            ["git", "apply", "--verbose", str(solution)],  # noqa: S607
            cwd=copy,
            capture_output=True,
            text=True,
            check=False,
        )
        if applied.returncode != 0:
            raise CheckFailed(f"the solution does not apply:\n{applied.stderr}")
        print("  solution applied", flush=True)
        for step in GREEN_STEPS:
            run(copy, number, step)


def main(argv: list[str]) -> int:
    """Check the exercises named (by number), or all of them."""
    solutions = sorted(SOLUTIONS.glob("*.patch"))
    if argv:
        solutions = [path for path in solutions if path.name.split("-", 1)[0] in argv]
    if not solutions:
        print(f"No solution in {SOLUTIONS} for {argv}", file=sys.stderr)
        return 2
    try:
        for solution in solutions:
            check(solution)
    except CheckFailed as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    print(f"{len(solutions)} exercises solvable as written.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

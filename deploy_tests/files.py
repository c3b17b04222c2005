"""The deployment files as the tests read them: docker-compose.yml and the Dockerfiles it builds.

The tests take every command, path and setting from these files, so what they run cannot drift
from what Docker would run.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
# The same services as replicas behind nginx (docs/scaling.md).
SCALE_COMPOSE_FILE = REPO / "docker-compose.scale.yml"
TWINS = ("flask", "django")
# ${NAME:-default}: the one form of interpolation the compose file uses (a test holds it to that).
VARIABLE = re.compile(r"\$\{(?P<name>[A-Z][A-Z0-9_]*):-(?P<default>[^}]*)\}")


def load_compose(path: Path = COMPOSE_FILE) -> dict:
    """A compose file as data, YAML merge keys applied, variables not yet interpolated."""
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def interpolate(value: str, environ: dict[str, str]) -> str:
    """Replace each ${NAME:-default} by NAME's value in environ, or else the default, as compose."""
    return VARIABLE.sub(lambda match: environ.get(match["name"]) or match["default"], value)


def service_environment(service: dict, environ: dict[str, str]) -> dict[str, str]:
    """A compose service's environment (a mapping in this file), interpolated."""
    return {key: interpolate(str(value), environ) for key, value in service["environment"].items()}


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, COPY, RUN, ...
    arguments: str


@dataclass(frozen=True)
class Dockerfile:
    """A Dockerfile's instructions, and what a container of its image starts with."""

    path: Path
    instructions: tuple[Instruction, ...]

    @classmethod
    def read(cls, path: Path) -> Dockerfile:
        """Parse the file: comments dropped, lines continued with a backslash joined."""
        instructions, pending = [], ""
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith("#") or not line.strip():
                continue
            pending += line.strip()
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            keyword, _, arguments = pending.partition(" ")
            instructions.append(Instruction(keyword.upper(), arguments.strip()))
            pending = ""
        return cls(path, tuple(instructions))

    def all(self, keyword: str) -> list[str]:
        """The arguments of every instruction with this keyword, in order."""
        return [i.arguments for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> str | None:
        """The arguments of the last instruction with this keyword (the one in force), if any."""
        found = self.all(keyword)
        return found[-1] if found else None

    def index(self, keyword: str, arguments_start: str) -> int:
        """The position of the first instruction with this keyword whose arguments start so."""
        for position, instruction in enumerate(self.instructions):
            if instruction.keyword == keyword and instruction.arguments.startswith(arguments_start):
                return position
        raise LookupError(f"{self.path.name}: no {keyword} {arguments_start}...")

    @property
    def env(self) -> dict[str, str]:
        """The ENV of the image (KEY=value form)."""
        pairs = (
            word.partition("=") for arguments in self.all("ENV") for word in shlex.split(arguments)
        )
        return {key: value for key, _, value in pairs}

    @property
    def workdir(self) -> PurePosixPath:
        return PurePosixPath(self.last("WORKDIR"))

    @property
    def build_steps(self) -> list[str]:
        """The RUN commands after the last WORKDIR that run the twin's Python (Django's
        collectstatic). Those before it install packages, which the venv stands for here; the
        others set up the image's own users and folders, and mean nothing outside it."""
        start = max(i for i, each in enumerate(self.instructions) if each.keyword == "WORKDIR")
        runs = (each.arguments for each in self.instructions[start:] if each.keyword == "RUN")
        return [run for run in runs if "python " in run]

    @property
    def cmd(self) -> list[str]:
        """CMD, which must be in exec form (JSON): no shell between Docker and the server."""
        return json.loads(self.last("CMD"))

    @property
    def healthcheck(self) -> list[str]:
        """The HEALTHCHECK's command as an argv (the shell form runs under /bin/sh -c)."""
        command = self.last("HEALTHCHECK").partition(" CMD ")[2]
        return json.loads(command) if command.startswith("[") else ["/bin/sh", "-c", command]

    @property
    def copies(self) -> list[tuple[str, PurePosixPath]]:
        """(source in the build context, destination in the image) of each single-source COPY."""
        pairs = (arguments.split() for arguments in self.all("COPY"))
        return [(source, PurePosixPath(destination)) for source, destination in pairs]

    def local_path(self, path: PurePosixPath) -> Path:
        """The file in this repository that the image holds at `path`, by the COPY that put it."""
        for source, destination in self.copies:
            if path == destination or destination in path.parents:
                return REPO / source / path.relative_to(destination)
        raise LookupError(f"{self.path.name}: nothing is copied to {path}")


def dockerfile_of(service: dict) -> Dockerfile:
    """The Dockerfile a compose service builds its image from (its context: the repo root)."""
    build = service["build"]
    return Dockerfile.read(REPO / build["context"] / build["dockerfile"])

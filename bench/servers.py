"""`make bench-servers`: Gunicorn or Granian? Both twins under each server, measured in turn.

Issue 7 allows a faster production server if it serves both twins in the contract suite and in
docker too, and asks to decide from figures. This measures them: each twin under Gunicorn, started
as `make bench` starts it (its serve.sh, gunicorn.conf.py), and under Granian's WSGI interface with
the same workers, the same threads per worker and the access log on, each on a fresh SQLite
database seeded with the same 100 items. Same endpoints, wrk runs, pinning and BENCH_* settings as
`make bench` (bench/run.py, whose functions this reuses); the four targets take turns.

Output: a table on stdout and bench/results/servers.json. What was decided: docs/performance.md.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import secrets
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import micro  # bench/micro.py: what each twin's serve.sh does before its server, its callable
import run as bench  # bench/run.py, next to this file (also puts the repository on sys.path)

TWINS = ("flask", "django")
SERVERS = ("gunicorn", "granian")


def start_granian(twin, workdir, server, stoppers):
    """Start one twin under Granian: prepared as serve.sh prepares it, on a fresh database."""
    port, token = bench.free_port(), secrets.token_urlsafe(24)
    env = {
        **os.environ,
        "PATH": f"{bench.VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(32),
        "API_TOKEN": token,
        "DATABASE_URL": f"sqlite:///{workdir / f'granian-{twin}.sqlite3'}",
        "STATIC_ROOT": str(workdir / f"granian-{twin}-static"),
    }
    module, attribute = micro.TARGETS[twin]["callable"]
    serve = (
        f"granian --interface wsgi --host 127.0.0.1 --port {port} "
        f"--workers {server['workers']} --blocking-threads {server['threads']} "
        f"--access-log {module}:{attribute}"
    )
    prepare = [shlex.join(command) for command in micro.TARGETS[twin]["prepare"]]
    target = bench.start_bare(
        f"{twin} granian",
        ["sh", "-c", " && ".join([*prepare, f"exec {serve}"])],
        port=port,
        cwd=bench.ROOT / f"{twin}_impl",
        env=env,
        log_path=workdir / f"granian-{twin}.log",
        stoppers=stoppers,
    )
    target.endpoints, target.api_token = tuple(bench.ENDPOINTS), token
    target.item_id = bench.seed_items(target)
    return target


def ratio(row, a, b):
    """Requests/s of a over b, or None when one is missing."""
    return round(row[a]["rps"] / row[b]["rps"], 2) if a in row and b in row else None


def main():
    """Start both twins under both servers, measure them in turn, report."""
    if not shutil.which("wrk"):
        sys.stderr.write(bench.WRK_MISSING)
        return 2
    settings = bench.Settings.from_env()
    server_cpus, client_pin, pinning = bench.cpu_sets()
    server = bench.server_settings()
    started = time.monotonic()
    stoppers = []
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as workdir:
        try:
            print("make bench-servers: starting both twins under Gunicorn and Granian", flush=True)
            targets, _ = bench.start_targets(TWINS, Path(workdir), stoppers)
            for target in targets:
                target.name = f"{target.name} gunicorn"
            targets += [start_granian(twin, Path(workdir), server, stoppers) for twin in TWINS]
            if server_cpus:
                for target in targets:
                    bench.pin_process_group(target.pid, server_cpus)
            bench.measure(targets, settings, client_pin)
        except (RuntimeError, subprocess.SubprocessError) as error:
            sys.stderr.write(f"make bench-servers: {error}\n")
            return 1
        finally:
            for stop in stoppers:
                stop()
    endpoints = bench.summarise(targets)
    ratios = {
        endpoint: {
            "granian/gunicorn flask": ratio(row, "flask granian", "flask gunicorn"),
            "granian/gunicorn django": ratio(row, "django granian", "django gunicorn"),
            "flask/django gunicorn": ratio(row, "flask gunicorn", "django gunicorn"),
            "flask/django granian": ratio(row, "flask granian", "django granian"),
        }
        for endpoint, row in endpoints.items()
    }
    versions = {name: importlib.metadata.version(name) for name in SERVERS}
    report = {
        "endpoints": endpoints,
        "ratios": ratios,
        "servers": versions,
        "workers": server["workers"],
        "threads": server["threads"],
        "duration_s": settings.duration,
        "repeats": settings.repeats,
        "connections": settings.connections,
        "cpus": pinning,
    }
    bench.RESULTS.mkdir(exist_ok=True)
    (bench.RESULTS / "servers.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"\n{'endpoint':<26}{'target':<17}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for endpoint, row in endpoints.items():
        for number, (name, result) in enumerate(sorted(row.items())):
            label = endpoint if number == 0 else ""
            print(
                f"{label:<26}{name:<17}{result['rps']:>8.0f}{result['p50_ms']:>9.2f}"
                f"{result['p99_ms']:>9.2f}{result['errors']:>8}"
            )
    print("\nratios of requests/s")
    for endpoint, found in ratios.items():
        print(f"  {endpoint:<26}" + "   ".join(f"{k} {v}" for k, v in found.items()))
    print(
        f"\n{', '.join(f'{name} {version}' for name, version in versions.items())}; "
        f"{server['workers']} workers x {server['threads']} threads each; "
        f"{settings.duration} s per run, median of {settings.repeats}; {pinning}"
    )
    print(f"wrote bench/results/servers.json; done in {time.monotonic() - started:.0f} s")
    failed = any(result["errors"] for row in endpoints.values() for result in row.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

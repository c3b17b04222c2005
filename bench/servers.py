"""`make bench-servers`: both twins under Gunicorn and under Granian, measured in turn.

Each twin under Gunicorn as `make bench` starts it (serve.sh, gunicorn.conf.py), and under
Granian's WSGI interface with the same workers and threads per worker, the access log on; each on
a fresh SQLite database holding the same 100 items. Same endpoints, wrk runs and BENCH_* settings
as `make bench` (bench/run.py). Writes bench/results/servers.json.
"""

import os
import runpy
import secrets
import shlex
import sys

import micro  # bench/micro.py: what serve.sh does before its server, and the WSGI callable
import run as bench

TWINS = ("flask", "django")


def start_granian(twin, workdir, stoppers):
    """One twin under Granian: prepared as serve.sh prepares it, on a fresh database, seeded."""
    conf = runpy.run_path(str(bench.GUNICORN_CONF))
    token = secrets.token_urlsafe(24)
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
        f"exec granian --interface wsgi --host 127.0.0.1 --port {{port}} --workers "
        f"{conf['workers']} --blocking-threads {conf['threads']} --access-log {module}:{attribute}"
    )
    prepare = [shlex.join(command) for command in micro.TARGETS[twin]["prepare"]]
    target = bench.start_bare(
        f"{twin} granian",
        ["sh", "-c", " && ".join([*prepare, serve])],
        cwd=bench.ROOT / f"{twin}_impl",
        env=env,
        log_path=workdir / f"granian-{twin}.log",
        stoppers=stoppers,
    )
    target.endpoints, target.api_token = tuple(bench.ENDPOINTS), token
    target.item_id = bench.seed_items(target)
    return target


def start_targets(workdir, stoppers):
    """Both twins under Gunicorn, then under Granian."""
    targets = [bench.start_twin(twin, stoppers) for twin in TWINS]
    for target in targets:
        target.name = f"{target.name} gunicorn"
    return targets + [start_granian(twin, workdir, stoppers) for twin in TWINS]


def main():
    """make bench-servers: the table and bench/results/servers.json."""
    pairs = [(f"{twin} granian", f"{twin} gunicorn") for twin in TWINS]
    pairs += [(f"flask {server}", f"django {server}") for server in ("gunicorn", "granian")]
    report = bench.run("servers", start_targets, pairs)
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

"""`make bench`: load benchmark of both twins and a bare-WSGI baseline on the same server.

Every target runs under Gunicorn with the shared gunicorn.conf.py (same workers, DEBUG=0); each
twin gets a fresh SQLite database holding the same 100 items, made through its own API. `wrk` loads
each endpoint on loopback: a warm-up, then BENCH_REPEATS repeats that take turns between the
targets, so the ratios between them hold even when the machine's speed drifts. The servers and wrk
get CPUs of their own where there are two or more.

Settings (environment): BENCH_DURATION seconds per run (5), BENCH_WARMUP seconds (2),
BENCH_REPEATS (3), BENCH_CONNECTIONS (16). Writes bench/results/latest.json and latest.png.
"""

import functools
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from chart import draw_chart  # noqa: E402

from tools.both import stop as stop_group  # noqa: E402

# The contract suite's launcher of the twins (serve.sh, fresh SQLite, free port, API token).
from twin_servers.server import Flavour, Server, free_port, guarded  # noqa: E402

BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
ITEM_COUNT = 100
DATA = "GET /api/data"  # the one endpoint that every target serves
ENDPOINTS = {
    DATA: "/api/data",
    "GET /": "/",
    "GET /api/items?limit=20": "/api/items?limit=20",
    "GET /api/items/<id>": "/api/items/{item_id}",
    # Last, so that every GET above is measured on exactly the 100 seeded items.
    "POST /api/items": "/api/items",
}
WRK_MISSING = "make bench: `wrk` is not installed (apt-get install wrk, or brew install wrk)\n"


def settings():
    """BENCH_* from the environment, with their defaults."""
    names = {"duration": 5, "warmup": 2, "repeats": 3, "connections": 16}
    return {
        name: int(os.environ.get(f"BENCH_{name.upper()}", value)) for name, value in names.items()
    }


@dataclass
class Target:
    """One server under test: its name, base URL, process group, endpoints and token."""

    name: str
    url: str
    pid: int
    stop: Callable[[], None]
    endpoints: tuple[str, ...] = (DATA,)
    api_token: str = ""
    item_id: int = 0


def cpu_sets():
    """The servers get every CPU but the last, wrk the last (no pinning on one CPU)."""
    # taskset and CPU affinity are Linux's: macOS has neither, and runs unpinned.
    cpus = sorted(os.sched_getaffinity(0)) if shutil.which("taskset") else []
    if len(cpus) < 2:
        return None, [], "not pinned (one CPU, or no taskset)"
    described = f"servers on CPU {','.join(map(str, cpus[:-1]))}, wrk on CPU {cpus[-1]}"
    return set(cpus[:-1]), ["taskset", "-c", str(cpus[-1])], described


def pin_process_group(pgid, cpus):
    """Pin every thread of every process in a group (Gunicorn master and workers) to cpus."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The process group is the 3rd field after the command name, which is in parentheses.
            if int(stat.read_text().rpartition(")")[2].split()[2]) == pgid:
                for task in (stat.parent / "task").iterdir():
                    os.sched_setaffinity(int(task.name), cpus)
        except (OSError, ValueError):
            continue  # a process that ended meanwhile


def start_bare(name, command, *, cwd, env, log_path, stoppers):
    """Start a server that is not a twin in its own process group; wait for /api/data."""
    port = free_port()
    env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    command = [part.format(port=port) for part in command]
    with open(log_path, "wb") as log:
        process = guarded(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)

    stop = functools.partial(stop_group, process, port)
    stoppers.append(stop)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url + "/api/data", timeout=2):  # noqa: S310 - loopback
                return Target(name, url, process.pid, stop)
        except OSError:
            time.sleep(0.1)
    stop()
    tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-20:])
    raise RuntimeError(f"{name} did not start; log tail:\n{tail}")


def start_twin(twin, stoppers):
    """A twin under its serve.sh, as the contract suite starts it, seeded."""
    server = Server(twin, Flavour("bench", workers=os.environ.get("WEB_CONCURRENCY")))
    server.start()
    stoppers.append(server.stop)
    server.wait_until_ready()
    target = Target(
        twin, server.base_url, server.process.pid, server.stop, tuple(ENDPOINTS), server.token
    )
    target.item_id = seed_items(target)
    return target


def seed_items(target):
    """Create the 100 benchmark items through the twin's API; return the id of the middle one."""
    ids = []
    for number in range(1, ITEM_COUNT + 1):
        body = {"name": f"Benchmark item {number:03d}", "quantity": number}
        request = urllib.request.Request(  # noqa: S310 - a loopback URL built here
            target.url + "/api/items",
            data=json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {target.api_token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            ids.append(json.load(response)["id"])
    return ids[len(ids) // 2]


def run_wrk(target, endpoint, seconds, connections, client_pin, run_tag):
    """Load one endpoint of one target for some seconds; return wrk's summary as a dict."""
    url = target.url + ENDPOINTS[endpoint].format(item_id=target.item_id)
    script = "post_item.lua" if endpoint.startswith("POST") else "report.lua"
    command = [*client_pin, "wrk", "--threads", "1", "--connections", str(connections)]
    command += ["--duration", f"{seconds}s", "--timeout", "10s", "--script", str(BENCH / script)]
    command += [url, "--", target.api_token, run_tag]
    output = subprocess.run(  # noqa: S603 - fixed command built here
        command, capture_output=True, text=True, timeout=seconds + 60, check=True
    ).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "errors": sum(raw[kind] for kind in ("connect", "read", "write", "status", "timeout")),
    }


def measure(targets, bench, client_pin):
    """Warm up, then take turns between the targets, endpoint by endpoint; median per target."""
    report = {}
    for number, endpoint in enumerate(ENDPOINTS):
        group = [target for target in targets if endpoint in target.endpoints]
        print(f"  {endpoint}: {', '.join(target.name for target in group)}", flush=True)
        samples = {target.name: [] for target in group}
        for target in group:
            run_wrk(
                target, endpoint, bench["warmup"], bench["connections"], client_pin, f"w{number}"
            )
        for repeat in range(bench["repeats"]):
            # Rotate who goes first, so no target always runs right after the same neighbour.
            shift = repeat % len(group)
            for target in group[shift:] + group[:shift]:
                tag = f"r{number}-{repeat}"
                sample = run_wrk(
                    target, endpoint, bench["duration"], bench["connections"], client_pin, tag
                )
                samples[target.name].append(sample)
        report[endpoint] = {
            name: {
                "rps": round(statistics.median(s["rps"] for s in runs), 1),
                "p50_ms": round(statistics.median(s["p50_ms"] for s in runs), 3),
                "p99_ms": round(statistics.median(s["p99_ms"] for s in runs), 3),
                "errors": sum(s["errors"] for s in runs),
            }
            for name, runs in samples.items()
        }
    return report


def ratios(endpoints, pairs):
    """Requests/s of a over b for each (a, b) pair that the endpoint's row has."""
    return {
        endpoint: {
            f"{a}/{b}": round(row[a]["rps"] / row[b]["rps"], 3)
            for a, b in pairs
            if a in row and b in row and row[b]["rps"]
        }
        for endpoint, row in endpoints.items()
    }


def print_table(endpoints, found, footer):
    """The results as a plain-text table, then the ratios, then how they were taken."""
    print(f"\n{'endpoint':<24}{'target':<17}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for endpoint, row in endpoints.items():
        for number, (name, result) in enumerate(row.items()):
            label = endpoint if number == 0 else ""
            print(
                f"{label:<24}{name:<17}{result['rps']:>8.0f}{result['p50_ms']:>9.2f}"
                f"{result['p99_ms']:>9.2f}{result['errors']:>8}"
            )
    print("\nratios of requests/s")
    for endpoint, pairs in found.items():
        print(f"  {endpoint:<24}" + "   ".join(f"{k} {v:.2f}" for k, v in pairs.items()))
    print(f"\n{footer}")


def run(name, start_targets, pairs):
    """Start the targets, measure them in turn, print and write results/<name>.json."""
    if not shutil.which("wrk"):
        sys.exit(WRK_MISSING)
    bench = settings()
    server_cpus, client_pin, pinning = cpu_sets()
    started, load = time.monotonic(), os.getloadavg()[0]
    stoppers = []
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        try:
            print("starting the servers", flush=True)
            targets = start_targets(Path(workdir), stoppers)
            for target in targets if server_cpus else ():
                pin_process_group(target.pid, server_cpus)
            runs = sum(len(target.endpoints) for target in targets)
            seconds = runs * (bench["warmup"] + bench["repeats"] * bench["duration"])
            print(f"measuring (about {seconds} s)", flush=True)
            endpoints = measure(targets, bench, client_pin)
        except (RuntimeError, subprocess.SubprocessError) as error:
            sys.exit(str(error))
        finally:
            for stop in stoppers:
                stop()
    gunicorn = importlib.metadata.version("gunicorn")
    report = {
        "endpoints": endpoints,
        "ratios": ratios(endpoints, pairs),
        "server": f"gunicorn {gunicorn} with gunicorn.conf.py",
        "duration_s": bench["duration"],
        "repeats": bench["repeats"],
        "connections": bench["connections"],
        "cpus": pinning,
        "python": platform.python_version(),
        # Above 1, other work shared the CPUs with the run.
        "load_average_before": round(load, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    footer = (
        f"{report['server']}; {bench['duration']} s per run, median of {bench['repeats']}; "
        f"{bench['connections']} connections; {pinning}; load average before {load:.1f}; "
        f"done in {time.monotonic() - started:.0f} s"
    )
    print_table(endpoints, report["ratios"], footer)
    report["errors"] = sum(
        result["errors"] for row in endpoints.values() for result in row.values()
    )
    if report["errors"]:
        print(f"{report['errors']} requests failed (non-2xx or socket errors): see the table")
    return report


def start_targets(workdir, stoppers):
    """The bare-WSGI baseline under the same Gunicorn, then both twins."""
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = ["gunicorn", "--config", str(GUNICORN_CONF), "baseline:app"]
    baseline = start_bare(
        "baseline",
        command,
        cwd=BENCH,
        env=env,
        log_path=workdir / "baseline.log",
        stoppers=stoppers,
    )
    return [baseline, *(start_twin(twin, stoppers) for twin in ("flask", "django"))]


def main():
    """make bench: the table, bench/results/latest.json and latest.png."""
    pairs = [("flask", "baseline"), ("django", "baseline"), ("flask", "django")]
    report = run("latest", start_targets, pairs)
    draw_chart(report, RESULTS / "latest.png")
    print("wrote bench/results/latest.json and latest.png")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())

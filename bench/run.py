"""`make bench`: load benchmark of both twins and a bare-WSGI baseline on the same server.

Every target runs under Gunicorn with the shared gunicorn.conf.py (same workers, DEBUG=0); each
twin gets a fresh SQLite database seeded with the same 100 items through its own API. `wrk` loads
each endpoint on loopback: a warm-up, then BENCH_REPEATS repeats that take turns between the
targets, so the ratios between them hold even when the machine's speed drifts. Where nginx is
installed, a static `return 200` is measured too: the most this machine answers over HTTP.

Settings (environment): BENCH_DURATION seconds per run (5), BENCH_WARMUP seconds (2),
BENCH_REPEATS (3), BENCH_CONNECTIONS (16), BENCH_TARGETS (e.g. "baseline,flask"; default all),
BENCH_WORKER_CLASS (e.g. "sync": every target, the ceiling too, under that worker class instead of
gunicorn.conf.py's, to compare; the twins' deployment keeps gunicorn.conf.py's).
Prints a table; writes bench/results/latest.json and bench/results/latest.png.
"""

import importlib.metadata
import json
import os
import platform
import runpy
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:
    from chart import draw_chart
except ModuleNotFoundError as missing:
    sys.exit(f"make bench: {missing.name} is missing; `make setup` installs bench/requirements.txt")
# The contract suite's launcher of the twins (serve.sh, fresh SQLite, free port, API token).
from contract_tests.servers import Flavour, Server, die_with_parent, free_port  # noqa: E402

BENCH = ROOT / "bench"
RESULTS = BENCH / "results"
VENV_BIN = ROOT / ".venv" / "bin"
GUNICORN_CONF = ROOT / "gunicorn.conf.py"

TWINS = ("flask", "django")
TARGET_NAMES = ("nginx", "baseline", *TWINS)
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
WRK_MISSING = """\
make bench: `wrk`, the load generator, is not installed. Install it and run `make bench` again:
    sudo apt-get install -y wrk        # Debian, Ubuntu
    brew install wrk                   # macOS
"""


@dataclass
class Settings:
    """How long and how hard each target is loaded, read from BENCH_* variables."""

    duration: int = 5
    warmup: int = 2
    repeats: int = 3
    connections: int = 16
    targets: tuple[str, ...] = TARGET_NAMES
    worker_class: str = ""  # "": gunicorn.conf.py's

    @classmethod
    def from_env(cls):
        """Read the settings, keeping the defaults for variables that are not set."""
        env = os.environ
        targets = tuple(name.strip() for name in env.get("BENCH_TARGETS", "").split(","))
        targets = tuple(name for name in targets if name)
        unknown = sorted(set(targets) - set(TARGET_NAMES))
        if unknown:
            sys.exit(f"make bench: unknown BENCH_TARGETS {unknown}; choose from {TARGET_NAMES}")
        return cls(
            duration=int(env.get("BENCH_DURATION", cls.duration)),
            warmup=int(env.get("BENCH_WARMUP", cls.warmup)),
            repeats=int(env.get("BENCH_REPEATS", cls.repeats)),
            connections=int(env.get("BENCH_CONNECTIONS", cls.connections)),
            targets=targets or TARGET_NAMES,
            worker_class=env.get("BENCH_WORKER_CLASS", "").strip(),
        )


@dataclass
class Target:
    """One server under test: its name, base URL, process group and the endpoints it serves."""

    name: str
    url: str
    pid: int  # leads the server's process group
    stop: Callable[[], None]
    endpoints: tuple[str, ...]
    api_token: str = ""  # only the twins take writes
    item_id: int = 0
    samples: dict[str, list[dict]] = field(default_factory=dict)


def cpu_sets():
    """Split the CPUs: the servers get all but the last, wrk the last (no pinning on one CPU)."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2 or not shutil.which("taskset"):
        return None, [], "not pinned (one CPU, or no taskset)"
    server = set(cpus[:-1])
    client = str(cpus[-1])
    described = f"servers on CPU {','.join(map(str, sorted(server)))}, wrk on CPU {client}"
    return server, ["taskset", "-c", client], described


def pin_process_group(pgid, cpus):
    """Pin every thread of every process in a group (Gunicorn master and workers) to cpus."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The process group is the 3rd field after the command name, which is in parentheses.
            if int(stat.read_text().rpartition(")")[2].split()[2]) != pgid:
                continue
            for task in (stat.parent / "task").iterdir():
                os.sched_setaffinity(int(task.name), cpus)
        except (OSError, ValueError):
            continue  # a process that ended meanwhile


def start_bare(name, command, *, port, cwd, env, log_path, stoppers):
    """Start a baseline server (not a twin) in its own process group; wait for /api/data."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed commands built by this script
            command,
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent,  # SIGTERM when this script dies, however it dies
        )

    def stop():
        """TERM the whole process group, then KILL it if it lingers."""
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    stoppers.append(stop)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url + "/api/data", timeout=2):  # noqa: S310 - loopback
                return Target(name, url, process.pid, stop, (DATA,))
        except OSError:
            time.sleep(0.1)
    stop()
    log = log_path.read_text(errors="replace").splitlines()[-20:]
    raise RuntimeError(f"{name} did not start; log tail:\n" + "\n".join(log))


def server_settings():
    """Workers, worker class, threads and keep-alive as every target runs with them here.

    gunicorn.conf.py's values in this environment, unless BENCH_WORKER_CLASS overrides the class
    (through GUNICORN_CMD_ARGS, which Gunicorn applies over the config file: see main()).
    """
    conf = runpy.run_path(str(GUNICORN_CONF))
    worker_class = os.environ.get("BENCH_WORKER_CLASS", "").strip() or conf["worker_class"]
    # Only the threaded worker keeps connections alive; a sync worker closes after each answer.
    keepalive = conf["keepalive"] if worker_class == "gthread" else 0
    return {
        "workers": conf["workers"],
        "worker_class": worker_class,
        "threads": conf["threads"] if worker_class == "gthread" else 1,
        "keepalive_s": keepalive,
    }


def describe_server(gunicorn_version, server):
    """One line naming the server as every target ran under it, for the table and the chart."""
    threads = f" x {server['threads']} threads" if server["threads"] > 1 else ""
    seconds = server["keepalive_s"]
    keepalive = f"keep-alive {seconds} s" if seconds else "no keep-alive"
    return (
        f"gunicorn {gunicorn_version}, {server['workers']} {server['worker_class']} "
        f"workers{threads}, {keepalive}"
    )


def start_targets(names, workdir, stoppers):
    """Start every named target this machine can run; return them and notes on those skipped.

    Each server's stop function goes into stoppers as soon as it is launched, so the caller can
    stop them all even when a later one fails to start.
    """
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    twins, bare, skipped = [], [], []
    for name in names:
        if name in TWINS and not (ROOT / f"{name}_impl" / "serve.sh").exists():
            skipped.append(f"{name}: {name}_impl/serve.sh does not exist yet")
        elif name in TWINS:
            # The contract suite's launcher: serve.sh on a fresh SQLite database, DEBUG=0, a free
            # port, a token. WEB_CONCURRENCY is passed on so that every target has the same workers.
            server = Server(name, Flavour("bench", workers=os.environ.get("WEB_CONCURRENCY")))
            server.start()
            stoppers.append(server.stop)
            twins.append(server)
        elif name == "nginx" and not shutil.which("nginx"):
            skipped.append("nginx: not installed (the machine's ceiling is optional)")
        else:
            port = free_port()
            if name == "nginx":
                conf = write_nginx_conf(workdir, port)
                command = ["nginx", "-p", str(workdir), "-c", str(conf), "-e", "stderr"]
                cwd, bare_env = workdir, env
            else:
                command = ["gunicorn", "--config", str(GUNICORN_CONF), "baseline:app"]
                cwd, bare_env = BENCH, {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
            log_path = workdir / f"{name}.log"
            bare.append(
                start_bare(
                    name,
                    command,
                    port=port,
                    cwd=cwd,
                    env=bare_env,
                    log_path=log_path,
                    stoppers=stoppers,
                )
            )
    targets = list(bare)
    for server in twins:
        server.wait_until_ready()
        target = Target(
            server.twin,
            server.base_url,
            server.process.pid,
            server.stop,
            tuple(ENDPOINTS),
            api_token=server.token,
        )
        target.item_id = seed_items(target)
        targets.append(target)
    order = {name: number for number, name in enumerate(TARGET_NAMES)}
    return sorted(targets, key=lambda target: order[target.name]), skipped


def write_nginx_conf(workdir, port):
    """A minimal nginx config: one static JSON answer, no access log, its files in workdir."""
    server = server_settings()
    body = json.dumps({"message": "Hello, this is some data!", "framework": "nginx"})
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"daemon off;\npid {workdir}/nginx.pid;\nworker_processes {server['workers']};\n"
        "events {}\n"
        "http {\n"
        "  access_log off;\n"
        # Keep-alive as Gunicorn's: gthread workers keep a connection for `keepalive` seconds
        # between requests (wrk reuses its connections), sync workers close it after each answer.
        f"  keepalive_timeout {server['keepalive_s']};\n"
        f"  client_body_temp_path {workdir}/nginx-body;\n"
        f"  proxy_temp_path {workdir}/nginx-proxy;\n"
        f"  server {{\n    listen 127.0.0.1:{port};\n"
        f"    location / {{ default_type application/json; return 200 '{body}'; }}\n"
        "  }\n"
        "}\n"
    )
    return conf


def seed_items(target):
    """Create the 100 benchmark items through the twin's API; return the id of the middle one."""
    ids = []
    for number in range(1, ITEM_COUNT + 1):
        body = {
            "name": f"Benchmark item {number:03d}",
            "description": f"Item number {number} of the benchmark's seed data.",
            "quantity": number,
        }
        request = urllib.request.Request(  # noqa: S310 - a loopback URL built here
            target.url + "/api/items",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {target.api_token}",
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            ids.append(json.load(response)["id"])
    with urllib.request.urlopen(target.url + "/api/items?limit=1", timeout=10) as response:  # noqa: S310
        count = json.load(response)["count"]
    if count != ITEM_COUNT:
        raise RuntimeError(f"{target.name} holds {count} items after seeding, not {ITEM_COUNT}")
    return ids[len(ids) // 2]


def run_wrk(target, endpoint, seconds, settings, client_pin, run_tag):
    """Load one endpoint of one target for some seconds; return wrk's summary as a dict."""
    url = target.url + ENDPOINTS[endpoint].format(item_id=target.item_id)
    script = "post_item.lua" if endpoint.startswith("POST") else "report.lua"
    command = [*client_pin, "wrk", "--threads", "1", "--connections", str(settings.connections)]
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


def measure(targets, settings, client_pin):
    """Warm up, then take turns between the targets, endpoint by endpoint."""
    for number, endpoint in enumerate(ENDPOINTS):
        group = [target for target in targets if endpoint in target.endpoints]
        if not group:
            continue
        print(f"  {endpoint}: {', '.join(target.name for target in group)}", flush=True)
        for target in group:
            tag = f"w{number}"
            run_wrk(target, endpoint, settings.warmup, settings, client_pin, tag)
            target.samples[endpoint] = []
        for repeat in range(settings.repeats):
            # Rotate who goes first, so no target always runs right after the same neighbour.
            shift = repeat % len(group)
            for target in group[shift:] + group[:shift]:
                tag = f"r{number}-{repeat}"
                sample = run_wrk(target, endpoint, settings.duration, settings, client_pin, tag)
                target.samples[endpoint].append(sample)


def summarise(targets):
    """Median requests/s and latencies over the repeats, errors summed, per endpoint and target."""
    endpoints = {}
    for endpoint in ENDPOINTS:
        row = {}
        for target in targets:
            samples = target.samples.get(endpoint)
            if not samples:
                continue
            row[target.name] = {
                "rps": round(statistics.median(s["rps"] for s in samples), 1),
                "p50_ms": round(statistics.median(s["p50_ms"] for s in samples), 3),
                "p99_ms": round(statistics.median(s["p99_ms"] for s in samples), 3),
                "errors": sum(s["errors"] for s in samples),
                "rps_samples": [round(s["rps"], 1) for s in samples],
            }
        if row:
            endpoints[endpoint] = row
    return endpoints


def ratios(endpoints):
    """Requests/s ratios: each twin against the bare-WSGI baseline, and Flask against Django."""
    result = {}
    for endpoint, row in endpoints.items():
        pairs = [("flask", "baseline"), ("django", "baseline"), ("flask", "django")]
        found = {
            f"{a}/{b}": round(row[a]["rps"] / row[b]["rps"], 3)
            for a, b in pairs
            if a in row and b in row and row[b]["rps"]
        }
        if found:
            result[endpoint] = found
    return result


def print_table(report):
    """The results as a plain-text table, then the ratios."""
    print()
    print(f"{'endpoint':<26}{'target':<10}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for endpoint, row in report["endpoints"].items():
        for number, (name, result) in enumerate(row.items()):
            label = endpoint if number == 0 else ""
            print(
                f"{label:<26}{name:<10}{result['rps']:>10.0f}{result['p50_ms']:>9.2f}"
                f"{result['p99_ms']:>9.2f}{result['errors']:>8}"
            )
    print("\nratios of requests/s")
    for endpoint, found in report["ratios"].items():
        text = "   ".join(f"{pair} {value:.2f}" for pair, value in found.items())
        print(f"  {endpoint:<26}{text}")
    print(
        f"\n{report['server']}; {report['duration_s']} s per run, "
        f"median of {report['repeats']}; {report['connections']} connections; {report['cpus']}"
    )


def main():
    """Check the tools, start the targets, measure, report and stop everything."""
    if not shutil.which("wrk"):
        sys.stderr.write(WRK_MISSING)
        return 2
    settings = Settings.from_env()
    server_cpus, client_pin, pinning = cpu_sets()
    if settings.worker_class:
        # Gunicorn applies GUNICORN_CMD_ARGS over gunicorn.conf.py, for every target alike.
        os.environ["GUNICORN_CMD_ARGS"] = f"--worker-class {settings.worker_class}"
    server = server_settings()
    gunicorn_version = importlib.metadata.version("gunicorn")
    started = time.monotonic()
    load_before = round(os.getloadavg()[0], 1)
    stoppers = []
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        try:
            print("make bench: starting servers", flush=True)
            targets, skipped = start_targets(settings.targets, Path(workdir), stoppers)
            if server_cpus:
                for target in targets:
                    pin_process_group(target.pid, server_cpus)
            for note in skipped:
                print(f"  skipped {note}")
            if not targets:
                sys.stderr.write("make bench: no target could be started\n")
                return 1
            runs = sum(len(target.endpoints) for target in targets)
            estimate = runs * (settings.warmup + settings.repeats * settings.duration)
            print(f"make bench: measuring (about {estimate} s)", flush=True)
            measure(targets, settings, client_pin)
        except (RuntimeError, subprocess.SubprocessError) as error:
            sys.stderr.write(f"make bench: {error}\n")
            return 1
        finally:
            for stop in stoppers:
                stop()
    endpoints = summarise(targets)
    report = {
        "endpoints": endpoints,
        "ratios": ratios(endpoints),
        "server": describe_server(gunicorn_version, server),
        "workers": server["workers"],
        "worker_class": server["worker_class"],
        "threads": server["threads"],
        "keepalive_s": server["keepalive_s"],
        "duration_s": settings.duration,
        "repeats": settings.repeats,
        "warmup_s": settings.warmup,
        "connections": settings.connections,
        "cpus": pinning,
        "python": platform.python_version(),
        # Taken before the servers start: above 1, other work shared the CPUs with the run.
        "load_average_before": load_before,
        "skipped": skipped,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    draw_chart(report, RESULTS / "latest.png")
    print_table(report)
    print(f"\nwrote {RESULTS.relative_to(ROOT)}/latest.json and latest.png")
    print(f"make bench: done in {time.monotonic() - started:.0f} s")
    if report["load_average_before"] > 1:
        busy = report["load_average_before"]
        print(f"note: the machine was busy before the run (load average {busy}): noisy figures")
    errors = sum(result["errors"] for row in endpoints.values() for result in row.values())
    if errors:
        print(f"make bench: {errors} requests failed (non-2xx or socket errors): see the table")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

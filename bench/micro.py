"""`make bench-micro`: what one request costs inside each twin, in microseconds.

Each endpoint is called through the twin's WSGI callable, in process: no server, no network, no
access log, so the number is the framework's and the twin's own work. bench/baseline.py, the bare
WSGI app, answers GET /api/data for comparison. Each twin runs in its own
subprocess (both name their package `items`), on a fresh SQLite database that gets the same 100
items through the twin's own API. The figure per endpoint is the best of MICRO_ROUNDS rounds (7) of
about MICRO_ROUND_S seconds (0.3) each: as timeit's documentation argues, slower rounds measure
other processes' interference, not the code, so the best round is what to compare across commits.

    python bench/micro.py                 the table; also writes bench/results/micro.json
    python bench/micro.py --profile       and where the time goes for each endpoint (cProfile)
"""

import argparse
import cProfile
import gc
import importlib
import io
import json
import os
import pstats
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
# What each twin's serve.sh does before Gunicorn, and the WSGI callable Gunicorn then loads.
TARGETS = {
    "baseline": {"folder": ROOT / "bench", "prepare": [], "callable": ("baseline", "app")},
    "flask": {
        "folder": ROOT / "flask_impl",
        "prepare": [[str(Path(PYTHON).parent / "flask"), "--app", "wsgi", "db", "upgrade"]],
        "callable": ("wsgi", "app"),
    },
    "django": {
        "folder": ROOT / "django_impl",
        "prepare": [
            [PYTHON, "manage.py", "migrate", "--noinput"],
            [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        ],
        "callable": ("config.wsgi", "application"),
    },
}
ITEM_COUNT = 100
DATA = "GET /api/data"  # the baseline's only endpoint
ENDPOINTS = (
    DATA,
    "GET /",
    "GET /api/items?limit=20",
    "GET /api/items/<id>",
    # Last, so that every GET above runs on exactly the 100 seeded items.
    "POST /api/items",
)


class Client:
    """Calls a WSGI callable the way Gunicorn would, with a fresh environ for every request."""

    def __init__(self, app, api_token):
        self.app = app
        self.api_token = api_token
        self.created = 0

    def call(self, method, target, body=None):
        """One request; returns the status code and the body bytes."""
        path, _, query = target.partition("?")
        data = json.dumps(body).encode() if body is not None else b""
        environ = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": False,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if body is not None:
            environ["CONTENT_TYPE"] = "application/json"
            environ["CONTENT_LENGTH"] = str(len(data))
            environ["HTTP_AUTHORIZATION"] = f"Bearer {self.api_token}"
        statuses = []

        def start_response(status, headers, exc_info=None):
            statuses.append(status)
            return lambda chunk: None

        result = self.app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return int(statuses[0].split()[0]), content

    def create_item(self, name):
        """POST one item and return its id."""
        status, content = self.call("POST", "/api/items", {"name": name, "quantity": 1})
        if status != 201:
            raise RuntimeError(f"POST /api/items answered {status}: {content[:200]!r}")
        return json.loads(content)["id"]

    def request(self, endpoint, item_id):
        """One request to a benchmark endpoint; POST makes a new item each time."""
        method, target = endpoint.split(" ", 1)
        if method == "POST":
            self.created += 1
            return self.call(method, target, {"name": f"micro {self.created}", "quantity": 1})
        return self.call(method, target.replace("<id>", str(item_id)))


def time_endpoint(client, endpoint, item_id, rounds, round_s):
    """Microseconds per request: the best round, and the median and worst for the spread."""
    for _ in range(20):
        status, content = client.request(endpoint, item_id)
        if not 200 <= status < 300:
            raise RuntimeError(f"{endpoint} answered {status}: {content[:200]!r}")
    started = time.perf_counter()
    calls = 20
    for _ in range(calls):
        client.request(endpoint, item_id)
    per_call = (time.perf_counter() - started) / calls
    calls = max(20, int(round_s / per_call))
    timings = []
    for _ in range(rounds):
        gc.collect()
        started = time.perf_counter()
        for _ in range(calls):
            client.request(endpoint, item_id)
        timings.append((time.perf_counter() - started) / calls * 1e6)
    return {
        "us": round(min(timings), 1),
        "median_us": round(statistics.median(timings), 1),
        "max_us": round(max(timings), 1),
        "calls_per_round": calls,
    }


def where_time_goes(client, endpoint, item_id, calls=300):
    """cProfile many requests; return the share of own time per library, and the top functions."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        client.request(endpoint, item_id)
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = sum(entry[2] for entry in stats.values())
    by_library, functions = {}, []
    for (filename, line, function), (_, _, own, _, _) in stats.items():
        library = library_of(filename, function)
        by_library[library] = by_library.get(library, 0) + own
        functions.append((own, f"{library}: {function} ({Path(filename).name}:{line})"))
    shares = sorted(((own / total, name) for name, own in by_library.items()), reverse=True)
    top = [(own / total, name) for own, name in sorted(functions, reverse=True)[:8]]
    return {"us_per_request": round(total / calls * 1e6, 1), "libraries": shares, "top": top}


def library_of(filename, function):
    """Which package a profiled function belongs to: site-packages name, the app, or stdlib."""
    if filename == "~":  # built-in C functions
        return "sqlite3 (C)" if "sqlite3" in function else "builtins (C)"
    path = Path(filename)
    if path == Path(__file__).resolve():
        return "bench harness"
    if "site-packages" in path.parts:
        return path.parts[path.parts.index("site-packages") + 1].removesuffix(".py")
    if str(path).startswith(os.getcwd()):
        return "app's own code"
    return f"stdlib {path.stem}" if path.stem != "__init__" else f"stdlib {path.parent.name}"


def child(name, rounds, round_s, profile):
    """In the target's subprocess: seed, time every endpoint, print the results as JSON."""
    module_name, attribute = TARGETS[name]["callable"]
    sys.path.insert(0, os.getcwd())
    app = getattr(importlib.import_module(module_name), attribute)
    client = Client(app, os.environ["API_TOKEN"])
    endpoints, item_id = (DATA,), 0
    if name != "baseline":
        ids = [client.create_item(f"Benchmark item {number:03d}") for number in range(ITEM_COUNT)]
        endpoints, item_id = ENDPOINTS, ids[len(ids) // 2]
    results = {"timings": {}, "profiles": {}}
    for endpoint in endpoints:
        results["timings"][endpoint] = time_endpoint(client, endpoint, item_id, rounds, round_s)
        if profile:
            results["profiles"][endpoint] = where_time_goes(client, endpoint, item_id)
    print(json.dumps(results))


def run_target(name, rounds, round_s, profile):
    """Prepare a fresh database for a target and measure it in a subprocess of its own."""
    folder = TARGETS[name]["folder"]
    with tempfile.TemporaryDirectory(prefix=f"micro-{name}-") as workdir:
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "API_TOKEN": secrets.token_urlsafe(16),
            "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
        }
        for command in TARGETS[name]["prepare"]:
            subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)  # noqa: S603
        command = [PYTHON, __file__, "--child", name, "--rounds", str(rounds)]
        command += ["--round-seconds", str(round_s)] + (["--profile"] if profile else [])
        output = subprocess.run(  # noqa: S603 - this very script
            command, cwd=folder, env=env, check=True, capture_output=True, text=True
        ).stdout
    return json.loads(output.splitlines()[-1])


def print_table(results):
    """Microseconds per request, one column per target, then the ratios."""
    print(f"\n{'endpoint':<26}" + "".join(f"{name + ' µs':>14}" for name in results))
    for endpoint in ENDPOINTS:
        cells = [result["timings"].get(endpoint, {}).get("us") for result in results.values()]
        print(f"{endpoint:<26}" + "".join(f"{cell or '':>14}" for cell in cells))
    print("\nratios of time per request (lower is faster)")
    for endpoint in ENDPOINTS:
        timing = {name: result["timings"].get(endpoint) for name, result in results.items()}
        pairs = [("flask", "django"), ("flask", "baseline"), ("django", "baseline")]
        text = "   ".join(
            f"{a}/{b} {timing[a]['us'] / timing[b]['us']:.2f}"
            for a, b in pairs
            if timing.get(a) and timing.get(b)
        )
        print(f"  {endpoint:<26}{text}")


def print_profiles(results):
    """Where each target spends a request's time, endpoint by endpoint."""
    for endpoint in ENDPOINTS:
        print(f"\nwhere the time goes: {endpoint} (cProfile, own time; profiling slows it down)")
        for name, result in results.items():
            profile = result["profiles"].get(endpoint)
            if not profile:
                continue
            shares = ", ".join(f"{name} {share:.0%}" for share, name in profile["libraries"][:7])
            print(f"  {name:<7}{profile['us_per_request']:>8.0f} µs profiled: {shares}")
            for share, name in profile["top"][:5]:
                print(f"  {'':<17}{share:>4.0%}  {name}")


def main():
    """Measure both twins and the baseline (or be the child process that measures one)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true", help="also show where the time goes")
    parser.add_argument("--child", choices=TARGETS, help=argparse.SUPPRESS)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("MICRO_ROUNDS", 7)))
    parser.add_argument(
        "--round-seconds", type=float, default=float(os.environ.get("MICRO_ROUND_S", 0.3))
    )
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rounds, args.round_seconds, args.profile)
        return 0
    results = {}
    for name in TARGETS:
        if name != "baseline" and not (TARGETS[name]["folder"] / "serve.sh").exists():
            print(f"make bench-micro: skipping {name}: the twin is not there yet")
            continue
        print(f"make bench-micro: measuring {name}", flush=True)
        try:
            results[name] = run_target(name, args.rounds, args.round_seconds, args.profile)
        except subprocess.CalledProcessError as error:
            sys.stderr.write(f"make bench-micro: {name} failed:\n{error.stderr}\n")
            return 1
    print_table(results)
    python = sys.version.split()[0]
    print(f"\nbest of {args.rounds} rounds of ~{args.round_seconds} s each; Python {python}")
    load = os.getloadavg()[0]
    if load > 1:
        print(f"note: the machine was busy (load average {load:.1f}): compare with care")
    if args.profile:
        print_profiles(results)
    RESULTS.mkdir(exist_ok=True)
    timings = {name: result["timings"] for name, result in results.items()}
    (RESULTS / "micro.json").write_text(json.dumps(timings, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`make bench-micro`: what one request costs inside each twin, and where the time goes.

Each endpoint is called through the twin's WSGI callable, in process: no server, no network, no
access log. bench/baseline.py, a bare WSGI app, answers GET /api/data for comparison. Each twin runs
in a subprocess of its own (both name their package `items`) on a fresh SQLite database holding the
same 100 items, made through its own API. The figure per endpoint is the best of MICRO_ROUNDS rounds
(7) of MICRO_ROUND_S seconds (0.3): slower rounds measure other processes, not the code.

Then cProfile runs the same requests, and each function's own time goes to a layer by its module
(LAYERS): the framework, its middleware and hooks, the ORM, the driver and SQLite, JSON, templates,
the project's own code. Time in the standard library or in a C built-in goes to the layer that
called it, in proportion to its callers' time; the harness's own time is left out.

    python bench/micro.py [TARGET ...]    baseline, flask, django (default: all three)

Writes bench/results/micro.json and bench/results/micro.png (all three only); prints a table.
"""

import cProfile
import gc
import importlib
import io
import json
import os
import pstats
import secrets
import subprocess
import sys
import sysconfig
import tempfile
import timeit
from pathlib import Path

from chart import draw_micro_chart

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
# What each twin's serve.sh does before its server, and the WSGI callable the server then loads.
TARGETS = {
    "baseline": {"folder": ROOT / "bench", "prepare": [], "callable": ("baseline", "app")},
    "flask": {
        "folder": ROOT / "flask_impl",
        "prepare": [[str(Path(PYTHON).parent / "flask"), "--app", "wsgi", "db", "upgrade"]],
        "callable": ("wsgi", "app"),
    },
    "django": {
        "folder": ROOT / "django_impl",
        # As the image builds and serve.sh starts it: the static files, then the migrations
        # (migrate runs the system checks, which want the files collected).
        "prepare": [
            [PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            [PYTHON, "manage.py", "migrate", "--noinput"],
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
# A function's layer: "module:function" if listed, else the longest dotted prefix of its module
# listed here. Modules that match none (the standard library, C built-ins) are "neutral": their
# time goes to whoever called them. The loops that run Flask's hooks and Django's middleware are
# middleware, like the hooks and middleware themselves.
LAYERS = {
    "flask": "framework",
    "flask.app:preprocess_request": "middleware",
    "flask.app:process_response": "middleware",
    "django.utils.deprecation": "middleware",
    "django.core.handlers.exception": "middleware",
    "werkzeug": "framework",
    "django": "framework",
    "wtforms": "framework",
    "flask_login": "middleware",
    "flask_wtf": "middleware",
    "django.middleware": "middleware",
    "django.contrib.sessions.middleware": "middleware",
    "django.contrib.auth.middleware": "middleware",
    "django.contrib.messages.middleware": "middleware",
    "whitenoise": "middleware",
    "axes": "middleware",
    "items.security": "middleware",
    "items.errors": "middleware",
    "sqlalchemy": "orm",
    "flask_sqlalchemy": "orm",
    "django.db": "orm",
    "django.db.backends.sqlite3": "driver",
    "sqlite3": "driver",
    "json": "json",
    "flask.json": "json",
    "jinja2": "templates",
    "markupsafe": "templates",
    "flask.templating": "templates",
    "django.template": "templates",
    "django.templatetags": "templates",
    # Escaping and number formatting for templates (Jinja's are in markupsafe and jinja2).
    "django.utils.html": "templates",
    "django.utils.safestring": "templates",
    "django.utils.formats": "templates",
    "django.utils.numberformat": "templates",
    "items": "project",
    "wsgi": "project",
    "config": "project",
    "baseline": "project",
}
LAYER_NAMES = ("framework", "middleware", "orm", "driver", "json", "templates", "project", "other")
HARNESS = "harness"


def settings():
    """MICRO_ROUNDS and MICRO_ROUND_S from the environment, with their defaults."""
    return int(os.environ.get("MICRO_ROUNDS", "7")), float(os.environ.get("MICRO_ROUND_S", "0.3"))


class Client:
    """Calls a WSGI callable as a server would, with a fresh environ for every request."""

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

    def request(self, endpoint, item_id):
        """One request to an endpoint; a POST makes a new item each time."""
        method, target = endpoint.split(" ", 1)
        if method == "POST":
            self.created += 1
            return self.call(method, target, {"name": f"micro {self.created}", "quantity": 1})
        return self.call(method, target.replace("<id>", str(item_id)))


def time_endpoint(client, endpoint, item_id, rounds, round_s):
    """Microseconds per request: the best of `rounds` rounds of about `round_s` seconds each."""
    for _ in range(20):  # warm-up, which also proves that the endpoint answers
        status, content = client.request(endpoint, item_id)
        if not 200 <= status < 300:
            raise RuntimeError(f"{endpoint} answered {status}: {content[:200]!r}")
    # timeit switches the garbage collector off while it times; a request's garbage is its cost.
    timer = timeit.Timer(lambda: client.request(endpoint, item_id), setup=gc.enable)
    calls, seconds = timer.autorange()
    calls = max(1, round(calls * round_s / seconds))
    return round(min(timer.repeat(rounds, calls)) / calls * 1e6, 1)


def module_of(filename):
    """The dotted module name of a source file, or None for the harness."""
    path = Path(filename).resolve()
    if path == Path(__file__).resolve():
        return None
    if "site-packages" in path.parts:
        parts = path.parts[path.parts.index("site-packages") + 1 :]
    elif path.is_relative_to(STDLIB):
        parts = path.relative_to(STDLIB).parts
    elif path.is_relative_to(Path.cwd()):
        parts = path.relative_to(Path.cwd()).parts
    else:
        return ""
    return ".".join(parts).removesuffix(".py").removesuffix(".__init__")


def layer_of(function):
    """A profiled function's layer, HARNESS, or None when its time belongs to its caller."""
    filename, _, name = function
    if filename == "~":  # a C built-in: the driver's and json's C parts have layers
        return "driver" if "sqlite" in name.lower() else "json" if "_json" in name else None
    module = module_of(filename)
    if module is None:
        return HARNESS
    if f"{module}:{name}" in LAYERS:
        return LAYERS[f"{module}:{name}"]
    prefixes = [prefix for prefix in LAYERS if module == prefix or module.startswith(prefix + ".")]
    return LAYERS[max(prefixes, key=len)] if prefixes else None


def attribute(stats):
    """Each layer's share of the profiled time: own time by layer, neutral time up to callers."""
    shares = dict.fromkeys((*LAYER_NAMES, HARNESS), 0.0)
    resolved = {}

    def resolve(function, seen):
        """How a neutral function's time splits between layers, by its callers' time."""
        if function in resolved:
            return resolved[function]
        layer = layer_of(function)
        if layer is not None:
            return {layer: 1.0}
        callers = stats[function][4] if function in stats else {}
        total = sum(timing[3] for timing in callers.values())
        if function in seen or not total:
            return {"other": 1.0}
        split = {}
        for caller, timing in callers.items():
            for name, part in resolve(caller, seen | {function}).items():
                split[name] = split.get(name, 0) + part * timing[3] / total
        resolved[function] = split
        return split

    for function, (_, _, own, _, _) in stats.items():
        for name, part in resolve(function, frozenset()).items():
            shares[name] += own * part
    shares.pop(HARNESS)
    total = sum(shares.values())
    return {name: round(share / total, 3) for name, share in shares.items()}


def profile_endpoint(client, endpoint, item_id, calls=300):
    """cProfile many requests to an endpoint; each layer's share of their time."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        client.request(endpoint, item_id)
    profiler.disable()
    return attribute(pstats.Stats(profiler).stats)


def child(name):
    """In the target's subprocess: seed, time and profile every endpoint, print JSON."""
    rounds, round_s = settings()
    module_name, attribute_name = TARGETS[name]["callable"]
    sys.path.insert(0, os.getcwd())
    app = getattr(importlib.import_module(module_name), attribute_name)
    client = Client(app, os.environ["API_TOKEN"])
    endpoints, item_id = (DATA,), 0
    if name != "baseline":
        ids = []
        for number in range(ITEM_COUNT):
            body = {"name": f"Benchmark item {number:03d}", "quantity": number}
            status, content = client.call("POST", "/api/items", body)
            if status != 201:
                raise RuntimeError(f"POST /api/items answered {status}: {content[:200]!r}")
            ids.append(json.loads(content)["id"])
        endpoints, item_id = ENDPOINTS, ids[len(ids) // 2]
    results = {
        endpoint: {
            "us": time_endpoint(client, endpoint, item_id, rounds, round_s),
            "layers": profile_endpoint(client, endpoint, item_id),
        }
        for endpoint in endpoints
    }
    print(json.dumps(results))


def run_target(name):
    """Prepare a fresh database for a target and measure it in a subprocess of its own."""
    folder = TARGETS[name]["folder"]
    with tempfile.TemporaryDirectory(prefix=f"micro-{name}-") as workdir:
        env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(32),
            "API_TOKEN": secrets.token_urlsafe(16),
            "DATABASE_URL": f"sqlite:///{workdir}/db.sqlite3",
            "STATIC_ROOT": f"{workdir}/static",
        }
        for command in TARGETS[name]["prepare"]:
            subprocess.run(command, cwd=folder, env=env, check=True, capture_output=True)  # noqa: S603
        command = [PYTHON, __file__, "--child", name]
        output = subprocess.run(  # noqa: S603 - this very script
            command, cwd=folder, env=env, check=True, capture_output=True, text=True
        ).stdout
    return json.loads(output.splitlines()[-1])


def print_table(results):
    """Microseconds per request and each layer's share, per endpoint and twin; then ratios."""
    print(f"\n{'endpoint':<24}{'target':<9}{'µs':>7}" + "".join(f"{n[:6]:>7}" for n in LAYER_NAMES))
    for endpoint in ENDPOINTS:
        rows = [(name, result[endpoint]) for name, result in results.items() if endpoint in result]
        for number, (name, row) in enumerate(rows):
            label = "" if number else endpoint
            shares = "".join(f"{row['layers'][layer]:>7.0%}" for layer in LAYER_NAMES)
            print(f"{label:<24}{name:<9}{row['us']:>7.0f}{shares}")
    print("\nratios of time per request (lower is faster)")
    for endpoint in ENDPOINTS:
        us = {name: row[endpoint]["us"] for name, row in results.items() if endpoint in row}
        pairs = [("flask", "django"), ("flask", "baseline"), ("django", "baseline")]
        text = "   ".join(f"{a}/{b} {us[a] / us[b]:.2f}" for a, b in pairs if a in us and b in us)
        print(f"  {endpoint:<24}{text}")


def main():
    """Measure the baseline and both twins (or be the child process that measures one)."""
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2])
        return 0
    names = sys.argv[1:] or list(TARGETS)
    results = {}
    for name in names:
        print(f"make bench-micro: measuring {name}", flush=True)
        try:
            results[name] = run_target(name)
        except subprocess.CalledProcessError as error:
            sys.stderr.write(f"make bench-micro: {name} failed:\n{error.stderr}\n")
            return 1
    print_table(results)
    rounds, round_s = settings()
    print(f"\nbest of {rounds} rounds of ~{round_s} s each; Python {sys.version.split()[0]}")
    if os.getloadavg()[0] > 1:
        print(f"note: the machine was busy (load average {os.getloadavg()[0]:.1f})")
    if len(results) < len(TARGETS):
        return 0
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "micro.json").write_text(json.dumps(results, indent=2) + "\n")
    draw_micro_chart(results, ENDPOINTS, LAYER_NAMES, RESULTS / "micro.png")
    print("wrote bench/results/micro.json and micro.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The contract suite's options and fixtures: which twins, which servers, what every test uses.

By default the suite starts each selected twin (`--twin flask`, `--twin django`; default both)
as a real Gunicorn server with a fresh database (twin_servers/): a SQLite file, or with
`--postgres URL` a database created for it on that PostgreSQL server and dropped afterwards.
With CONTRACT_TARGETS="flask=http://host:5000,..." (and API_TOKEN) it tests servers that are
already running and starts nothing.
The admin tests log in as the admin user that the suite creates in each twin it starts (by the
twin's own command, with a random name and password); under CONTRACT_TARGETS, as ADMIN_USERNAME
(default "admin") with ADMIN_PASSWORD from the environment.
"""

from __future__ import annotations

import os
import uuid
from functools import partial

import pytest
import requests

from contract_tests.helpers import UNIQUE_NAME_LENGTH, fill
from contract_tests.side_by_side import SideBySide
from twin_servers.client import ITEM_PATH, Api, http_session
from twin_servers.pool import ServerPool
from twin_servers.server import (
    BARE,
    DEBUGGING,
    EMPTY,
    FORWARDED,
    MAIN,
    PROXIED,
    SUBDOMAINS,
    ServerError,
)

TWINS = ["flask", "django"]
# Fixtures that need a server, and which kind of server each one needs.
SERVER_FIXTURES = {
    "api": MAIN,
    "tokenless_api": BARE,
    "unavailable_api": BARE,
    "admin_credentials": MAIN,
    "proxied_api": PROXIED,
    "proxied_admin_credentials": PROXIED,
    "forwarded_api": FORWARDED,
    "forwarded_admin_credentials": FORWARDED,
    "debug_api": DEBUGGING,
    "subdomains_api": SUBDOMAINS,
    "empty_api": EMPTY,
}
# Fixtures that log in: their tests run last, while the admin users are being created.
ADMIN_FIXTURES = ("admin_credentials", "proxied_admin_credentials", "forwarded_admin_credentials")
# The modules of the fuzz tests (marked fuzz), collected only with --fuzz.
FUZZ_MODULES = ("test_schemathesis.py", "test_fuzz.py", "test_sqlmap.py")
# Fixtures of a server that only a few tests need: their tests are marked slow (the wait for it).
# Not empty_api: only a workshop exercise's test uses it, which EXERCISE=N make test-both runs.
SLOW_FIXTURES = tuple(
    name
    for name in SERVER_FIXTURES
    if name.startswith(("proxied", "forwarded", "debug", "subdomains"))
)


def pytest_addoption(parser) -> None:
    """--twin flask|django, repeatable; both twins when not given. --postgres URL."""
    parser.addoption(
        "--twin",
        action="append",
        choices=TWINS,
        help="test this twin (repeatable; default: both)",
    )
    parser.addoption(
        "--fuzz",
        action="store_true",
        help="run the fuzz tests too (marked fuzz: schemathesis, the differential fuzzer, sqlmap); "
        "`-m fuzz` runs them alone",
    )
    parser.addoption(
        "--postgres",
        metavar="URL",
        help="run the twins on PostgreSQL: a database of their own on the server of this URL "
        "(e.g. postgresql://postgres@127.0.0.1:5432/postgres), created per server, dropped after",
    )


def pytest_configure(config) -> None:
    """Decide the twins under test and register the side-by-side report."""
    targets = parse_targets(os.environ.get("CONTRACT_TARGETS", ""))
    twins = chosen_twins(config, targets)
    if targets and not os.environ.get("API_TOKEN"):
        raise pytest.UsageError("CONTRACT_TARGETS needs the servers' API_TOKEN in the environment")
    if targets and config.getoption("postgres"):
        raise pytest.UsageError("--postgres starts servers; CONTRACT_TARGETS tests running ones")
    if not config.option.collectonly:
        for twin, url in targets.items():
            check_reachable(twin, url)
    config.twins = twins
    config.targets = targets
    config.pluginmanager.register(SideBySide(twins), "side_by_side")


def chosen_twins(config, targets: dict[str, str]) -> list[str]:
    """The twins under test: those of --twin (default all) that CONTRACT_TARGETS names, if set."""
    chosen = config.getoption("twin") or TWINS
    twins = [twin for twin in TWINS if twin in chosen and (not targets or twin in targets)]
    if not twins:
        raise pytest.UsageError(f"no twin to test: --twin {chosen}, CONTRACT_TARGETS {targets}")
    return twins


def parse_targets(text: str) -> dict[str, str]:
    """ "flask=http://h:5000,django=http://h:8000" as {"flask": "http://h:5000", ...}."""
    targets = {}
    for entry in filter(None, (part.strip() for part in text.split(","))):
        twin, _, url = entry.partition("=")
        if twin not in TWINS or not url:
            raise pytest.UsageError(f"CONTRACT_TARGETS: cannot read {entry!r}")
        targets[twin] = url
    return targets


def pytest_generate_tests(metafunc) -> None:
    """Run each test using `twin` (through `api` and others) once per twin: [flask], [django]."""
    if "twin" in metafunc.fixturenames:
        twins = metafunc.config.twins
        metafunc.parametrize("twin", twins, ids=twins)


def pytest_ignore_collect(collection_path, config) -> bool | None:
    """Without --fuzz, leave the fuzz modules out, unimported.

    The fuzz tests take longer than the rest of the suite together, and schemathesis builds its
    tests when its module is imported (about 2 s), so `make test-both` keeps to its budget.
    """
    if collection_path.name in FUZZ_MODULES and not config.getoption("fuzz"):
        return True
    return None


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the tests of the few-tests servers slow; run the tests that log in to the admin last.

    The admin users are being created while the other tests run.
    """
    for item in items:
        if any(name in item.fixturenames for name in SLOW_FIXTURES):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: any(name in item.fixturenames for name in ADMIN_FIXTURES))


def pytest_sessionstart(session) -> None:
    """Start the twins' main servers before collection: they boot while it goes on.

    Nearly every test needs them; a run whose tests do not has started them for nothing.
    """
    config = session.config
    if config.option.collectonly or config.targets:
        return
    config.server_pool = ServerPool(
        [(twin, MAIN) for twin in config.twins], postgres_url=config.getoption("postgres")
    )


def check_reachable(twin: str, url: str) -> None:
    """Refuse the run, in one line, when a CONTRACT_TARGETS server does not answer /healthz."""
    try:
        with http_session() as probe:
            probe.get(f"{url.rstrip('/')}/healthz", timeout=5)
    except requests.RequestException as error:
        reason = type(error).__name__
        message = f"CONTRACT_TARGETS: {twin} at {url} does not answer ({reason}); start it, or "
        raise pytest.UsageError(message + "correct the URL") from None


def pytest_collection_finish(session) -> None:
    """Ask for the extra servers and the admin users that the selected tests need; wait for the
    main servers, and stop the run at once, with the end of its log, if one did not start."""
    pool = getattr(session.config, "server_pool", None)
    if pool is None:
        return
    twins = session.config.twins
    needed = {key for twin in twins for key in servers_needed(session.items, twin)}
    pool.want(needed, [twin for twin in twins if logs_in(session.items, twin)])
    for twin in twins:
        if (twin, MAIN) in needed:
            try:
                pool.get(twin, MAIN)
            except ServerError as error:
                reporter = session.config.pluginmanager.get_plugin("terminalreporter")
                reporter.write_line(f"\n{error}", red=True)
                pytest.exit(f"the {twin} twin did not start: the end of its log is above", 3)


def pytest_sessionfinish(session) -> None:
    """Stop every server of the run, whatever happened to its tests."""
    pool = getattr(session.config, "server_pool", None)
    if pool is not None:
        pool.stop()


def servers_needed(items, twin: str) -> set:
    """(twin, flavour) of every server of this twin that the selected tests use."""
    needed = set()
    for item in items:
        # A test skipped from the start (an exercise not chosen) needs no server.
        if twin not in twins_of(item) or item.get_closest_marker("skip"):
            continue
        for fixture, flavour in SERVER_FIXTURES.items():
            if fixture in item.fixturenames or (fixture == "api" and "apis" in item.fixturenames):
                needed.add((twin, flavour))
    return needed


def logs_in(items, twin: str) -> bool:
    """Whether the selected tests log in as this twin's admin user."""
    return any(
        twin in twins_of(item) and any(name in item.fixturenames for name in ADMIN_FIXTURES)
        for item in items
    )


def twins_of(item) -> list[str]:
    """The twin a test runs against, or every twin for a test not parametrized by twin."""
    callspec = getattr(item, "callspec", None)
    if callspec and "twin" in callspec.params:
        return [callspec.params["twin"]]
    return item.config.twins


@pytest.fixture(scope="session")
def servers(request) -> ServerPool | None:
    """The run's servers. None under CONTRACT_TARGETS, which names servers already running."""
    return getattr(request.config, "server_pool", None)


@pytest.fixture(scope="session")
def clients(request, servers):
    """One Api client per (twin, flavour), so its HTTP sessions live for the whole run."""
    cache = {}

    def client(twin, flavour):
        if (twin, flavour) not in cache:
            if servers is None and flavour is not MAIN:
                pytest.skip(f"needs a server started with {flavour.name}; CONTRACT_TARGETS is set")
            if servers is None:
                url, token = request.config.targets[twin], os.environ["API_TOKEN"]
                cache[twin, flavour] = Api(twin, url, token, launched=False)
            else:
                server = servers.get(twin, flavour)
                cache[twin, flavour] = Api(twin, server.base_url, server.token, launched=True)
        return cache[twin, flavour]

    return client


@pytest.fixture
def api(clients, twin) -> Api:
    """The twin under test, with its API token."""
    return clients(twin, MAIN)


@pytest.fixture
def tokenless_api(clients, twin) -> Api:
    """The twin started without API_TOKEN (the same server as `unavailable_api`)."""
    return clients(twin, BARE)


@pytest.fixture
def unavailable_api(clients, twin) -> Api:
    """The twin started on a database it cannot reach (MIGRATE=0, in a directory not there)."""
    return clients(twin, BARE)


@pytest.fixture
def admin_credentials(servers, twin) -> tuple[str, str]:
    """The (username, password) of the twin's admin user."""
    if servers is not None:
        return servers.admin(twin)
    password = os.environ.get("ADMIN_PASSWORD")
    if not password:
        pytest.skip("CONTRACT_TARGETS is set: export the servers' ADMIN_PASSWORD to test logins")
    return os.environ.get("ADMIN_USERNAME") or "admin", password


@pytest.fixture
def proxied_api(clients, twin) -> Api:
    """The twin started with HTTPS=1, as behind a TLS proxy (the tests send the proxy's headers)."""
    return clients(twin, PROXIED)


@pytest.fixture
def proxied_admin_credentials(servers, twin) -> tuple[str, str]:
    """The (username, password) of the admin user of the twin started with HTTPS=1."""
    if servers is None:
        pytest.skip(f"needs a server started with {PROXIED.name}; CONTRACT_TARGETS is set")
    return servers.admin(twin, PROXIED)


@pytest.fixture
def forwarded_api(clients, twin) -> Api:
    """The twin started with TRUSTED_PROXIES=2 on plain HTTP (the tests play the two proxies)."""
    return clients(twin, FORWARDED)


@pytest.fixture
def forwarded_admin_credentials(servers, twin) -> tuple[str, str]:
    """The (username, password) of the admin user of the twin started with TRUSTED_PROXIES=2."""
    if servers is None:
        pytest.skip(f"needs a server started with {FORWARDED.name}; CONTRACT_TARGETS is set")
    return servers.admin(twin, FORWARDED)


@pytest.fixture
def debug_api(clients, twin) -> Api:
    """The twin started with DEBUG=1, as in development."""
    return clients(twin, DEBUGGING)


@pytest.fixture
def subdomains_api(clients, twin) -> Api:
    """The twin started with ALLOWED_HOSTS naming .example.com besides the default hosts."""
    return clients(twin, SUBDOMAINS)


@pytest.fixture
def empty_api(clients, twin) -> Api:
    """The twin on a database of its own that no test writes to."""
    return clients(twin, EMPTY)


@pytest.fixture
def apis(request, clients) -> dict[str, Api]:
    """Every twin at once, for the differential tests."""
    twins = request.config.twins
    if len(twins) < 2:
        pytest.skip("differential tests compare two twins; only one is selected")
    return {twin: clients(twin, MAIN) for twin in twins}


@pytest.fixture
def unique_name() -> str:
    """A name no other test uses (lowercase hex, so any case change makes it a different name)."""
    return "t" + uuid.uuid4().hex[: UNIQUE_NAME_LENGTH - 1]


@pytest.fixture
def item(api, unique_name) -> dict:
    """A freshly created item, with a description and a quantity that are not the defaults."""
    return api.create(name=unique_name, description="Fresh from the fixture.", quantity=7)


@pytest.fixture(scope="session")
def standing_items() -> dict[str, dict]:
    """Per twin, the item that rejected writes aim at (they must leave it exactly as it was)."""
    return {}


@pytest.fixture
def standing_item(api, standing_items) -> dict:
    """This twin's item for rejected writes, as it is now; created again if a test removed it."""
    known = standing_items.get(api.twin)
    if known:
        response = api.get(ITEM_PATH.format(id=known["id"]))
        if response.status_code == 200:
            return response.json()
    standing_items[api.twin] = api.create(
        name=f"standing-{uuid.uuid4().hex}", description="Rejected writes leave it.", quantity=7
    )
    return standing_items[api.twin]


@pytest.fixture
def rejected_write(request, api, unique_name):
    """Send a write that must fail and prove it changed nothing; returns the response.

    POST goes to /api/items (the number of items must not change); other methods go to the
    standing item (it must read back the same).
    """

    def send(method: str, template=None, **options):
        payload = None if template is None else fill(template, unique_name)
        if method == "POST":
            path, state = "/api/items", api.count
        else:
            item_id = request.getfixturevalue("standing_item")["id"]
            path, state = ITEM_PATH.format(id=item_id), partial(api.item, item_id)
        before = state()
        response = api.request(method, path, payload=payload, **options)
        assert state() == before, "a rejected write changed the data"
        return response

    return send

"""The browser tests' harness: Debian's Chromium, both twins as live servers, watched pages.

The twins are started by the kit that runs them as real servers (twin_servers/), each with a
fresh database and an admin user made by its own command. Every test runs once per twin
([flask], [django]) in a fresh browser context, and fails if the page logged a console error
(a CSP block, a stylesheet or script that did not load) or threw.
"""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from browser_tests.helpers import (
    AXE,
    INDEX,
    JAVA,
    NO_CHECKERS,
    NO_CHROMIUM,
    SITES,
    TWINS,
    VIEWPORT,
    VNU,
    HtmlChecker,
    Site,
    Watcher,
    have_chromium,
    launch_chromium,
    log_in,
)
from contract_tests.helpers import UNIQUE_NAME_LENGTH
from twin_servers.client import Api
from twin_servers.pool import ServerPool
from twin_servers.server import MAIN, Server

# Playwright's assertions retry up to this long (default 5 s): room for a busy CI machine.
expect.set_options(timeout=10_000)


def pytest_generate_tests(metafunc) -> None:
    """Run each test using `twin` once per twin: [flask], [django]."""
    if "twin" in metafunc.fixturenames:
        metafunc.parametrize("twin", TWINS, ids=TWINS)


def pytest_collection_modifyitems(items) -> None:
    """Without Chromium, skip every test (and start no server)."""
    if not have_chromium():
        for item in items:
            item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Report the skips for want of Chromium from here, so that the summary says it on one line."""
    report = yield
    if report.skipped and not have_chromium():
        report.longrepr = (__file__, None, report.longrepr[2])
    return report


@pytest.fixture(scope="session")
def browser() -> Browser:
    """Headless Chromium for the whole run."""
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def servers(browser):
    """Both twins, started together on first use (only once there is a browser to drive them)."""
    pool = ServerPool([(twin, MAIN) for twin in TWINS], admins=TWINS)
    try:
        yield pool
    finally:
        pool.stop()


@pytest.fixture
def server(servers, twin) -> Server:
    """The twin under test, running."""
    return servers.get(twin, MAIN)


@pytest.fixture
def api(server, twin) -> Api:
    """The twin's JSON API, with its token: what the admin did, as a client sees it."""
    return Api(twin, server.base_url, server.token, launched=True)


@pytest.fixture
def admin_credentials(servers, twin) -> tuple[str, str]:
    """The (username, password) of the twin's admin user."""
    return servers.admin(twin)


@pytest.fixture
def site(twin) -> Site:
    """The twin's way of showing the admin."""
    return SITES[twin]


@pytest.fixture
def watcher():
    """Collects what the test's pages log; the test fails if they logged an error."""
    watcher = Watcher()
    yield watcher
    assert watcher.problems == [], "the pages logged errors"


@pytest.fixture
def new_page(browser, server, watcher):
    """Opens watched pages of the twin, each in a fresh context, all closed after the test.

    Closing the context closes its connections too: Chromium keeps spare connections open,
    and each one holds a Gunicorn sync worker until it is closed.
    """
    contexts = []

    def open_page(storage_state=None, *, bypass_csp=False) -> Page:
        context = browser.new_context(
            base_url=server.base_url,
            viewport=VIEWPORT,
            storage_state=storage_state,
            bypass_csp=bypass_csp,
        )
        contexts.append(context)
        return watcher.watch(context.new_page())

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page) -> Page:
    """A page of an anonymous visitor of the twin (no cookies)."""
    return new_page()


@pytest.fixture(scope="session")
def admin_states() -> dict:
    """Per twin, the logged-in admin's cookies (one login per run: hashing is slow on purpose)."""
    return {}


@pytest.fixture
def admin_state(new_page, server, twin, admin_credentials, admin_states) -> dict:
    """The logged-in admin's cookies, for a new page."""
    if twin not in admin_states:
        login = new_page()
        log_in(login, *admin_credentials)
        expect(login).to_have_url(server.base_url + INDEX)
        admin_states[twin] = login.context.storage_state()
    return admin_states[twin]


@pytest.fixture
def ends_admin_sessions(admin_states, twin):
    """For a test that logs the admin out: the next one that needs the login logs in again.

    Flask's logout ends every session of the user, the shared login's too.
    """
    yield
    admin_states.pop(twin, None)


@pytest.fixture
def admin_page(new_page, admin_state) -> Page:
    """A page of the logged-in admin."""
    return new_page(admin_state)


@pytest.fixture(scope="session")
def html_checker() -> HtmlChecker:
    """The Nu Html Checker, as a service for the whole run (it starts in a few seconds)."""
    if not (AXE.is_file() and VNU.is_file() and JAVA):
        pytest.fail(NO_CHECKERS)
    checker = HtmlChecker()
    yield checker
    checker.stop()


@pytest.fixture
def unique_name() -> str:
    """A name no other test uses."""
    return "b" + uuid.uuid4().hex[: UNIQUE_NAME_LENGTH - 1]

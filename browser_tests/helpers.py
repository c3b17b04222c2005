"""What the browser tests and `make screenshots` share: Chromium, the watcher, the two admins."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from playwright.sync_api import ConsoleMessage, Locator, Page, Playwright

from twin_servers.client import http_session
from twin_servers.server import free_port

TWINS = ["flask", "django"]
# Debian's Chromium (`apt-get install chromium`); Playwright never downloads a browser here.
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium")
NO_CHROMIUM = (
    f"no Chromium at {CHROMIUM}: install Debian's with `sudo apt-get install chromium` "
    "(or set CHROMIUM_PATH to a Chromium binary)"
)
# Headless in a container: no sandbox (no user namespaces), no GPU, nothing fetched from Google,
# and /tmp instead of a /dev/shm that containers keep small.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-dev-shm-usage",
]
# One size for every page the tests open and every screenshot.
VIEWPORT = {"width": 1280, "height": 800}
INDEX = "/admin/"
LOGIN = "/admin/login/"
ITEMS = "/admin/items/item/"
# Neither twin has a favicon, so Chromium's own request for it is a 404 it logs as a console error.
FAVICON = "/favicon.ico"


def have_chromium() -> bool:
    """Whether the Chromium binary the tests drive is there."""
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def launch_chromium(playwright: Playwright):
    """Debian's Chromium, headless."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@dataclass
class Watcher:
    """Everything a page reports that a person would see in the developer tools' console.

    Chromium reports a CSP violation, and a stylesheet or script that failed to load, as console
    errors; an uncaught exception in a script as a page error.
    """

    problems: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Page:
        """Collect the page's console errors and uncaught exceptions from now on."""
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: {error}"))
        return page

    def console(self, message: ConsoleMessage) -> None:
        """Keep a console error, unless it is the missing favicon."""
        source = message.location.get("url", "")
        if message.type == "error" and not source.endswith(FAVICON):
            self.problems.append(f"{source or 'console'}: {message.text}")


@dataclass(frozen=True)
class Site:
    """How one twin's admin shows what both do: the one place where the two admins differ."""

    add_link: str  # the name of the item list's link to the create form
    edit_title: str | None  # the title of the icon that opens an item's form; None: its name does
    message: str  # a success message after a save or a delete
    field_error: str  # an error shown under a field of a form

    def edit_link_of(self, row: Locator, name: str) -> Locator:
        """The link in the item's row of the list that opens its edit form."""
        if self.edit_title:
            return row.get_by_title(self.edit_title)
        return row.get_by_role("link", name=name, exact=True)


SITES = {
    # Django's admin as it comes: the item's name links to its change form; messages are a
    # <ul class="messagelist">, field errors a <ul class="errorlist"> above the field.
    "django": Site(
        add_link="Add item",
        edit_title=None,
        message=".messagelist .success",
        field_error=".errorlist",
    ),
    # Flask-Admin's Bootstrap 4 pages: a pencil icon titled "Edit Record" opens the form (its
    # accessible name is the icon font's glyph); flashed messages are alerts; field errors are
    # invalid-feedback under the field.
    "flask": Site(
        add_link="Create",
        edit_title="Edit Record",
        message=".alert-success",
        field_error=".invalid-feedback",
    ),
}


def log_in(page: Page, username: str, password: str, start: str = INDEX) -> None:
    """Open a page of the admin, which sends to the login page, and send the login form."""
    page.goto(start)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def item_row(page: Page, name: str) -> Locator:
    """The row of the item list that shows this name."""
    return page.get_by_role("row").filter(has=page.get_by_text(name, exact=True))


def fill_item_form(page: Page, name: str, description: str, quantity: int) -> None:
    """Fill the item's form as a person types it, and save."""
    page.get_by_label("Name").fill(name)
    page.get_by_label("Description").fill(description)
    page.get_by_label("Quantity").fill(str(quantity))
    page.get_by_role("button", name="Save", exact=True).click()


def open_add_form(page: Page, site: Site) -> None:
    """Open the item list and click through to the empty form."""
    page.goto(ITEMS)
    page.get_by_role("link", name=site.add_link, exact=True).click()


def open_edit_form(page: Page, site: Site, name: str) -> None:
    """Open the item list and click through to the item's edit form."""
    page.goto(ITEMS)
    site.edit_link_of(item_row(page, name), name).click()


def stylesheets(page: Page) -> dict[str, int]:
    """Each stylesheet the page links, and how many rules the browser read from it (0: none)."""
    return page.evaluate(
        """() => Object.fromEntries(
            Array.from(document.querySelectorAll('link[rel="stylesheet"]'),
                       link => [link.href, link.sheet ? link.sheet.cssRules.length : 0]))"""
    )


# The page checkers, pinned in browser_tests/package.json; `make test-browser` installs them.
NODE_MODULES = Path(__file__).resolve().with_name("node_modules")
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
# Debian's Java (default-jre-headless) runs the Nu Html Checker.
JAVA = shutil.which("java")
NO_CHECKERS = (
    f"axe-core or vnu-jar missing in {NODE_MODULES}, or no java: run `make test-browser` "
    "(it installs them; Java: `sudo apt-get install default-jre-headless`)"
)
# axe's impacts that fail a page: WCAG failures that block or seriously hinder someone.
SERIOUS = {"serious", "critical"}


def accessibility_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as shown, one line each."""
    page.add_script_tag(path=AXE)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in results["violations"]
        if violation["impact"] in SERIOUS
    ]


class HtmlChecker:
    """The Nu Html Checker (vnu.jar) as a web service on 127.0.0.1: started once, asked per page.

    One Java process for the run; starting one per page would cost seconds each.
    """

    def __init__(self) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/?out=json"
        self.process = subprocess.Popen(  # noqa: S603 - Debian's Java running the pinned jar
            [
                JAVA,
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU),
                "nu.validator.servlet.Main",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.session = http_session()

    def errors(self, html: str) -> list[str]:
        """The checker's errors in this HTML document, one line each ("line N: message")."""
        headers = {"Content-Type": "text/html; charset=utf-8"}
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = self.session.post(
                    self.url, data=html.encode(), headers=headers, timeout=60
                )
                break
            except requests.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        return [
            f"line {message.get('lastLine', '?')}: {message['message']}"
            for message in answer.json()["messages"]
            if message["type"] in ("error", "non-document-error")
        ]

    def stop(self) -> None:
        """End the Java process."""
        self.process.kill()
        self.process.wait()

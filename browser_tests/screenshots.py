"""`make screenshots`: each twin's home page, login, item list and edit form, as PNGs in docs/img/.

The twins run as in the browser tests (twin_servers/), loaded with the seed data by
their own seed commands, with an admin user named `admin`, as `make run` makes.
"""

from __future__ import annotations

import secrets
import subprocess
import sys

from playwright.sync_api import Browser, Page, expect, sync_playwright

from browser_tests.helpers import (
    ITEMS,
    LOGIN,
    NO_CHROMIUM,
    SITES,
    TWINS,
    VIEWPORT,
    have_chromium,
    launch_chromium,
    log_in,
    open_edit_form,
)
from twin_servers.pool import ServerPool
from twin_servers.server import ADMIN_COMMANDS, MAIN, REPO, VENV_BIN, Server

IMAGES = REPO / "docs" / "img"
SEED_COMMANDS = {
    "flask": [str(VENV_BIN / "flask"), "--app", "wsgi", "seed"],
    "django": [str(VENV_BIN / "python"), "manage.py", "seed"],
}
ADMIN_USERNAME = "admin"
EDITED = "Espresso beans"  # the seed item whose edit form is shown


def main() -> None:
    """Start both twins, photograph their pages, stop them."""
    if not have_chromium():
        sys.exit(f"make screenshots: {NO_CHROMIUM}")
    IMAGES.mkdir(exist_ok=True)
    pool = ServerPool([(twin, MAIN) for twin in TWINS])
    try:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for twin in TWINS:
                photograph(browser, pool.get(twin, MAIN))
            browser.close()
    finally:
        pool.stop()


def run_twin_command(server: Server, command: list[str], **env: str) -> None:
    """Run one of the twin's own commands against the server's database."""
    subprocess.run(  # noqa: S603 - the twin's own command, from the venv
        command,
        cwd=REPO / f"{server.twin}_impl",
        env=server.env | env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        check=True,
    )


def photograph(browser: Browser, server: Server) -> None:
    """Seed the twin, make its admin, and save its four pages."""
    password = secrets.token_urlsafe(16)
    run_twin_command(server, SEED_COMMANDS[server.twin])
    run_twin_command(
        server, ADMIN_COMMANDS[server.twin], ADMIN_USERNAME=ADMIN_USERNAME, ADMIN_PASSWORD=password
    )
    context = browser.new_context(base_url=server.base_url, viewport=VIEWPORT, color_scheme="light")
    page = context.new_page()
    page.goto("/")
    save(page, server.twin, "home")
    page.goto(LOGIN)
    save(page, server.twin, "login")
    log_in(page, ADMIN_USERNAME, password, start=ITEMS)
    expect(page).to_have_url(server.base_url + ITEMS)
    save(page, server.twin, "items")
    open_edit_form(page, SITES[server.twin], EDITED)
    expect(page.get_by_label("Name")).to_have_value(EDITED)
    save(page, server.twin, "edit")
    context.close()


def save(page: Page, twin: str, name: str) -> None:
    """Screenshot the page, once it has loaded, as docs/img/<twin>-<name>.png."""
    page.wait_for_load_state()
    path = IMAGES / f"{twin}-{name}.png"
    page.screenshot(path=path)
    print(path.relative_to(REPO))


if __name__ == "__main__":
    main()

"""Every page either twin renders is accessible and valid HTML.

axe-core finds no serious or critical WCAG violation on the page as the browser shows it, and the
Nu Html Checker no error in the HTML the page was served as. Both checkers are pinned in
package.json, which `make test-browser` installs.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Response

from browser_tests.helpers import (
    INDEX,
    ITEMS,
    LOGIN,
    accessibility_violations,
    fill_item_form,
    log_in,
    open_add_form,
    open_edit_form,
)

NOT_FOUND = "/no-such-page"
# Each page, and how a person reaches it: (whether as the logged-in admin, the steps).
PAGES = {
    "home": (False, lambda page, site, name: page.goto("/")),
    "404 page": (False, lambda page, site, name: page.goto(NOT_FOUND)),
    "login": (False, lambda page, site, name: page.goto(LOGIN)),
    # An unknown username: its failures lock out no one.
    "login with an error": (False, lambda page, site, name: log_in(page, name, "wrong")),
    "index": (True, lambda page, site, name: page.goto(INDEX)),
    "item list": (True, lambda page, site, name: page.goto(ITEMS)),
    "add form": (True, lambda page, site, name: open_add_form(page, site)),
    # The test's item has the name already: a form error.
    "add form with an error": (
        True,
        lambda page, site, name: (open_add_form(page, site), fill_item_form(page, name, "", 1)),
    ),
    "edit form": (True, open_edit_form),
    "item list after a save": (
        True,
        lambda page, site, name: (
            open_edit_form(page, site, name),
            fill_item_form(page, name, "Saved.", 2),
        ),
    ),
    "delete confirmation": (
        True,
        lambda page, site, name: (
            open_edit_form(page, site, name),
            page.get_by_role("link", name="Delete", exact=True).click(),
        ),
    ),
}


def served_documents(page: Page) -> list[Response]:
    """The answers to the page's navigations from now on, in order."""
    documents: list[Response] = []
    page.on(
        "response",
        lambda response: (
            documents.append(response)
            if response.request.is_navigation_request() and response.frame == page.main_frame
            else None
        ),
    )
    return documents


def assert_accessible_and_valid(page: Page, documents: list[Response], html_checker, shown: str):
    """No serious axe violation on the page shown; no checker error in the HTML it was served as."""
    page.wait_for_load_state()
    violations = accessibility_violations(page)
    assert violations == [], f"{shown}: axe: {'; '.join(violations)}"
    errors = html_checker.errors(documents[-1].text())
    assert errors == [], f"{shown}: Nu Html Checker: {'; '.join(errors)}"


# axe is injected as a script, which the pages' CSP rightly refuses: these pages bypass it (the
# other browser tests prove that the CSP blocks nothing the pages need).
@pytest.mark.parametrize("shown", PAGES)
def test_the_page_is_accessible_and_valid(
    new_page, watcher, admin_state, html_checker, site, api, unique_name, shown
):
    as_admin, reach = PAGES[shown]
    api.create(name=unique_name)
    page = new_page(admin_state if as_admin else None, bypass_csp=True)
    documents = served_documents(page)
    reach(page, site, unique_name)
    if page.url.endswith(NOT_FOUND):  # Chromium logs the 404 of the page itself as an error
        watcher.problems = [problem for problem in watcher.problems if NOT_FOUND not in problem]
    assert_accessible_and_valid(page, documents, html_checker, shown)


def test_the_logged_out_page_is_accessible_and_valid(
    new_page, html_checker, admin_credentials, server, ends_admin_sessions
):
    page = new_page(bypass_csp=True)
    log_in(page, *admin_credentials)
    documents = served_documents(page)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{server.base_url}/admin/logout/")
    assert_accessible_and_valid(page, documents, html_checker, "logged out")

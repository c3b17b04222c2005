"""The admin as a person uses it: log in, create, find, edit and delete an item, see the errors.

Both twins go through the same steps, by the labels and buttons a person reads; SITES in
helpers.py is the one place where the two admins differ.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from browser_tests.helpers import (
    INDEX,
    ITEMS,
    LOGIN,
    fill_item_form,
    item_row,
    log_in,
    open_add_form,
    open_edit_form,
    stylesheets,
)

LOGGED_OUT = "Thanks for spending some quality time with the web site today."
CONFIRM = "Yes, I\N{RIGHT SINGLE QUOTATION MARK}m sure"  # the button that confirms a delete


def fields_of(item: dict) -> tuple:
    """What the form sets of an item."""
    return item["name"], item["description"], item["quantity"]


# Logging in and out ---------------------------------------------------------------------------


def test_a_login_through_the_form_returns_to_the_page_and_logout_ends_it(
    page, server, admin_credentials, ends_admin_sessions
):
    page.goto(ITEMS)
    # The login page opens with the cursor in Username (Django's form: autofocus; Flask's too).
    expect(page.get_by_label("Username")).to_be_focused()
    log_in(page, *admin_credentials, start=ITEMS)
    expect(page).to_have_url(server.base_url + ITEMS)
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text(LOGGED_OUT)).to_be_visible()
    page.goto(INDEX)
    expect(page).to_have_url(f"{server.base_url}{LOGIN}?next={INDEX}")


def test_a_wrong_password_is_an_error_shown_on_the_login_form(page, server, admin_credentials):
    username, password = admin_credentials
    log_in(page, username, password + "-wrong")
    expect(page.get_by_text("Please enter the correct username and password")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(server.base_url + LOGIN)))
    expect(page.get_by_label("Username")).to_have_value(username)


# How the pages load ----------------------------------------------------------------------------

ADMIN_PAGES = {
    "index": lambda page, site, name: page.goto(INDEX),
    "item list": lambda page, site, name: page.goto(ITEMS),
    "add form": lambda page, site, name: open_add_form(page, site),
    "edit form": open_edit_form,
    "delete confirmation": lambda page, site, name: (
        open_edit_form(page, site, name),
        page.get_by_role("link", name="Delete", exact=True).click(),
    ),
}


def assert_styled_without_errors(page: Page, watcher, shown: str) -> None:
    """Every stylesheet of the page was read, the admin's CSS applies, nothing was logged."""
    page.wait_for_load_state()  # a click's navigation may still be loading its stylesheets
    sheets = stylesheets(page)
    assert sheets, f"{shown}: links no stylesheet"
    assert [href for href, rules in sheets.items() if not rules] == [], f"{shown}: not read"
    # Both admins' CSS set the body's margin to 0 (Chromium's default is 8px).
    body_margin = page.locator("body").evaluate("body => getComputedStyle(body).margin")
    assert body_margin == "0px", f"{shown}: the admin's CSS does not apply"
    assert watcher.problems == [], f"{shown}: logged errors"


def test_an_anonymous_visit_is_sent_to_the_login_form_styled_without_errors(page, watcher, server):
    page.goto(ITEMS)
    expect(page).to_have_url(f"{server.base_url}{LOGIN}?next={ITEMS}")
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password")).to_have_attribute("type", "password")
    assert_styled_without_errors(page, watcher, "login")


def test_every_admin_page_is_styled_without_errors(admin_page, watcher, site, api, unique_name):
    api.create(name=unique_name)
    for shown, open_admin_page in ADMIN_PAGES.items():
        open_admin_page(admin_page, site, unique_name)
        expect(admin_page.get_by_role("button", name="Log out")).to_be_visible()
        assert_styled_without_errors(admin_page, watcher, shown)


# Items ----------------------------------------------------------------------------------------


def test_an_item_created_in_the_form_is_in_the_list_the_api_and_the_home_page(
    admin_page, site, api, unique_name
):
    page = admin_page
    open_add_form(page, site)
    fill_item_form(page, unique_name, "Made in a browser.", 5)
    expect(page.locator(site.message)).to_be_visible()
    expect(item_row(page, unique_name)).to_contain_text("5")
    [item] = api.get("/api/items", params={"q": unique_name}).json()["items"]
    assert fields_of(item) == (unique_name, "Made in a browser.", 5)
    page.goto("/")
    expect(page.get_by_text(unique_name, exact=True)).to_be_visible()


def test_search_shows_the_item_and_not_another(admin_page, api, unique_name):
    wanted, other = (api.create(name=f"{unique_name}-{part}") for part in ("wanted", "other"))
    page = admin_page
    page.goto(ITEMS)
    expect(item_row(page, other["name"])).to_be_visible()
    search = page.get_by_role("search")
    search.get_by_role("textbox").fill(wanted["name"])
    search.get_by_role("button", name="Search").click()
    expect(item_row(page, other["name"])).to_have_count(0)
    expect(item_row(page, wanted["name"])).to_be_visible()


def test_an_item_edited_in_the_form_changes_in_the_list_and_the_api(
    admin_page, site, api, unique_name
):
    item = api.create(name=unique_name, description="As created.", quantity=1)
    page = admin_page
    open_edit_form(page, site, unique_name)
    expect(page.get_by_label("Name")).to_have_value(unique_name)
    fill_item_form(page, f"{unique_name}-edited", "Edited in a browser.", 8)
    expect(page.locator(site.message)).to_be_visible()
    expect(item_row(page, f"{unique_name}-edited")).to_contain_text("8")
    assert fields_of(api.item(item["id"])) == (f"{unique_name}-edited", "Edited in a browser.", 8)


def test_an_item_deleted_through_the_confirmation_page_is_gone(admin_page, site, api, unique_name):
    item = api.create(name=unique_name)
    page = admin_page
    open_edit_form(page, site, unique_name)
    page.get_by_role("link", name="Delete", exact=True).click()
    expect(page.get_by_text("Are you sure you want to delete")).to_contain_text(unique_name)
    page.get_by_role("button", name=CONFIRM).click()
    expect(page.locator(site.message)).to_be_visible()
    expect(item_row(page, unique_name)).to_have_count(0)
    assert api.get(f"/api/items/{item['id']}").status_code == 404


INVALID_NAMES = [
    pytest.param(lambda taken: "   ", id="blank name"),
    pytest.param(lambda taken: taken, id="taken name"),
]


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_an_invalid_name_is_an_error_shown_on_the_form_and_stores_nothing(
    admin_page, site, api, unique_name, name
):
    api.create(name=unique_name)
    count = api.count()
    page = admin_page
    open_add_form(page, site)
    fill_item_form(page, name(unique_name), "", 1)
    expect(page.locator(site.field_error)).to_be_visible()
    expect(page.get_by_label("Name")).to_be_visible()
    assert api.count() == count

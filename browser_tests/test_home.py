"""The home page as a browser renders it: its stylesheet applies, and its CSP blocks the rest."""

from playwright.sync_api import expect

from browser_tests.helpers import stylesheets

# Computed styles that only items/style.css gives (Chromium's defaults: none, 8px, normal).
STYLED = {
    "body": {"max-width": "640px", "margin-top": "32px"},
    "header": {"border-bottom": "1px solid rgb(221, 221, 221)"},
    ".served-by": {"color": "rgb(102, 102, 102)"},
}


def computed(page, selector: str, prop: str) -> str:
    """The computed value of a CSS property of the first element matching selector."""
    return page.locator(selector).first.evaluate(
        "(element, prop) => getComputedStyle(element).getPropertyValue(prop)", prop
    )


def test_home_page_is_styled_by_its_stylesheet_with_nothing_blocked(
    page, watcher, twin, api, unique_name
):
    api.create(name=unique_name, quantity=3)
    page.goto("/")
    expect(page.get_by_text(f"Served by {twin.capitalize()}")).to_be_visible()
    expect(page.get_by_text(unique_name, exact=True)).to_be_visible()
    [(href, rules)] = stylesheets(page).items()
    assert "/static/items/style" in href
    assert rules > 0, f"{href}: no rules were read (blocked, or not CSS)"
    for selector, styles in STYLED.items():
        for prop, value in styles.items():
            assert computed(page, selector, prop) == value, f"{selector} {{{prop}}}"
    assert watcher.problems == []


def test_home_page_csp_blocks_an_inline_style_and_the_console_shows_it(page, watcher):
    page.goto("/")
    color = computed(page, "body", "color")
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate(
            """() => document.head.insertAdjacentHTML(
                "beforeend", "<style>body { color: red }</style>")"""
        )
    assert computed(page, "body", "color") == color
    assert any("Content Security Policy" in problem for problem in watcher.problems)
    watcher.problems.clear()  # the block was the point of this test

"""The header's "More" menu closes on a click outside it or on Escape, and still works without JavaScript.

It is a ``<details>``: without a script it opened and closed only from its own summary,
so it stayed open over the page after a click elsewhere. Headless Chromium against the
demo shop's server.
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from conftest import Shop, log_in


def test_the_more_menu_closes_on_a_click_outside_or_escape(page: Any, shop: Shop) -> None:
    log_in(page, shop.admin_token)
    nav = page.get_by_role("navigation", name="Main")
    summary, surveys = nav.locator("summary"), nav.get_by_role("link", name="Surveys")
    summary.click()
    expect(surveys).to_be_visible()
    nav.locator("details ul").evaluate("list => list.click()")  # a click inside the menu leaves it open
    expect(surveys).to_be_visible()
    page.locator("footer.site-footer").click()
    expect(surveys).to_be_hidden()
    summary.click()
    expect(surveys).to_be_visible()
    surveys.focus()
    page.keyboard.press("Escape")
    expect(surveys).to_be_hidden()
    expect(summary).to_be_focused()  # focus was in the menu: it goes back to its summary, not to the page's start


def test_without_javascript_the_menu_still_opens_and_closes_from_its_summary(browser: Any, shop: Shop) -> None:
    context = browser.new_context(viewport={"width": 1360, "height": 900}, base_url=shop.url, java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        log_in(page, shop.admin_token)
        nav = page.get_by_role("navigation", name="Main")
        summary, surveys = nav.locator("summary"), nav.get_by_role("link", name="Surveys")
        summary.click()
        expect(surveys).to_be_visible()
        summary.click()
        expect(surveys).to_be_hidden()
    finally:
        context.close()

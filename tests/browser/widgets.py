"""Driving antd widgets the way a person does, without racing their animations.

A single select opens a drop-down in a portal and closes it with an
animation. On a loaded machine the list of the select just used can still
be visible (closing) when the next one opens, so "the visible drop-down" is
ambiguous, and a click can land while the list still slides in and be lost.
`choose` finds the drop-down that belongs to *this* select (rc-select names
its listbox `<input id>_list`), picks the option, and does not return until
the select shows it.
"""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

ANT_SELECT = (
    "xpath=ancestor::div[contains(concat(' ', normalize-space(@class), ' '), ' ant-select ')][1]"
)


def select_root(select: Locator) -> Locator:
    """The antd Select itself, given it, a wrapper around it, or its search input
    (which is what a form label points at)."""
    if select.evaluate("element => element.tagName") == "INPUT":
        return select.locator(ANT_SELECT)
    return select


def dropdown_of(select: Locator) -> Locator:
    """The drop-down that `select` (an antd Select, a wrapper or its input) opened."""
    search = select_root(select).locator("input").first
    listbox = search.get_attribute("id")
    if not listbox:
        raise AssertionError(
            "an antd Select without an input id: its drop-down cannot be told apart"
        )
    return select.page.locator(f".ant-select-dropdown:has([id='{listbox}_list'])")


def choose(select: Locator, option: str, *, search: str | None = None, exact: bool = True) -> None:
    """Open `select`, optionally type `search`, pick `option`, and wait until it shows.

    Tries at most three times: a pick that an animation swallowed leaves the
    select unchanged, which the check after each try notices.
    """
    root = select_root(select)
    text = re.compile(rf"^\s*{re.escape(option)}\s*$") if exact else option
    dropdown = dropdown_of(select)
    for attempt in range(3):
        if not dropdown.is_visible():
            root.click()
        if search is not None:
            root.locator("input").first.fill(search)
        dropdown.locator(".ant-select-item-option").filter(has_text=text).first.click()
        try:
            expect(root).to_contain_text(option, timeout=3000)
            expect(dropdown).to_be_hidden(timeout=3000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def choose_by_test_id(select: Locator, option: Locator) -> None:
    """Pick `option` (located by its test id) from `select`, single or multiple,
    and wait until the option is marked selected; at most three tries."""
    for attempt in range(3):
        if not option.is_visible():
            select_root(select).click()
        option.click()
        try:
            expect(option).to_have_class(
                re.compile(r"ant-select-item-option-selected"), timeout=3000
            )
            return
        except AssertionError:
            if attempt == 2:
                raise


def pick_from_menu(trigger: Locator, item: Locator, *, then: Locator) -> None:
    """Open a drop-down menu with `trigger`, click `item`, and wait for `then` to
    appear; a click lost to the menu's opening animation is tried again."""
    for attempt in range(3):
        if not item.is_visible():
            trigger.click()
        item.click()
        try:
            expect(then).to_be_visible(timeout=3000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def open_menu(trigger: Locator, item: Locator) -> None:
    """Open a drop-down menu with `trigger` until `item` shows (a list that
    re-renders as its data arrives can close a menu opened a moment before)."""
    for attempt in range(3):
        if not item.is_visible():
            trigger.click()
        try:
            expect(item).to_be_visible(timeout=3000)
            return
        except AssertionError:
            if attempt == 2:
                raise


def list_settled(page: Page) -> None:
    """Wait until the record list has answered: rows, or its empty state."""
    table = page.get_by_test_id("record-table")
    expect(table.locator("tbody tr.ant-table-row, tbody .ant-empty")).not_to_have_count(0)
    expect(table.locator(".ant-spin-spinning")).to_have_count(0)

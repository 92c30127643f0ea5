"""The main pages at desktop and phone widths: screenshots in /tmp/shots, nothing wider than the screen, axe at both sizes."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_blocking, format_violations, screenshot

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 800}}


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=list(VIEWPORTS))
def test_main_pages_fit_the_screen(page, bworld, sign_in, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    shots = [
        ("school", f"/schools/{bworld.school.code}/"),
        ("person", f"/people/{bworld.ect.person.code}/"),
    ]
    staff_shots = [("hub-overview", "/hub/"), ("people", "/people/")]
    overflowing, violations = [], []
    for who, pages in ((bworld.tutor.person.user, shots), (bworld.staff.user, staff_shots)):
        sign_in(who)  # replaces the session cookie
        for name, path in pages:
            page.goto(path)
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            screenshot(page, f"{name}-{viewport}")
            # A table may scroll inside its own wrapper; the page itself must not scroll sideways.
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > VIEWPORTS[viewport]["width"]:
                overflowing.append(f"{path} is {width}px wide")
            if blocking := axe_blocking(page):  # e.g. a table that scrolls sideways but cannot be reached by keyboard
                violations.append(f"== {path}\n{format_violations(blocking)}")
    assert not overflowing, overflowing
    assert not violations, "\n".join(violations)

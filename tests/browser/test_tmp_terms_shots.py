from django_scopes import scopes_disabled
from schools import terms
from tests.browser.conftest import screenshot
from tests.conftest import typical_term_dates


def test_shots(page, bworld, sign_in):
    with scopes_disabled():
        terms.save_year(bworld.hub, 2025, typical_term_dates(2025))
    sign_in(bworld.staff.user)
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto("/hub/terms/2025/")
    page.get_by_label("Autumn 2 first day").fill("2025-10-20")
    page.get_by_role("button", name="Save term dates").click()
    screenshot(page, "terms-edit-errors")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/hub/terms/new/")
    screenshot(page, "terms-new-mobile")
    page.goto("/hub/terms/")
    screenshot(page, "terms-list-mobile")

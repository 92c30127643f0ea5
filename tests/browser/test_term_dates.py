"""Hub staff keep their hub's term dates: change a half term, see a bad change refused, copy a year."""

import datetime
import re

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from schools import terms
from schools.models import HalfTerm
from tests.browser.conftest import axe_check
from tests.conftest import typical_term_dates


def _stored(hub, year, name):
    with scopes_disabled():
        half_term = HalfTerm.objects.get(hub=hub, academic_year=year, name=name)
    return half_term.start_date, half_term.end_date


def test_staff_change_a_half_terms_dates_and_a_bad_change_is_refused(page, bworld, sign_in):
    with scopes_disabled():
        terms.save_year(bworld.hub, 2025, typical_term_dates(2025))
    sign_in(bworld.staff.user)
    page.goto("/hub/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Term dates").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Term dates")
    year = page.get_by_role("region", name="2025/26")
    expect(year.get_by_role("row", name=re.compile("^Spring 2"))).to_contain_text("Mon 23 Feb 2026")
    axe_check(page)

    year.get_by_role("link", name="Edit 2025/26 term dates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit 2025/26 term dates")
    expect(page.get_by_label("Spring 2 first day")).to_have_value("2026-02-23")
    axe_check(page)

    page.get_by_label("Spring 2 first day").fill("2026-02-24")
    page.get_by_label("Spring 2 last day").fill("2026-03-31")
    page.get_by_role("button", name="Save term dates").click()

    expect(page).to_have_url(re.compile(r"/hub/terms/$"))
    expect(page.get_by_role("status")).to_contain_text("Term dates for 2025/26 saved.")
    spring2 = page.get_by_role("region", name="2025/26").get_by_role("row", name=re.compile("^Spring 2"))
    expect(spring2).to_contain_text("Tue 24 Feb 2026")
    expect(spring2).to_contain_text("Tue 31 Mar 2026")
    assert _stored(bworld.hub, 2025, "spring2") == (datetime.date(2026, 2, 24), datetime.date(2026, 3, 31))

    # Autumn 2 may not start before Autumn 1 ends.
    page.get_by_role("link", name="Edit 2025/26 term dates").click()
    page.get_by_label("Autumn 2 first day").fill("2025-10-20")
    page.get_by_role("button", name="Save term dates").click()

    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    field = page.get_by_label("Autumn 2 first day")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("2025-10-20")
    expect(page.locator("#id_autumn2_start_error")).to_contain_text("before Autumn 1 ends (24 Oct 2025)")
    axe_check(page)  # the form with its errors
    assert _stored(bworld.hub, 2025, "autumn2") == (datetime.date(2025, 11, 3), datetime.date(2025, 12, 19))


def test_staff_copy_the_last_year_forward_and_are_asked_to_check_it(page, bworld, sign_in):
    with scopes_disabled():
        terms.save_year(bworld.hub, 2025, typical_term_dates(2025))
    sign_in(bworld.staff.user)
    page.goto("/hub/terms/")

    page.get_by_role("button", name="Copy 2025/26 forward to 2026/27").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check 2026/27 term dates")
    expect(page.get_by_role("status")).to_contain_text("Nothing is saved yet")
    expect(page.get_by_label("Autumn 1 first day")).to_have_value("2026-09-02")
    axe_check(page)
    with scopes_disabled():
        assert not HalfTerm.objects.filter(hub=bworld.hub, academic_year=2026).exists()
    page.get_by_label("Spring 2 last day").fill("2027-03-26")
    page.get_by_role("button", name="Save term dates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Term dates")
    expect(page.get_by_role("status")).to_contain_text("Term dates for 2026/27 added.")
    with scopes_disabled():
        assert HalfTerm.objects.get(hub=bworld.hub, academic_year=2026, name="spring2").end_date == datetime.date(2027, 3, 26)


def test_the_empty_page_and_the_new_year_form_pass_axe(page, bworld, sign_in):
    sign_in(bworld.staff.user)
    page.goto("/hub/terms/")
    expect(page.get_by_text("This hub has no term dates yet.")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Add the first year").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a year's term dates")
    axe_check(page)

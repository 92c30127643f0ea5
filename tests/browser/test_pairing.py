"""A tutor pairs the ECTs without a mentor from the school page, in one go."""

import re

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from participants import services
from tests import factories
from tests.browser.conftest import axe_check


def test_a_tutor_pairs_ects_without_a_mentor_from_the_school_page(page, bworld, sign_in):
    with scopes_disabled():
        newcomer = factories.ECTFactory(school=bworld.school, person__first_name="Siobhán", person__last_name="O'Connor")
    sign_in(bworld.tutor.person.user)
    page.goto(f"/schools/{bworld.school.code}/")
    expect(page.get_by_role("heading", name="ECTs without a mentor (2)")).to_be_visible()
    axe_check(page)

    page.get_by_label(f"Mentor for {bworld.unmentored_ect.person}").select_option(label=str(bworld.mentor.person))
    page.get_by_label("Mentor for Siobhán O'Connor").select_option(label=str(bworld.mentor.person))
    with scopes_disabled():
        services.change_mentor(newcomer, bworld.mentor, None)  # someone else was quicker for this one
    page.get_by_role("button", name="Save mentors").click()

    field = page.get_by_label("Mentor for Siobhán O'Connor")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(re.compile("has a mentor now"))
    axe_check(page)  # the form with a row's error: nothing saved
    with scopes_disabled():
        assert services.current_mentor_assignment(bworld.unmentored_ect) is None

    page.goto(f"/schools/{bworld.school.code}/")
    page.get_by_label(f"Mentor for {bworld.unmentored_ect.person}").select_option(label=str(bworld.mentor.person))
    page.get_by_role("button", name="Save mentors").click()

    expect(page.get_by_role("status")).to_contain_text("Mentor saved for 1 ECT.")
    expect(page.get_by_text(f"Every ECT in training at {bworld.school.name} has a mentor.")).to_be_visible()
    axe_check(page)
    with scopes_disabled():
        assert services.current_mentor_assignment(bworld.unmentored_ect).mentor == bworld.mentor

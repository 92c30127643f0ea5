"""Ending a mentor who has ECTs: the tutor chooses each ECT's next mentor, or "No mentor yet"."""

import re

from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from participants import services
from tests import factories
from tests.browser.conftest import axe_check


def test_tutor_ends_a_mentor_and_hands_over_their_ects(page, bworld, sign_in):
    with scopes_disabled():
        factories.MentorAssignmentFactory(ect=bworld.unmentored_ect, mentor=bworld.mentor)
        second = factories.MentorFactory(school=bworld.school, person__user__first_name="Bea", person__user__last_name="Second")
    kept, left = bworld.ect.person, bworld.unmentored_ect.person
    sign_in(bworld.tutor.person.user)
    page.goto(f"/people/{bworld.mentor.person.code}/")
    page.get_by_role("link", name="End this role").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("role at Elm Primary")
    expect(page.get_by_role("group", name=f"New mentor for {kept}")).to_be_visible()
    expect(page.get_by_role("group", name=f"New mentor for {left}")).to_be_visible()
    axe_check(page)

    page.get_by_role("button", name="End role").click()  # no choice made: each ECT is asked for
    expect(page.get_by_text(f"Choose {kept}’s new mentor, or “No mentor yet”.")).to_be_visible()
    axe_check(page)

    page.get_by_role("group", name=f"New mentor for {kept}").get_by_label("Bea Second").check()
    page.get_by_role("group", name=f"New mentor for {left}").get_by_label("No mentor yet").check()
    page.get_by_role("button", name="End role").click()
    expect(page).to_have_url(re.compile(rf"/people/{bworld.mentor.person.code}/$"))
    expect(page.get_by_role("status")).to_contain_text("Role ended.")

    page.goto(f"/people/{left.code}/")
    expect(page.get_by_text("No mentor", exact=True)).to_be_visible()
    axe_check(page)
    page.goto(f"/schools/{bworld.school.code}/")
    ects = page.get_by_role("table", name=f"ECTs at {bworld.school.name}", exact=True)
    row = ects.get_by_role("row").filter(has=page.get_by_role("link", name=str(left), exact=True))
    expect(row).to_contain_text("No mentor")
    expect(page.get_by_role("table", name=f"ECTs without a mentor at {bworld.school.name}")).to_contain_text(str(left))
    axe_check(page)

    with scopes_disabled():
        assert services.current_mentor_assignment(bworld.ect).mentor == second
        assert services.current_mentor_assignment(bworld.unmentored_ect) is None
        bworld.mentor.refresh_from_db()
        assert bworld.mentor.finished_on == timezone.localdate()

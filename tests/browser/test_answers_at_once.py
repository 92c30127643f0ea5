"""Actions that queue work answer at once with what will happen: "Recalculate now" and set-up e-mails."""

from playwright.sync_api import expect

from tests.browser.conftest import axe_check


def test_recalculate_now_answers_at_once(page, bworld, sign_in):
    sign_in(bworld.tutor.person.user)
    page.goto(f"/schools/{bworld.school.code}/engagement/")
    page.get_by_role("button", name="Recalculate now").click()
    expect(page.get_by_text("the figures will be updated within a minute")).to_be_visible()
    axe_check(page)


def test_a_second_set_up_email_within_minutes_is_refused_with_a_message(page, bworld, sign_in):
    sign_in(bworld.tutor.person.user)
    page.goto(f"/people/{bworld.ect.person.code}/")
    page.get_by_role("button", name="Send a set-up e-mail").click()
    expect(page.get_by_role("status")).to_contain_text("A set-up e-mail is on its way")
    page.get_by_role("button", name="Send a set-up e-mail").click()
    expect(page.get_by_role("status")).to_contain_text("a moment ago; another can be sent from")
    axe_check(page)

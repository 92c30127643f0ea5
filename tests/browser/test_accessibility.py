"""axe on every main page, as the role that uses it: no serious or critical violations."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_check
from tests.factories import UserFactory


def _staff(w):
    return w.staff.user


def _tutor(w):
    return w.tutor.person.user


def _mentor(w):
    return w.mentor.person.user


# (id, who signs in (None: nobody), path)
PAGES = [
    ("login", None, lambda w: "/accounts/login/"),
    ("login-code-request", None, lambda w: "/accounts/login/code/"),
    ("password-reset", None, lambda w: "/accounts/password/reset/"),
    ("accessibility-statement", None, lambda w: "/accessibility/"),
    ("hub-overview", _staff, lambda w: "/hub/"),
    ("people-list", _staff, lambda w: "/people/"),
    ("invite", _staff, lambda w: "/hub/invite/"),
    ("school-create", _staff, lambda w: "/schools/new/"),
    ("school-edit", _staff, lambda w: f"/schools/{w.school.code}/edit/"),
    ("school-page-as-staff", _staff, lambda w: f"/schools/{w.school.code}/"),
    ("school-page-as-tutor", _tutor, lambda w: f"/schools/{w.school.code}/"),
    ("person-add", _tutor, lambda w: f"/schools/{w.school.code}/people/new/"),
    ("people-list-as-tutor", _tutor, lambda w: "/people/"),
    ("person-page-ect-with-mentor", _tutor, lambda w: f"/people/{w.ect.person.code}/"),
    ("person-page-mentor", _tutor, lambda w: f"/people/{w.mentor.person.code}/"),
    ("person-page-tutor", _staff, lambda w: f"/people/{w.tutor.person.code}/"),
    ("person-edit", _tutor, lambda w: f"/people/{w.ect.person.code}/edit/"),
    ("ect-edit", _tutor, lambda w: f"/ects/{w.ect.code}/edit/"),
    ("change-mentor", _tutor, lambda w: f"/ects/{w.ect.code}/mentor/"),
    ("change-status", _tutor, lambda w: f"/ects/{w.ect.code}/status/"),
    ("role-end", _tutor, lambda w: f"/roles/{w.mentor.code}/end/"),
    ("mentor-home", _mentor, lambda w: "/mentoring/"),
    ("own-page-as-ect", lambda w: w.ect.person.user, lambda w: f"/people/{w.ect.person.code}/"),
    ("accessibility-statement-signed-in", _mentor, lambda w: "/accessibility/"),
]


@pytest.mark.parametrize(("who", "path"), [p[1:] for p in PAGES], ids=[p[0] for p in PAGES])
def test_page_has_no_serious_accessibility_violations(page, bworld, sign_in, who, path):
    if who is not None:
        sign_in(who(bworld))
    url = path(bworld)
    response = page.goto(url)
    assert response.status == 200, f"{url} answered {response.status}"
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_count(1)
    axe_check(page)


def test_no_role_page(page, bworld, sign_in):
    sign_in(UserFactory(email="nobody@example.org"))
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You have no role yet")
    axe_check(page)


def test_add_person_form_with_errors(page, bworld, sign_in):
    sign_in(_tutor(bworld))
    page.goto(f"/schools/{bworld.school.code}/people/new/")
    page.get_by_label("ECT", exact=True).check()
    page.get_by_label("E-mail address").fill("not an e-mail")
    page.get_by_label("Cohort start year").fill("")
    page.get_by_role("button", name="Add person").click()
    first_name = page.get_by_label("First name")
    expect(first_name).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("E-mail address")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("This field is required for an ECT.").first).to_be_visible()
    axe_check(page)


def test_login_with_errors(page, bworld):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(bworld.staff.user.email)
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_text("not correct")).to_be_visible()
    axe_check(page)


def test_login_code_confirm_page(page, bworld):
    page.goto("/accounts/login/code/")
    page.get_by_label("Email").fill(bworld.mentor.person.user.email)
    page.get_by_role("button", name="Request code").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/$"))
    axe_check(page)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page, bworld, sign_in):
    sign_in(_staff(bworld))
    page.goto("/hub/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues from inside main, not from the top of the page.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")

"""Signing in through the real pages, by password and by an e-mailed code, as every role."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import enter_authenticator_code, last_login_code, sign_in_with_password


def _expect_home(page, world, role):
    """Each role lands on its own home page."""
    heading = page.get_by_role("heading", level=1)
    if role == "staff":
        expect(page).to_have_url(re.compile(r"/hub/$"))
        expect(heading).to_have_text(world.hub.name)
    elif role == "tutor":
        expect(page).to_have_url(re.compile(rf"/schools/{world.school.code}/engagement/$"))
        expect(heading).to_have_text("Engagement at Elm Primary")
    elif role == "mentor":
        expect(page).to_have_url(re.compile(r"/mentoring/$"))
        expect(heading).to_have_text("My ECTs")
        # Exact: the row's other links ("Study of …", "Coaching record of …") name the ECT too.
        expect(page.get_by_role("link", name=str(world.ect.person), exact=True)).to_be_visible()
    elif role == "ect":
        expect(page).to_have_url(re.compile(rf"/ects/{world.ect.code}/study/$"))
        expect(heading).to_have_text("My study")
    else:  # pragma: no cover
        raise AssertionError(role)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _email(world, role):
    return {
        "staff": world.staff.user.email,
        "tutor": world.tutor.person.user.email,
        "mentor": world.mentor.person.user.email,
        "ect": world.ect.person.user.email,
    }[role]


ROLES = ["staff", "tutor", "mentor", "ect"]


@pytest.mark.parametrize("role", ROLES)
def test_sign_in_with_password_lands_on_the_roles_home(page, bworld, role):
    sign_in_with_password(page, _email(bworld, role))
    if role == "staff":  # hub staff have two-factor authentication
        enter_authenticator_code(page)
    _expect_home(page, bworld, role)


@pytest.mark.parametrize("role", ROLES)
def test_sign_in_with_an_emailed_code_lands_on_the_roles_home(page, bworld, role):
    email = _email(bworld, role)
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Send me a sign-in code").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/$"))
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Request code").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/$"))
    assert len(mail.outbox) == 1
    page.get_by_label("Code").fill(last_login_code(email))
    page.get_by_role("button", name="Confirm").click()
    if role == "staff":
        enter_authenticator_code(page)
    _expect_home(page, bworld, role)


def test_a_wrong_password_shows_an_error_and_stays_signed_out(page, bworld):
    sign_in_with_password(page, bworld.staff.user.email, "not-the-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_text("The email address and/or password you specified are not correct.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    # Accounts are invite-only: the page does not send anyone to a closed sign-up form.
    expect(page.get_by_role("link", name=re.compile("sign up", re.IGNORECASE))).to_have_count(0)
    page.goto("/hub/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/hub/$"))


def test_a_wrong_code_is_refused(page, bworld):
    email = bworld.mentor.person.user.email
    page.goto("/accounts/login/code/")
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Request code").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/code/confirm/$"))
    real = last_login_code(email)
    page.get_by_label("Code").fill("AAAA-AAAA" if real != "AAAA-AAAA" else "BBBB-BBBB")
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

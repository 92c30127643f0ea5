"""Two-factor sign-in and set-up in a real browser, the account pages' accessibility, and pages
(with their htmx) running under the Content-Security-Policy without a single violation."""

import re

import pytest
from django.core import mail
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import axe_check, enter_authenticator_code, screenshot, sign_in_with_password
from tests.factories import PASSWORD, totp_code


@pytest.fixture
def console_errors(page):
    """Every console error and CSP violation the page reports (a CSP block is logged as an error)."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_hub_staff_sign_in_with_a_code_from_their_authenticator_app(page, bworld, console_errors):
    sign_in_with_password(page, bworld.staff.user.email)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    axe_check(page)
    screenshot(page, "mfa-authenticate")
    page.get_by_label("Code").fill("000000" if totp_code() != "000000" else "111111")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text("Incorrect code.")).to_be_visible()
    expect(page.get_by_label("Code")).to_have_attribute("aria-invalid", "true")
    axe_check(page)
    enter_authenticator_code(page, totp_code())
    expect(page).to_have_url(re.compile(r"/hub/$"))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert console_errors == []


def test_new_hub_staff_set_up_an_authenticator_app_before_using_the_hub(page, bworld, console_errors):
    with scopes_disabled():
        person = factories.PersonFactory(
            hub=bworld.hub, hub_role="admin", authenticator=False, user__email="new-admin@north.example.org"
        )
    sign_in_with_password(page, person.user.email)
    # allauth asks for the password again before a second factor is added.
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    expect(page.get_by_text("Hub staff must use two-factor authentication")).to_be_visible()
    axe_check(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Confirm", re.IGNORECASE)).click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    axe_check(page)
    screenshot(page, "mfa-activate")
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    codes = page.get_by_label("Unused recovery codes").input_value().split()
    assert len(codes) == 10
    axe_check(page)
    screenshot(page, "mfa-recovery-codes")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/hub/$"))
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Two-factor authentication", re.IGNORECASE))
    axe_check(page)
    assert console_errors == []


ACCOUNT_PAGES = [
    ("/accounts/login/", "Sign in"),
    ("/accounts/login/code/", "Sign in with a code"),
    ("/accounts/password/reset/", "Reset your password"),
]


@pytest.mark.parametrize("path, heading", ACCOUNT_PAGES)
def test_sign_in_pages_are_in_the_apps_layout_and_accessible(page, bworld, console_errors, path, heading):
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(heading, re.IGNORECASE))
    expect(page.get_by_role("link", name="Skip to main content")).to_be_attached()
    expect(page.get_by_role("link", name="Accessibility")).to_be_visible()
    axe_check(page)
    screenshot(page, "account" + path.replace("/", "-").rstrip("-"))
    assert console_errors == []


def test_password_reset_from_the_emailed_link(page, bworld, console_errors):
    email = bworld.tutor.person.user.email
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    axe_check(page)
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mail.outbox[-1].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    axe_check(page)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("New password (again)", exact=True).fill("short")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_label("New password", exact=True)).to_have_attribute("aria-invalid", "true")
    axe_check(page)
    page.get_by_label("New password", exact=True).fill("a-new-password-2026")
    page.get_by_label("New password (again)", exact=True).fill("a-new-password-2026")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert console_errors == []


def test_password_change_and_account_pages_for_a_signed_in_person(page, bworld, console_errors):
    sign_in_with_password(page, bworld.mentor.person.user.email)
    page.get_by_role("link", name="Account").click()
    axe_check(page)
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Password").click()
    expect(page).to_have_url(re.compile(r"/accounts/password/change/$"))
    axe_check(page)
    page.get_by_label("Current password", exact=True).fill("wrong")
    page.get_by_label("New password", exact=True).fill("a-new-password-2026")
    page.get_by_label("New password (again)", exact=True).fill("a-new-password-2026")
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Please type your current password.")).to_be_visible()
    axe_check(page)
    screenshot(page, "account-password-change-error")
    assert console_errors == []


def test_htmx_search_works_under_the_content_security_policy(page, bworld, sign_in, console_errors):
    sign_in(bworld.staff.user)
    response = page.goto("/hub/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"].count("no-store") == 1
    page.get_by_label(re.compile("Search", re.IGNORECASE)).first.fill("Oak")
    expect(page.get_by_role("link", name="Elm Primary")).to_have_count(0)
    expect(page.get_by_role("link", name="Oak Academy")).to_be_visible()
    page.goto(f"/schools/{bworld.school.code}/engagement/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert console_errors == []


def test_a_mentor_may_turn_two_factor_authentication_on_and_off(page, bworld, console_errors):
    sign_in_with_password(page, bworld.mentor.person.user.email)
    page.get_by_role("link", name="Account").click()
    expect(page.get_by_text("It is optional for you")).to_be_visible()
    page.get_by_role("button", name="Set up an authenticator app").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    secret = page.get_by_label("Authenticator secret").input_value()
    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/$"))
    page.get_by_role("link", name="Account").click()
    page.get_by_role("button", name="Generate new codes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New recovery codes")
    axe_check(page)
    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("button", name="Turn off").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Turn off two-factor authentication")
    axe_check(page)
    page.get_by_role("button", name="Turn off").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication")
    expect(page.get_by_text("Off.", exact=True)).to_be_visible()
    assert console_errors == []

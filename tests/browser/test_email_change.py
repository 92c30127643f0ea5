"""A tutor changes an ECT's e-mail; the ECT confirms it from the new address. axe on every page."""

import re

from django.conf import settings
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import axe_check

NEW = "ada.byron@newmail.example.org"


def _link_sent_to(address):
    [message] = [m for m in mail.outbox if m.to == [address]]
    return re.search(r"^(http\S+/email-change/\S+)$", message.body, re.MULTILINE).group(1)


def test_a_changed_e_mail_waits_for_confirmation_from_the_new_address(page, bworld, sign_in, live_server):
    sign_in(bworld.tutor.person.user)
    page.goto(f"/people/{bworld.ect.person.code}/")
    page.get_by_role("button", name="Edit details").click()
    page.get_by_label("E-mail address").fill(NEW)
    page.get_by_role("button", name="Save details").click()

    expect(page.get_by_text(f"Change to {NEW} requested")).to_be_visible()
    axe_check(page)

    page.context.clear_cookies()
    link = _link_sent_to(NEW).replace(settings.SITE_URL, live_server.url)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm your new e-mail address")
    axe_check(page)
    page.get_by_role("button", name=f"Confirm {NEW}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("E-mail address changed")
    axe_check(page)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    axe_check(page)


def test_the_own_e_mail_page(page, bworld, sign_in):
    sign_in(bworld.ect.person.user)
    page.goto("/accounts/email/")
    page.get_by_label("New e-mail address").fill("ect.new@elm.example.org")
    page.get_by_role("button", name="Change e-mail address").click()
    expect(page.get_by_label("Changing to")).to_have_value("ect.new@elm.example.org")
    axe_check(page)
    page.get_by_role("button", name="Cancel the change").click()
    expect(page.get_by_label("Changing to")).to_have_count(0)
    expect(page.get_by_label("Current e-mail address")).to_have_value(bworld.ect.person.user.email)

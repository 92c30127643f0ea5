"""Onboarding in the browser: a tutor filters who never signed in and sends them all a set-up e-mail
(once a day each); hub staff filter a person's timeline by kind; axe on each."""

import re

from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import axe_check


def test_a_tutor_filters_who_never_signed_in_and_sends_them_set_up_emails(page, bworld, sign_in):
    sign_in(bworld.tutor.person.user)  # the tutor has signed in: never in the list
    page.goto("/onboarding/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Onboarding")
    table = page.get_by_role("table")
    expect(table).to_contain_text(str(bworld.ect.person))
    expect(table).to_contain_text(str(bworld.tutor.person))
    expect(table).not_to_contain_text(str(bworld.sibling_ect.person))
    axe_check(page)

    page.get_by_role("radio", name=re.compile(r"Never signed in")).check()
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"/onboarding/\?never=1$"))
    expect(page.get_by_role("table")).not_to_contain_text(str(bworld.tutor.person))
    expect(page.get_by_role("row", name=re.compile(str(bworld.ect.person)))).to_contain_text("Never signed in")
    axe_check(page)

    page.get_by_role("button", name="Send set-up e-mails to all of them").click()
    expect(page.get_by_role("status").first).to_contain_text("Set-up e-mails queued for 3 people who never signed in.")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        p.user.email for p in (bworld.ect.person, bworld.unmentored_ect.person, bworld.mentor.person)
    )
    axe_check(page)

    page.get_by_role("button", name="Send set-up e-mails to all of them").click()
    expect(page.locator("body")).to_contain_text("3 people were skipped: already sent a set-up e-mail from this page today")
    assert len(mail.outbox) == 3
    expect(page.get_by_role("row", name=re.compile(str(bworld.ect.person)))).not_to_contain_text("Not sent")


def test_hub_staff_filter_a_persons_timeline_by_kind(page, bworld, sign_in):
    sign_in(bworld.staff.user)
    page.goto(f"/people/{bworld.sibling_mentor.person.code}/")
    entries = page.locator("#timeline-entries")
    expect(entries).to_contain_text("Coaching cycle with")
    page.get_by_label("Show").select_option(label="Record and roles")
    page.get_by_role("button", name="Filter").click()
    expect(entries).not_to_contain_text("Coaching cycle with")
    page.get_by_label("Show").select_option(label="Coaching")
    page.get_by_role("button", name="Filter").click()
    expect(entries).to_contain_text("Coaching cycle with")
    axe_check(page)

"""Nudges in the browser: a tutor nudges and praises from the Lead dashboard and a person's page
(preview, personal line, sent once), hub staff edit the rules' wording with a live preview; axe on each."""

import re

from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from engagement import compute
from nudges.models import HubNudgeSettings, Nudge, RuleSetting
from schools import terms
from schools.scoping import hub_scope
from tests import factories
from tests.browser.conftest import axe_check
from tests.conftest import typical_term_dates


def _figures(world):
    today = timezone.localdate()
    with hub_scope(world.hub):
        for year in (today.year - 1, today.year):
            terms.save_year(world.hub, year, typical_term_dates(year))
        compute.recompute([world.hub], today)


def test_a_tutor_praises_an_ect_from_the_lead_dashboard_with_a_line_of_their_own(page, bworld, sign_in):
    _figures(bworld)
    ect = bworld.ect.person
    sign_in(bworld.tutor.person.user)
    page.goto(f"/schools/{bworld.school.code}/engagement/")
    expect(page.get_by_role("columnheader", name="Last nudged or praised")).to_be_visible()
    page.get_by_role("link", name=f"Nudge or praise {ect}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Nudge or praise {ect}")
    preview = page.locator("#message-preview")
    expect(preview).to_contain_text(f"Hello {ect.first_name},")
    axe_check(page)

    page.get_by_label("Praise: a well done").check()
    expect(preview).to_contain_text("Well done, from")  # the preview follows the choice (htmx)
    page.get_by_label("A line of your own").fill("Your starter on fractions was superb.")
    expect(preview).to_contain_text("Your starter on fractions was superb.")
    axe_check(page)
    page.get_by_role("button", name="Send now").click()

    expect(page).to_have_url(re.compile(rf"/schools/{bworld.school.code}/engagement/$"))
    expect(page.get_by_role("status")).to_contain_text(f"Praise is on its way to {ect}.")
    expect(page.get_by_role("row", name=re.compile(str(ect)))).to_contain_text("Praised")
    with scopes_disabled():
        nudge = Nudge.objects.get()
        assert (nudge.rule, nudge.status, nudge.created_by) == ("manual_praise", "sent", bworld.tutor.person.user)
    (sent,) = [m for m in mail.outbox if m.to == [ect.user.email]]
    assert "Your starter on fractions was superb." in sent.body


def test_a_tutor_nudges_from_a_persons_page_and_sees_it_on_the_timeline(page, bworld, sign_in):
    ect = bworld.ect.person
    sign_in(bworld.tutor.person.user)
    page.goto(f"/people/{ect.code}/")
    page.get_by_role("button", name="Send a nudge").click()
    expect(page.get_by_label("A nudge: a gentle reminder")).to_be_checked()
    page.get_by_role("button", name="Send now").click()

    expect(page).to_have_url(re.compile(rf"/people/{ect.code}/$"))
    expect(page.get_by_role("status")).to_contain_text(f"A nudge is on its way to {ect}.")
    expect(page.get_by_role("region", name="Timeline").or_(page.locator("section", has_text="Timeline"))).to_contain_text(
        "E-mail “Nudge from a tutor” to them: sent"
    )
    axe_check(page)


def test_hub_staff_edit_a_rules_wording_with_a_live_preview(page, bworld, sign_in):
    sign_in(bworld.staff.user)
    page.goto("/hub/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Nudges").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nudges sent")
    expect(page.get_by_text("No nudges yet")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Nudge settings").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nudge settings")
    axe_check(page)

    body = page.get_by_label("Message of “Missed study”")
    body.fill("Hello {first_name}, a module this {period_name} keeps you going. Love, {nickname}")
    preview = page.locator("#preview-missed_study")
    expect(preview).to_contain_text("Unknown placeholder {nickname}")
    body.fill("Hello {first_name}, a module this {period_name} keeps you going.")
    expect(preview).to_contain_text("a module this fortnight keeps you going.")
    expect(preview).not_to_contain_text("Unknown placeholder")
    page.get_by_label("Send “Praise” automatically").check()  # off by default
    page.get_by_label("Days between automatic nudges").fill("10")
    page.get_by_role("button", name="Save settings").click()

    expect(page.get_by_role("status")).to_contain_text("Nudge settings saved.")
    axe_check(page)
    with scopes_disabled():
        assert HubNudgeSettings.objects.get(hub=bworld.hub).weekly_cap_days == 10
        assert RuleSetting.objects.get(hub=bworld.hub, rule="missed_study").body.startswith("Hello {first_name}, a module")
        assert RuleSetting.objects.get(hub=bworld.hub, rule="praise").enabled


def test_hub_staff_read_a_message_as_it_was_sent(page, bworld, sign_in):
    with scopes_disabled():
        email = factories.NudgeEmailFactory(
            recipient=bworld.ect.person, subject="A gentle reminder about your study", status="sent", sent_at=timezone.now(),
            text_body="Hello, plain words", html_body="<p>Hello, <strong>rich words</strong></p>",
        )
        nudge = factories.NudgeFactory(recipient=bworld.ect.person, about=bworld.ect.person, school=bworld.school, status="sent", email=email)
    sign_in(bworld.staff.user)
    page.goto("/hub/nudges/")
    page.get_by_role("link", name=re.compile("message details")).click()
    expect(page).to_have_url(re.compile(rf"/hub/nudges/{nudge.code}/$"))
    expect(page.get_by_text("Hello, plain words")).to_be_visible()
    expect(page.frame_locator("iframe.email-html").get_by_text("rich words")).to_be_visible()
    axe_check(page)

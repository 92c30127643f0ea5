"""Hub staff move an ECT to another school of the hub from the ECT's page."""

import re

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from participants.models import ECT
from tests.browser.conftest import axe_check


def test_hub_staff_transfer_an_ect_to_another_school(page, bworld, sign_in):
    sign_in(bworld.staff.user)
    page.goto(f"/people/{bworld.ect.person.code}/")
    page.get_by_role("button", name="Transfer to another school").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Transfer {bworld.ect.person} to another school")
    axe_check(page)

    page.get_by_label("Moves on").fill("2025-09-01")  # before they started at Elm Primary
    page.get_by_role("button", name="Transfer").click()
    expect(page.get_by_label("New school", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("New school", exact=True)).to_have_accessible_description(re.compile("This field is required."))
    axe_check(page)  # the form with errors

    page.get_by_label("New school", exact=True).select_option(label=str(bworld.sibling_school))
    page.get_by_label("Moves on").fill("2026-01-05")
    page.get_by_label("Mentor at the new school (optional)").select_option(label=f"{bworld.sibling_mentor.person} (Oak Academy)")
    page.get_by_role("button", name="Transfer").click()

    expect(page).to_have_url(re.compile(rf"/people/{bworld.ect.person.code}/$"))
    expect(page.get_by_role("status")).to_contain_text(f"{bworld.ect.person} moves to Oak Academy from 5 Jan 2026.")
    expect(page.get_by_role("heading", name="ECT at Oak Academy")).to_be_visible()
    expect(page.get_by_text("Elm Primary from 3 Sep 2025 until 5 Jan 2026")).to_be_visible()
    axe_check(page)
    with scopes_disabled():
        assert ECT.objects.get(pk=bworld.ect.pk).school == bworld.sibling_school

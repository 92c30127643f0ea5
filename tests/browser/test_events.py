"""Hub staff publish a session of a clinic: a bad time is refused with a clear error, then it is saved."""

import re

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from events.catalogue import sync_catalogue
from events.models import Session
from tests.browser.conftest import axe_check


def test_staff_add_a_session_to_a_clinic(page, bworld, sign_in):
    with scopes_disabled():
        sync_catalogue(bworld.hub)
    sign_in(bworld.staff.user)
    page.goto("/hub/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Events").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Events")
    axe_check(page)
    page.get_by_role("link", name="Clinic 1: Maintaining high expectations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic 1: Maintaining high expectations")
    expect(page.get_by_text("No sessions yet.")).to_be_visible()
    axe_check(page)

    page.get_by_role("button", name="Add a session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a session")
    axe_check(page)
    page.get_by_label("Session code").fill("C1-NOV-A")
    page.get_by_label("Date", exact=True).fill("2025-11-12")
    page.get_by_label("Starts at").fill("16:00")
    page.get_by_label("Ends at").fill("15:00")
    page.get_by_label("In person").check()
    page.get_by_label("Venue").fill("Hub Centre, Room 2")
    page.get_by_label("Capacity").fill("25")
    page.get_by_label("Booking deadline").fill("2025-11-05")
    page.get_by_role("button", name="Save session").click()

    field = page.get_by_label("Ends at")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_end_time_error")).to_contain_text("The session must end after it starts.")
    expect(page.get_by_label("Venue")).to_have_value("Hub Centre, Room 2")
    axe_check(page)

    field.fill("17:00")
    page.get_by_role("button", name="Save session").click()
    expect(page).to_have_url(re.compile(r"/events/[0-9a-f-]+/$"))
    expect(page.get_by_role("status")).to_contain_text("Session C1-NOV-A added.")
    row = page.get_by_role("row", name=re.compile("^C1-NOV-A"))
    expect(row).to_contain_text("Wed 12 Nov 2025, 16:00–17:00")
    expect(row).to_contain_text("0 / 25")
    axe_check(page)
    with scopes_disabled():
        assert Session.objects.get(hub=bworld.hub, session_code="C1-NOV-A").venue == "Hub Centre, Room 2"

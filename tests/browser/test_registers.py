"""A facilitator takes a register on a phone; an ECT catches up a missed clinic and their tutor sees
it; a tutor asks for another date and the hub moves the booking; a missed conference's alternative."""

import datetime
import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from events.catalogue import sync_catalogue
from events.models import Alternative, Booking, CatchUp, Event
from tests import factories
from tests.browser.conftest import axe_check
from tests.browser.test_small_screens import OVERFLOW, PHONE

D = datetime.date


@pytest.fixture
def reg_world(bworld):
    w = bworld
    with scopes_disabled():
        sync_catalogue(w.hub)
        w.facilitator = factories.PersonFactory(hub=w.hub, hub_role="facilitator")
        w.clinic = Event.objects.get(hub=w.hub, event_code="ecte2025-ect1-clinic-1")
        w.clinic.catch_up_materials = "Watch the clinic recording: https://example.org/clinic-1"
        w.clinic.save()
        w.conference = Event.objects.get(hub=w.hub, event_code="ecte2025-ect1-conference-1")
        w.session = factories.SessionFactory(event=w.clinic, session_code="C1-A", date=D(2025, 11, 12))
        w.third = factories.ECTFactory(school=w.sibling_school, person__first_name="Zara", person__last_name="Zephaniah")
        for person in (w.ect.person, w.unmentored_ect.person, w.third.person):
            factories.BookingFactory(session=w.session, person=person)
    return w


def _fits(page):
    fit = page.evaluate(OVERFLOW)
    assert fit["scrollWidth"] <= fit["clientWidth"] and not fit["wide"], fit


def test_a_facilitator_takes_the_register_on_a_phone(page, reg_world, sign_in):
    w = reg_world
    sign_in(w.facilitator.user)
    page.set_viewport_size(PHONE)
    page.goto(f"/events/sessions/{w.session.code}/")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register: Clinic 1: Maintaining high expectations")
    counts = page.locator("#register-counts")
    expect(counts).to_contain_text("3 booked: 0 attended, 0 absent, 0 excused, 3 not taken yet.")
    _fits(page)
    axe_check(page)

    ect, other = w.ect.person.full_name, w.unmentored_ect.person.full_name
    page.get_by_role("button", name=re.compile(rf"^Attended\W+{ect}$")).click()
    expect(page.get_by_role("button", name=re.compile(rf"^Attended\W+{ect}$"))).to_have_attribute("aria-pressed", "true")
    expect(counts).to_contain_text("1 attended")
    expect(page).not_to_have_url(re.compile("#row-"))  # swapped in place, no reload

    page.locator(".register-row").filter(has_text=other).get_by_text("Excused…").click()
    page.get_by_role("button", name=re.compile(rf"^Excused\W+{other}$")).click()
    row = page.locator(".register-row").filter(has_text=other)
    expect(row.get_by_role("alert")).to_have_text("Give the reason for the excused absence.")
    row.get_by_label("Reason for the absence").fill("Hospital appointment")
    row.get_by_role("button", name=re.compile(r"^Excused\W")).click()
    expect(row).to_contain_text("Hospital appointment")
    expect(counts).to_contain_text("1 excused")
    axe_check(page)

    page.get_by_role("button", name="Mark everyone left as absent").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark everyone left as absent?")
    axe_check(page)
    page.get_by_role("button", name="Mark 1 absent").click()
    expect(page.get_by_role("status")).to_contain_text("1 person marked absent.")
    expect(counts).to_contain_text("3 booked: 1 attended, 1 absent, 1 excused, 0 not taken yet.")
    _fits(page)
    axe_check(page)
    with scopes_disabled():
        assert CatchUp.objects.filter(event=w.clinic).count() == 2


def test_an_ect_catches_up_a_missed_clinic_and_their_tutor_sees_it(page, reg_world, sign_in):
    w = reg_world
    from events import registers

    with scopes_disabled():
        registers.mark(Booking.objects.get(session=w.session, person=w.ect.person), "absent", w.staff.user)
        catch_up = CatchUp.objects.get(person=w.ect.person)
    sign_in(w.ect.person.user)
    page.set_viewport_size(PHONE)
    page.goto(f"/events/catch-ups/{catch_up.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Catch-up: Clinic 1: Maintaining high expectations")
    expect(page.get_by_role("link", name="https://example.org/clinic-1")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="I have done this catch-up").click()
    expect(page.get_by_role("status")).to_contain_text("marked done")
    expect(page.get_by_text("Done", exact=True)).to_be_visible()
    axe_check(page)

    page.context.clear_cookies()
    sign_in(w.tutor.person.user)
    page.goto(f"/schools/{w.school.code}/")
    page.get_by_role("link", name="catch-ups").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catch-ups at Elm Primary")
    expect(page.get_by_role("row", name=re.compile(w.ect.person.full_name))).to_contain_text("Done")
    axe_check(page)


def test_a_tutor_asks_for_another_date_and_the_hub_moves_the_booking(page, reg_world, sign_in):
    w = reg_world
    with scopes_disabled():
        coming = factories.SessionFactory(event=w.conference, session_code="CONF-A", date=D(2099, 10, 1))
        factories.SessionFactory(event=w.conference, session_code="CONF-B", date=D(2099, 10, 15), venue="North Hall")
        booking = factories.BookingFactory(session=coming, person=w.ect.person)
    sign_in(w.tutor.person.user)
    page.goto(f"/events/schools/{w.school.code}/alternatives/")
    expect(page.get_by_text("No open alternatives at Elm Primary.")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name=f"Ask for another date for {w.ect.person.full_name}").click()
    page.get_by_role("button", name="Ask the hub for another date").click()
    expect(page.get_by_role("alert")).to_contain_text("Say why the person cannot come")
    axe_check(page)
    page.get_by_label("Why they cannot come").fill("Year 6 residential trip that week")
    page.get_by_role("button", name="Ask the hub for another date").click()
    expect(page.get_by_role("status")).to_contain_text("The hub is asked for another date")
    page.goto(f"/events/schools/{w.school.code}/alternatives/")
    expect(page.get_by_role("row", name=re.compile(f"{w.ect.person.full_name}.*Alternative needed"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(f"{w.ect.person.full_name}.*Another date asked for"))).to_be_visible()

    page.context.clear_cookies()
    sign_in(w.staff.user)
    page.goto("/events/")
    page.get_by_role("button", name="Open alternatives").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alternatives")
    axe_check(page)
    page.get_by_role("link", name=w.ect.person.full_name).click()
    expect(page.get_by_role("heading", level=2, name="Move the booking to another session")).to_be_visible()
    axe_check(page)
    page.get_by_role("radio", name=re.compile("CONF-B")).check()
    page.get_by_role("button", name="Move the booking").click()
    expect(page.get_by_role("status")).to_contain_text("is booked on CONF-B")
    expect(page.get_by_text("Moved to CONF-B")).to_be_visible()
    axe_check(page)
    with scopes_disabled():
        booking.refresh_from_db()
        assert booking.session.session_code == "CONF-B"


def test_the_hub_closes_a_missed_conference_alternative(page, reg_world, sign_in):
    w = reg_world
    from events import registers

    with scopes_disabled():
        missed = factories.BookingFactory(session=factories.SessionFactory(event=w.conference, date=D(2025, 10, 1)), person=w.ect.person)
        registers.mark(missed, "absent", w.staff.user)
        alternative = Alternative.objects.get(booking=missed)
    sign_in(w.staff.user)
    page.goto(f"/events/alternatives/{alternative.code}/")
    expect(page.get_by_text("Alternative needed")).to_be_visible()
    page.get_by_role("button", name="Close the alternative").click()
    expect(page.get_by_role("alert")).to_contain_text("Add a note")
    axe_check(page)
    page.get_by_label("Note (why it is closed)").fill("Attended the South hub's conference")
    page.get_by_role("button", name="Close the alternative").click()
    expect(page.get_by_role("status")).to_contain_text("closed")
    expect(page.get_by_text("Attended the South hub's conference")).to_be_visible()
    axe_check(page)

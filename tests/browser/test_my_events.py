"""An ECT on a phone opens My events from the navigation: what to book, the session booked with its
joining link, a catch-up, past attendance; their calendar address gives a feed a calendar reads,
and resetting it stops the old one."""

import datetime
import re

import icalendar
import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from events import booking, registers
from tests import factories
from tests.browser.conftest import axe_check
from tests.browser.test_small_screens import OVERFLOW, PHONE

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def my_world(bworld):
    w = bworld
    with scopes_disabled():
        clinic = factories.EventFactory(hub=w.hub, title="Clinic 4: Thinking hard", ect_year=2, catch_up_materials="Read https://example.org/clinic-5")
        conference = factories.EventFactory(hub=w.hub, title="Conference 3", kind="conference", ect_year=2, self_booking=False)
        missed = factories.EventFactory(hub=w.hub, title="Clinic 5: Oracy", ect_year=2, catch_up_materials="Read https://example.org/clinic-5")
        online = factories.SessionFactory(event=clinic, date=days(9), format="online", venue="", address="", online_url="https://meet.example.org/clinic-4")
        factories.SessionFactory(event=conference, date=days(30))
        past = factories.SessionFactory(event=missed, date=days(-20), booking_deadline=days(-27))
        booking.book(online, w.ect.person, by_staff=True)
        registers.mark(factories.BookingFactory(session=past, person=w.ect.person), "absent", None)
    return w


def test_an_ect_reads_my_events_on_a_phone_and_uses_their_calendar_address(page, my_world, sign_in):
    w = my_world
    sign_in(w.ect.person.user)
    page.set_viewport_size(PHONE)
    page.goto("/")
    expect(page.locator('a[href="/events/mine/"]').first).to_be_attached()
    page.goto("/events/mine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My events")
    booked = page.locator("section", has=page.get_by_role("heading", name="Booked"))
    expect(booked).to_contain_text("Clinic 4: Thinking hard")
    expect(booked.get_by_role("link", name="joining link for Clinic 4: Thinking hard")).to_have_attribute("href", "https://meet.example.org/clinic-4")
    expect(page.locator("section", has=page.get_by_role("heading", name="To book"))).to_contain_text("Your induction tutor books this.")
    expect(page.get_by_role("link", name="Catch-up: Clinic 5: Oracy")).to_be_visible()
    expect(page.locator("section", has=page.get_by_role("heading", name="Past sessions"))).to_contain_text("Absent")
    fit = page.evaluate(OVERFLOW)
    assert fit["scrollWidth"] <= fit["clientWidth"] and not fit["wide"], fit
    axe_check(page)

    address = page.get_by_label("Calendar address")
    old = address.input_value()
    assert re.search(r"/calendar/[\w-]+\.ics$", old)
    feed = page.request.get(old)
    assert feed.status == 200
    entries = icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")
    assert [str(entry.get("summary")) for entry in entries] == ["Clinic 5: Oracy", "Clinic 4: Thinking hard"]

    page.get_by_role("button", name="Reset the address").click()
    expect(page.get_by_text("Your calendar address has changed")).to_be_visible()
    new = page.get_by_label("Calendar address").input_value()
    assert new != old
    assert page.request.get(old).status == 404
    assert page.request.get(new).status == 200
    axe_check(page)

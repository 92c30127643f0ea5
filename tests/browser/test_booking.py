"""Booking in a browser: a tutor books their school's people in one form (the last place taken
offers the waiting list), and an ECT chooses their own clinic date. Axe on every state."""

import datetime
import re

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from events.booking import session_label
from events.catalogue import sync_catalogue
from events.models import Booking, Event
from participants.cohorts import academic_year_of
from tests import factories
from tests.browser.conftest import axe_check


@pytest.fixture
def clinic_world(bworld):
    """Two ECT1s at Elm; a clinic with a one-place session A and a roomier session B."""
    today = timezone.localdate()
    day = today + datetime.timedelta(days=21)
    year = academic_year_of(day)
    with scopes_disabled():
        sync_catalogue(bworld.hub)
        clinic = Event.objects.get(hub=bworld.hub, event_code="ecte2025-ect1-clinic-1")
        clinic.self_booking = True
        clinic.save()
        bworld.clinic = clinic
        bworld.ects = [
            factories.ECTFactory(
                school=bworld.school, cohort_start_year=year, induction_start_date=datetime.date(year, 9, 1),
                person__first_name=name, person__last_name="Booker",
            ).person
            for name in ("Ada", "Ben")
        ]
        bworld.a = factories.SessionFactory(event=clinic, session_code="A", date=day, capacity=1, venue="North Hall")
        bworld.b = factories.SessionFactory(event=clinic, session_code="B", date=day + datetime.timedelta(days=7), capacity=10, venue="South Hall")
    return bworld


def test_a_tutor_books_their_school_and_a_lost_place_offers_the_waiting_list(page, clinic_world, sign_in):
    w = clinic_world
    sign_in(w.tutor.person.user)
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Booking")
    axe_check(page)
    page.get_by_role("link", name="Clinic 1: Maintaining high expectations").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who has not booked: Clinic 1: Maintaining high expectations")
    expect(page.get_by_role("row", name=re.compile("^Elm Primary"))).to_contain_text("2")
    axe_check(page)

    page.get_by_role("link", name="Book them (Elm Primary)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic 1: Maintaining high expectations: Elm Primary")
    axe_check(page)
    for name in ("Ada Booker", "Ben Booker"):
        page.get_by_label(name).select_option(label=f"{session_label(w.a)}, North Hall (1 place left)")
    page.get_by_role("button", name="Save bookings").click()

    expect(page.get_by_role("alert")).to_contain_text("1 booking could not be saved")
    expect(page.get_by_role("status")).to_contain_text("1 booking change saved")
    ben = page.get_by_label("Ben Booker")
    expect(ben).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text(re.compile("has just been taken"))).to_be_visible()
    expect(ben.locator("option:checked")).to_contain_text("full, join the waiting list")
    axe_check(page)

    page.get_by_role("button", name="Save bookings").click()
    expect(page.get_by_role("status")).to_contain_text("1 booking change saved")
    expect(page.get_by_label("Ben Booker").locator("option:checked")).to_contain_text("Waiting list for")
    axe_check(page)
    with scopes_disabled():
        assert dict(Booking.objects.filter(event=w.clinic).values_list("person__first_name", "status")) == {"Ada": "booked", "Ben": "waiting"}


def test_an_ect_chooses_their_own_clinic_date(page, clinic_world, sign_in):
    w = clinic_world
    me = w.ects[0]
    sign_in(me.user)
    page.goto(f"/events/{w.clinic.code}/my-booking/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clinic 1: Maintaining high expectations")
    expect(page.get_by_text("You are not booked on a session of this event yet.")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#choice-error")).to_have_text("Choose one of the options.")
    axe_check(page)
    page.get_by_label(re.compile("South Hall")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved: a confirmation is on its way by e-mail.")
    expect(page.get_by_text("You are booked on")).to_be_visible()
    axe_check(page)
    with scopes_disabled():
        assert Booking.objects.get(person=me).session == w.b

"""The register, catch-up and alternative pages, driven through HTTP by each role."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from events.catalogue import sync_catalogue
from events.models import Alternative, Booking, CatchUp, Event
from tests import factories

D = datetime.date
HTMX = {"HX-Request": "true"}


@pytest.fixture
def pages(world):
    with scopes_disabled():
        sync_catalogue(world.hub)
        sync_catalogue(world.other_hub)
        world.facilitator = factories.PersonFactory(hub=world.hub, hub_role="facilitator")
        world.clinic = Event.objects.get(hub=world.hub, event_code="ecte2025-ect1-clinic-1")
        world.conference = Event.objects.get(hub=world.hub, event_code="ecte2025-ect1-conference-1")
        world.session = factories.SessionFactory(event=world.clinic, date=D(2025, 11, 12))
        world.booking = factories.BookingFactory(session=world.session, person=world.ect.person)
        world.conference_session = factories.SessionFactory(event=world.conference, date=D(2025, 10, 1))
        world.conference_booking = factories.BookingFactory(session=world.conference_session, person=world.ect.person)
        world.coming = factories.SessionFactory(event=world.conference, date=D(2099, 10, 8))
    return world


def _register(client, world, **data):
    return client.post(f"/events/sessions/{world.session.code}/register/", {"booking": world.booking.code, **data}, headers=HTMX)


def test_staff_see_the_register_with_names_and_schools(pages, client):
    client.force_login(pages.staff.user)
    page = client.get(f"/events/sessions/{pages.session.code}/register/").content.decode()
    assert pages.ect.person.full_name in page and "Elm Primary" in page
    assert "1 booked: <strong>0</strong> attended" in page


def test_a_tap_swaps_the_row_and_the_counts(pages, client):
    client.force_login(pages.facilitator.user)
    response = _register(client, pages, attendance="attended")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith(f'<li id="row-{pages.booking.code}"')
    assert 'value="attended" aria-pressed="true"' in body
    assert 'id="register-counts" class="register-counts" hx-swap-oob="true"' in body and "<strong>1</strong> attended" in body
    with scopes_disabled():
        pages.booking.refresh_from_db()
    assert pages.booking.attendance == "attended"


def test_excused_without_a_reason_says_so_in_the_row(pages, client):
    client.force_login(pages.staff.user)
    body = _register(client, pages, attendance="excused", reason="").content.decode()
    assert "Give the reason for the excused absence." in body and 'aria-invalid="true"' in body
    _register(client, pages, attendance="excused", reason="Funeral")
    with scopes_disabled():
        pages.booking.refresh_from_db()
    assert (pages.booking.attendance, pages.booking.absence_reason) == ("excused", "Funeral")


def test_without_htmx_a_tap_reloads_the_page_at_the_row(pages, client):
    client.force_login(pages.staff.user)
    response = client.post(f"/events/sessions/{pages.session.code}/register/", {"booking": pages.booking.code, "attendance": "absent"})
    assert response.status_code == 302 and response["Location"].endswith(f"#row-{pages.booking.code}")
    with scopes_disabled():
        assert CatchUp.objects.filter(booking=pages.booking).exists()


def test_a_booking_of_another_session_is_not_on_this_register(pages, client):
    client.force_login(pages.staff.user)
    response = client.post(f"/events/sessions/{pages.session.code}/register/", {"booking": pages.conference_booking.code, "attendance": "absent"})
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["tutor", "mentor", "ect", "other_staff"])
def test_only_hub_staff_and_facilitators_take_registers(pages, client, who):
    user = {"tutor": pages.tutor.person.user, "mentor": pages.mentor.person.user, "ect": pages.ect.person.user,
            "other_staff": pages.other_staff.user}[who]
    client.force_login(user)
    for suffix in ("", "absent/", "walk-in/"):
        assert client.get(f"/events/sessions/{pages.session.code}/register/{suffix}").status_code == 404
    assert _register(client, pages, attendance="attended").status_code == 404
    with scopes_disabled():
        pages.booking.refresh_from_db()
    assert pages.booking.attendance == ""


def test_a_facilitator_sees_nothing_else(pages, client):
    client.force_login(pages.facilitator.user)
    for url in ("/hub/", f"/schools/{pages.school.code}/", f"/events/schools/{pages.school.code}/catch-ups/",
                f"/events/schools/{pages.school.code}/alternatives/", "/events/alternatives/"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/events/sessions/{pages.session.code}/register/").status_code == 200


def test_the_register_query_count_does_not_grow_with_the_people(pages, client):
    client.force_login(pages.staff.user)
    url = f"/events/sessions/{pages.session.code}/register/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    with scopes_disabled():
        for _ in range(20):
            factories.BookingFactory(session=pages.session, person=factories.ECTFactory(school=pages.sibling_school).person)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).content.decode().count('class="register-row"') == 21
    assert len(many) == len(few)


def test_a_long_register_comes_in_chunks_and_can_be_filtered_by_name(pages, client):
    with scopes_disabled():
        for n in range(30):
            ect = factories.ECTFactory(school=pages.sibling_school, person__first_name=f"Pat{n}", person__last_name=f"Zz{n:02d}")
            factories.BookingFactory(session=pages.session, person=ect.person)
    client.force_login(pages.staff.user)
    url = f"/events/sessions/{pages.session.code}/register/"
    page = client.get(url).content.decode()
    assert "31 booked" in page and page.count('class="register-row"') == 25
    assert 'hx-trigger="revealed"' in page and "Show the next people on the register" in page
    more = client.get(url, {"page": 2}, headers=HTMX).content.decode()
    assert more.count('class="register-row"') == 6 and "<html" not in more
    found = client.get(url, {"q": "Zz07"}, headers=HTMX).content.decode()
    assert found.count('class="register-row"') == 1 and "Pat7 Zz07" in found
    assert "Nobody on the register matches" in client.get(url, {"q": "Nobody-like-this"}).content.decode()


def test_mark_everyone_left_absent_after_a_confirm(pages, client):
    client.force_login(pages.staff.user)
    url = f"/events/sessions/{pages.session.code}/register/absent/"
    assert "Mark 1 absent" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    with scopes_disabled():
        pages.booking.refresh_from_db()
    assert pages.booking.attendance == "absent"


def test_a_walk_in_is_found_by_name_and_added(pages, client):
    client.force_login(pages.facilitator.user)
    url = f"/events/sessions/{pages.session.code}/register/walk-in/"
    sibling = pages.sibling_ect.person
    page = client.get(url, {"q": sibling.last_name}).content.decode()
    assert sibling.full_name in page
    assert "Nobody in the hub matches" in client.get(url, {"q": pages.other_ect.person.user.email}).content.decode()
    assert client.post(url, {"person": sibling.code}).status_code == 302
    with scopes_disabled():
        booking = Booking.objects.get(session=pages.session, person=sibling)
    assert (booking.walk_in, booking.attendance) == (True, "attended")
    with scopes_disabled():
        other = pages.other_ect.person
    assert client.post(url, {"person": other.code}).status_code == 404


def _absent_from_clinic(pages, client):
    client.force_login(pages.staff.user)
    _register(client, pages, attendance="absent")
    client.logout()
    with scopes_disabled():
        return CatchUp.objects.get(booking=pages.booking)


def test_the_person_marks_their_catch_up_done_and_their_tutor_sees_it(pages, client):
    with scopes_disabled():
        pages.clinic.catch_up_materials = "https://example.org/clinic-1-pack"
        pages.clinic.save()
    catch_up = _absent_from_clinic(pages, client)
    client.force_login(pages.ect.person.user)
    page = client.get(f"/events/catch-ups/{catch_up.code}/").content.decode()
    assert 'href="https://example.org/clinic-1-pack"' in page and "I have done this catch-up" in page
    assert client.post(f"/events/catch-ups/{catch_up.code}/").status_code == 302
    with scopes_disabled():
        catch_up.refresh_from_db()
    assert catch_up.is_done
    client.force_login(pages.tutor.person.user)
    page = client.get(f"/events/schools/{pages.school.code}/catch-ups/").content.decode()
    assert pages.ect.person.full_name in page and "Done" in page
    assert client.get(f"/events/catch-ups/{catch_up.code}/").status_code == 200
    assert client.post(f"/events/catch-ups/{catch_up.code}/").status_code == 403


@pytest.mark.parametrize("who", ["sibling_tutor", "sibling_ect", "mentor_elsewhere", "other_staff"])
def test_a_catch_up_is_hidden_from_everyone_else(pages, client, who):
    catch_up = _absent_from_clinic(pages, client)
    with scopes_disabled():
        user = {"sibling_tutor": pages.sibling_tutor.person.user, "sibling_ect": pages.sibling_ect.person.user,
                "mentor_elsewhere": pages.sibling_mentor.person.user, "other_staff": pages.other_staff.user}[who]
    client.force_login(user)
    assert client.get(f"/events/catch-ups/{catch_up.code}/").status_code == 404
    assert client.post(f"/events/catch-ups/{catch_up.code}/").status_code == 404
    assert client.get(f"/events/schools/{pages.school.code}/catch-ups/").status_code == 404


def test_the_tutor_asks_for_another_date_and_the_hub_moves_the_booking(pages, client):
    with scopes_disabled():
        booking = factories.BookingFactory(session=pages.coming, person=pages.unmentored_ect.person)
        later = factories.SessionFactory(event=pages.conference, date=D(2099, 11, 8), session_code="CONF-LATE")
    client.force_login(pages.tutor.person.user)
    page = client.get(f"/events/schools/{pages.school.code}/alternatives/").content.decode()
    assert f"/events/bookings/{booking.code}/another-date/" in page
    url = f"/events/bookings/{booking.code}/another-date/"
    assert "Say why" in client.post(url, {"note": ""}).content.decode()
    assert client.post(url, {"note": "Residential trip"}).status_code == 302
    with scopes_disabled():
        alternative = Alternative.objects.get(booking=booking)
    assert client.post(f"/events/alternatives/{alternative.code}/", {"action": "rebook", "session": later.code}).status_code == 403
    client.force_login(pages.staff.user)
    listing = client.get("/events/alternatives/", {"reason": "requested"}).content.decode()
    assert pages.unmentored_ect.person.full_name in listing and "Elm Primary" in listing
    page = client.get(f"/events/alternatives/{alternative.code}/").content.decode()
    assert "Move the booking to another session" in page and "CONF-LATE" in page
    assert client.post(f"/events/alternatives/{alternative.code}/", {"action": "rebook", "session": later.code}).status_code == 302
    with scopes_disabled():
        booking.refresh_from_db()
        alternative.refresh_from_db()
    assert booking.session == later and not alternative.is_open


def test_the_hub_closes_a_missed_conference_alternative_with_a_note(pages, client):
    client.force_login(pages.staff.user)
    client.post(f"/events/sessions/{pages.conference_session.code}/register/", {"booking": pages.conference_booking.code, "attendance": "absent"})
    with scopes_disabled():
        alternative = Alternative.objects.get(booking=pages.conference_booking)
    client.force_login(pages.tutor.person.user)
    assert "Alternative needed" in client.get(f"/events/schools/{pages.school.code}/alternatives/").content.decode()
    client.force_login(pages.staff.user)
    url = f"/events/alternatives/{alternative.code}/"
    assert "Add a note" in client.post(url, {"action": "close", "note": ""}).content.decode()
    assert client.post(url, {"action": "close", "note": "Attended the South hub's conference"}).status_code == 302
    with scopes_disabled():
        alternative.refresh_from_db()
    assert alternative.closing_note == "Attended the South hub's conference" and alternative.closed_by == pages.staff.user


@pytest.mark.parametrize("who", ["ect", "sibling_tutor", "facilitator", "other_staff"])
def test_alternatives_are_hidden_from_everyone_else(pages, client, who):
    client.force_login(pages.staff.user)
    client.post(f"/events/sessions/{pages.conference_session.code}/register/", {"booking": pages.conference_booking.code, "attendance": "absent"})
    with scopes_disabled():
        alternative = Alternative.objects.get(booking=pages.conference_booking)
        booking = factories.BookingFactory(session=pages.coming, person=pages.unmentored_ect.person)
        user = {"ect": pages.ect.person.user, "sibling_tutor": pages.sibling_tutor.person.user,
                "facilitator": pages.facilitator.user, "other_staff": pages.other_staff.user}[who]
    client.force_login(user)
    assert client.get(f"/events/alternatives/{alternative.code}/").status_code == 404
    assert client.post(f"/events/alternatives/{alternative.code}/", {"action": "close", "note": "x"}).status_code == 404
    assert client.post(f"/events/bookings/{booking.code}/another-date/", {"note": "x"}).status_code == 404
    with scopes_disabled():
        assert Alternative.objects.get(pk=alternative.pk).is_open
        assert not Alternative.objects.filter(booking=booking).exists()

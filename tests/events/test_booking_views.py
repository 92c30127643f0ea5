"""Booking pages through HTTP: a tutor books their school's people in one form, hub staff any
school, ECTs choose their own session, who has not booked, and an offered place accepted."""

import datetime
import uuid

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from events import booking
from events.catalogue import sync_catalogue
from events.models import Booking, Event
from participants.cohorts import academic_year_of
from tests import factories


@pytest.fixture
def bw(world):
    """Elm has three ECT1s of this year's cohort, Oak one; a clinic with session A (2 places) and B."""
    today = timezone.localdate()
    day = today + datetime.timedelta(days=21)
    year = academic_year_of(day)
    with scopes_disabled():
        sync_catalogue(world.hub)
        world.clinic = Event.objects.get(hub=world.hub, event_code="ecte2025-ect1-clinic-1")
        world.clinic.self_booking = True
        world.clinic.save()
        start = datetime.date(year, 9, 1)
        world.elm = [
            factories.ECTFactory(school=world.school, cohort_start_year=year, induction_start_date=start, person__last_name=f"Elm{i}").person
            for i in range(3)
        ]
        world.oak = factories.ECTFactory(school=world.sibling_school, cohort_start_year=year, induction_start_date=start).person
        world.a = factories.SessionFactory(event=world.clinic, session_code="A", date=day, capacity=2, booking_deadline=today + datetime.timedelta(days=14))
        world.b = factories.SessionFactory(event=world.clinic, session_code="B", date=day + datetime.timedelta(days=7), capacity=30)
        world.add_ects = lambda school, n: [
            factories.ECTFactory(school=school, cohort_start_year=year, induction_start_date=start) for _ in range(n)
        ]
    return world


def _book_url(w, school=None):
    return f"/events/{w.clinic.code}/schools/{(school or w.school).code}/book/"


def _post(client, url, choices):
    data = {"form_token": str(uuid.uuid4())}
    data.update({f"choice-{person.code}": value for person, value in choices.items()})
    return client.post(url, data)


def test_the_tutor_sees_everyone_expected_from_their_school_with_a_picker(bw, client):
    client.force_login(bw.tutor.person.user)
    page = client.get(_book_url(bw)).content.decode()
    for person in bw.elm:
        assert f'<label for="choice-{person.code}">{person.full_name}</label>' in page
    assert bw.oak.full_name not in page
    assert f"book:{bw.a.code}" in page and "2 places left" in page


def test_the_tutor_books_several_people_in_one_go_and_a_lost_race_offers_the_waiting_list(bw, client, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(bw.tutor.person.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, _book_url(bw), {p: f"book:{bw.a.code}" for p in bw.elm})
    assert response.status_code == 200
    page = response.content.decode()
    with scopes_disabled():
        booked = set(Booking.objects.filter(session=bw.a, status="booked").values_list("person__last_name", flat=True))
    assert booked == {"Elm0", "Elm1"}
    assert "2 booking changes saved" in page and "1 booking could not be saved" in page
    assert f"The last place on {booking.session_label(bw.a)} has just been taken" in page
    assert f'<option value="wait:{bw.a.code}" selected>' in page
    assert len(mailoutbox) == 2
    response = _post(client, _book_url(bw), {bw.elm[2]: f"wait:{bw.a.code}"})
    assert response.status_code == 302
    with scopes_disabled():
        assert Booking.objects.get(person=bw.elm[2]).status == "waiting"


def test_the_tutor_moves_and_cancels_from_the_same_form(bw, client):
    with scopes_disabled():
        first = booking.book(bw.a, bw.elm[0])
        booking.book(bw.a, bw.elm[1])
    client.force_login(bw.tutor.person.user)
    response = _post(client, _book_url(bw), {bw.elm[0]: f"book:{bw.b.code}", bw.elm[1]: "cancel"})
    assert response.status_code == 302
    with scopes_disabled():
        first.refresh_from_db()
        assert first.session == bw.b and first.sequence == 1
        assert Booking.objects.get(person=bw.elm[1]).status == "cancelled"


def test_a_double_post_of_the_same_form_books_nothing_twice(bw, client):
    client.force_login(bw.tutor.person.user)
    data = {"form_token": str(uuid.uuid4()), f"choice-{bw.elm[0].code}": f"book:{bw.a.code}"}
    assert client.post(_book_url(bw), data).status_code == 302
    with scopes_disabled():
        booking.cancel(Booking.objects.get(person=bw.elm[0]))
    response = client.post(_book_url(bw), data, follow=True)
    assert "These bookings were already saved." in response.content.decode()
    with scopes_disabled():
        assert Booking.objects.get(person=bw.elm[0]).status == "cancelled"


def test_a_choice_for_someone_not_on_the_form_is_ignored(bw, client):
    client.force_login(bw.tutor.person.user)
    _post(client, _book_url(bw), {bw.oak: f"book:{bw.a.code}"})
    with scopes_disabled():
        assert not Booking.objects.filter(person=bw.oak).exists()


@pytest.mark.parametrize("who", ["mentor", "ect", "other_tutor", "facilitator"])
def test_only_the_schools_tutor_and_hub_staff_reach_its_booking_page(bw, client, who):
    with scopes_disabled():
        user = {
            "mentor": lambda: bw.mentor.person.user,
            "ect": lambda: bw.ect.person.user,
            "other_tutor": lambda: bw.sibling_tutor.person.user,
            "facilitator": lambda: factories.PersonFactory(hub=bw.hub, hub_role="facilitator").user,
        }[who]()
    client.force_login(user)
    assert client.get(_book_url(bw)).status_code == 404
    assert client.post(_book_url(bw), {f"choice-{bw.elm[0].code}": f"book:{bw.a.code}"}).status_code == 404


def test_hub_staff_book_for_any_school_and_after_the_deadline(bw, client):
    client.force_login(bw.staff.user)
    with scopes_disabled():
        bw.a.booking_deadline = timezone.localdate() - datetime.timedelta(days=1)
        bw.a.save()
    response = _post(client, _book_url(bw, bw.sibling_school), {bw.oak: f"book:{bw.a.code}"})
    assert response.status_code == 302
    with scopes_disabled():
        assert Booking.objects.get(person=bw.oak).session == bw.a


def test_the_tutor_no_longer_sees_a_session_past_its_deadline(bw, client):
    with scopes_disabled():
        bw.a.booking_deadline = timezone.localdate() - datetime.timedelta(days=1)
        bw.a.save()
    client.force_login(bw.tutor.person.user)
    page = client.get(_book_url(bw)).content.decode()
    assert f"book:{bw.a.code}" not in page and f"book:{bw.b.code}" in page


def test_the_booking_page_costs_the_same_queries_for_more_people(bw, client, django_assert_max_num_queries):
    client.force_login(bw.tutor.person.user)
    with scopes_disabled():
        booking.book(bw.a, bw.elm[0])
    with django_assert_max_num_queries(100) as small:
        client.get(_book_url(bw))
    with scopes_disabled():
        for ect in bw.add_ects(bw.school, 15):
            booking.book(bw.b, ect.person)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(_book_url(bw)).content.decode()
    assert page.count("<select") == 18


# --- Who has not booked ---------------------------------------------------------------------------


def test_hub_staff_see_every_school_with_people_still_to_book(bw, client):
    with scopes_disabled():
        booking.book(bw.a, bw.elm[0])
        booking.book(bw.a, bw.elm[1])
        booking.join_waiting_list(bw.a, bw.elm[2])
        bw.add_ects(bw.sibling_school, 1)
    client.force_login(bw.staff.user)
    page = client.get(f"/events/{bw.clinic.code}/not-booked/").content.decode()
    page = page[page.index("<tbody>"):]
    assert "Oak Academy" in page and "Elm Primary" in page
    assert page.index("Oak Academy") < page.index("Elm Primary"), "the school with most people to book comes first"
    assert f"/events/{bw.clinic.code}/schools/{bw.sibling_school.code}/book/" in page


def test_the_tutor_sees_only_their_schools_on_who_has_not_booked(bw, client):
    client.force_login(bw.tutor.person.user)
    page = client.get(f"/events/{bw.clinic.code}/not-booked/").content.decode()
    assert "Elm Primary" in page and "Oak Academy" not in page


def test_who_has_not_booked_costs_the_same_queries_for_more_schools_and_people(bw, client, django_assert_max_num_queries):
    client.force_login(bw.staff.user)
    url = f"/events/{bw.clinic.code}/not-booked/"
    with django_assert_max_num_queries(100) as small:
        client.get(url)
    with scopes_disabled():
        for _ in range(60):
            bw.add_ects(factories.SchoolFactory(hub=bw.hub), 2)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(url).content.decode()
    assert "Page 1 of 2" in page


def test_who_has_not_booked_is_not_for_ects_mentors_or_the_other_hub(bw, client):
    for user in (bw.ect.person.user, bw.mentor.person.user, bw.other_staff.user):
        client.force_login(user)
        assert client.get(f"/events/{bw.clinic.code}/not-booked/").status_code == 404


# --- Self-booking ---------------------------------------------------------------------------------


def test_an_ect_books_and_changes_their_own_session(bw, client, mailoutbox, django_capture_on_commit_callbacks):
    me = bw.elm[0]
    client.force_login(me.user)
    url = f"/events/{bw.clinic.code}/my-booking/"
    assert "Choose a session" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"choice": f"book:{bw.a.code}"}).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"choice": f"book:{bw.b.code}"}).status_code == 302
    with scopes_disabled():
        mine = Booking.objects.get(person=me)
    assert mine.session == bw.b and [m.subject.split(":")[0] for m in mailoutbox] == ["Booked", "Moved"]
    page = client.get(url).content.decode()
    assert "You are booked on" in page


def test_self_booking_only_where_the_event_allows_and_for_people_expected(bw, client):
    url = f"/events/{bw.clinic.code}/my-booking/"
    client.force_login(bw.mentor.person.user)
    assert client.get(url).status_code == 404
    with scopes_disabled():
        bw.clinic.self_booking = False
        bw.clinic.save()
    client.force_login(bw.elm[0].user)
    assert client.get(url).status_code == 404


def test_a_full_session_offers_its_waiting_list_to_the_ect(bw, client):
    with scopes_disabled():
        booking.book(bw.a, bw.elm[1])
        booking.book(bw.a, bw.elm[2])
    client.force_login(bw.elm[0].user)
    url = f"/events/{bw.clinic.code}/my-booking/"
    assert f"wait:{bw.a.code}" in client.get(url).content.decode()
    assert client.post(url, {"choice": f"wait:{bw.a.code}"}).status_code == 302
    assert "You are on the waiting list for" in client.get(url).content.decode()


# --- An offered place -----------------------------------------------------------------------------


def _offer(bw):
    with scopes_disabled():
        first = booking.book(bw.a, bw.elm[1])
        booking.book(bw.a, bw.elm[2])
        waiting = booking.join_waiting_list(bw.a, bw.elm[0])
        booking.cancel(first)
        waiting.refresh_from_db()
    assert waiting.status == "offered"
    return waiting


def test_the_person_offered_a_place_accepts_it_from_the_link(bw, client):
    offered = _offer(bw)
    url = f"/events/offers/{booking.offer_token(offered)}/"
    client.force_login(bw.elm[0].user)
    page = client.get(url).content.decode()
    assert "Accept the place" in page
    with scopes_disabled():
        assert Booking.objects.get(pk=offered.pk).status == "offered", "a GET changes nothing"
    page = client.post(url, {"answer": "accept"}).content.decode()
    assert "The place is yours" in page
    with scopes_disabled():
        assert Booking.objects.get(pk=offered.pk).status == "booked"
    assert client.post(url, {"answer": "accept"}).status_code == 404, "the link is single-use"


def test_an_offer_link_is_only_for_the_person_offered(bw, client):
    offered = _offer(bw)
    url = f"/events/offers/{booking.offer_token(offered)}/"
    for user in (bw.elm[1].user, bw.tutor.person.user, bw.staff.user):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"answer": "decline"}).status_code == 404
    client.force_login(bw.elm[0].user)
    assert client.get("/events/offers/not-a-token/").status_code == 404


def test_declining_from_the_link_passes_the_place_on(bw, client):
    offered = _offer(bw)
    client.force_login(bw.elm[0].user)
    page = client.post(f"/events/offers/{booking.offer_token(offered)}/", {"answer": "decline"}).content.decode()
    assert "You have declined the place" in page
    with scopes_disabled():
        assert Booking.objects.get(pk=offered.pk).status == "cancelled"


def test_for_an_event_the_hub_added_staff_may_book_anyone_at_the_school(bw, client):
    with scopes_disabled():
        own = factories.EventFactory(hub=bw.hub, audience="tutor", programme="", ect_year=None, title="Hub welcome")
        session = factories.SessionFactory(event=own, date=bw.a.date, booking_deadline=bw.a.booking_deadline)
    url = f"/events/{own.code}/schools/{bw.school.code}/book/"
    client.force_login(bw.staff.user)
    page = client.get(url).content.decode()
    assert f'for="choice-{bw.mentor.person.code}"' in page and f'for="choice-{bw.elm[0].code}"' in page
    assert _post(client, url, {bw.mentor.person: f"book:{session.code}"}).status_code == 302
    client.force_login(bw.tutor.person.user)
    page = client.get(url).content.decode()
    assert f'for="choice-{bw.mentor.person.code}"' not in page, "a tutor books only the people expected"

"""Registers, walk-ins, catch-ups and alternatives, through `events.registers`."""

import datetime

import pytest
from django_scopes import scopes_disabled

from events import registers
from events.capacity import SessionFull, take_place
from events.catalogue import sync_catalogue
from events.models import Alternative, Booking, CatchUp, Event
from participants.models import PersonChange
from tests import factories

D = datetime.date


@pytest.fixture
def reg(world):
    """Elm's ECT and unmentored ECT booked on a clinic session and a conference session, both past."""
    with scopes_disabled():
        sync_catalogue(world.hub)
        world.clinic = Event.objects.get(hub=world.hub, event_code="ecte2025-ect1-clinic-1")
        world.clinic.catch_up_materials = "Read the clinic pack: https://example.org/clinic-1"
        world.clinic.save()
        world.conference = Event.objects.get(hub=world.hub, event_code="ecte2025-ect1-conference-1")
        world.clinic_session = factories.SessionFactory(event=world.clinic, date=D(2025, 11, 12), capacity=2)
        world.conference_session = factories.SessionFactory(event=world.conference, date=D(2025, 10, 1))
        world.later_conference = factories.SessionFactory(event=world.conference, date=D(2099, 10, 8), capacity=1)
        world.clinic_booking = factories.BookingFactory(session=world.clinic_session, person=world.ect.person)
        world.conference_booking = factories.BookingFactory(session=world.conference_session, person=world.ect.person)
        world.other_clinic_booking = factories.BookingFactory(session=world.clinic_session, person=world.unmentored_ect.person)
    return world


def _reload(obj):
    with scopes_disabled():
        obj.refresh_from_db()
    return obj


def _timeline(person):
    with scopes_disabled():
        return list(PersonChange.objects.filter(person=person).order_by("pk").values_list("summary", "actor_id", "school_id"))


def test_marking_attended_is_on_the_timeline_with_who_marked_it_and_the_school(reg):
    with scopes_disabled():
        assert registers.mark(reg.clinic_booking, "attended", reg.staff.user)
    assert _reload(reg.clinic_booking).attendance == "attended"
    [(summary, actor, school)] = _timeline(reg.ect.person)
    assert summary == "Clinic 1: Maintaining high expectations, 12 Nov 2025 (%s): marked attended on the register" % reg.clinic_session.session_code
    assert (actor, school) == (reg.staff.user.pk, reg.school.pk)


def test_a_retried_tap_changes_nothing(reg):
    with scopes_disabled():
        assert registers.mark(reg.clinic_booking, "absent", reg.staff.user)
        assert not registers.mark(reg.clinic_booking, "absent", reg.staff.user)
        assert CatchUp.objects.filter(booking=reg.clinic_booking).count() == 1
    assert len(_timeline(reg.ect.person)) == 1


def test_absent_from_a_clinic_gives_a_catch_up_due_after_the_clinic(reg):
    with scopes_disabled():
        registers.mark(reg.clinic_booking, "absent", reg.staff.user)
        catch_up = CatchUp.objects.get(booking=reg.clinic_booking)
    assert (catch_up.person, catch_up.event, catch_up.due_on, catch_up.done_at) == (reg.ect.person, reg.clinic, D(2025, 11, 26), None)
    assert _timeline(reg.ect.person)[-1][0].endswith("marked absent on the register; catch-up due 26 Nov 2025")


def test_excused_needs_a_reason_and_is_a_missed_clinic_too(reg):
    with scopes_disabled():
        with pytest.raises(registers.RegisterError, match="reason"):
            registers.mark(reg.clinic_booking, "excused", reg.staff.user, "   ")
        registers.mark(reg.clinic_booking, "excused", reg.staff.user, "Hospital appointment")
        assert CatchUp.objects.filter(booking=reg.clinic_booking).exists()
    assert _reload(reg.clinic_booking).absence_reason == "Hospital appointment"


def test_correcting_to_attended_removes_a_catch_up_not_yet_done(reg):
    with scopes_disabled():
        registers.mark(reg.clinic_booking, "absent", reg.staff.user)
        registers.mark(reg.clinic_booking, "attended", reg.admin.user)
        assert not CatchUp.objects.filter(booking=reg.clinic_booking).exists()
    assert _timeline(reg.ect.person)[-1][0].endswith("register corrected from absent to attended; catch-up no longer needed")


def test_a_catch_up_done_stays_when_the_register_is_corrected(reg):
    with scopes_disabled():
        registers.mark(reg.clinic_booking, "absent", reg.staff.user)
        catch_up = CatchUp.objects.get(booking=reg.clinic_booking)
        assert registers.complete_catch_up(catch_up, reg.ect.person.user)
        assert not registers.complete_catch_up(catch_up, reg.ect.person.user)
        registers.mark(reg.clinic_booking, "attended", reg.staff.user)
        assert CatchUp.objects.get(pk=catch_up.pk).done_at is not None
    assert any(summary.startswith("Catch-up for Clinic 1") for summary, _, _ in _timeline(reg.ect.person))


def test_absent_from_a_conference_opens_an_alternative_closed_when_they_attend_another_session(reg):
    with scopes_disabled():
        registers.mark(reg.conference_booking, "absent", reg.staff.user)
        alternative = Alternative.objects.get(booking=reg.conference_booking)
        assert alternative.is_open and alternative.reason == "absent"
        assert not registers.open_alternatives(reg.school).get().booked_elsewhere
        rebooked = registers.rebook_for_alternative(alternative, reg.later_conference, reg.staff.user)
        assert rebooked.session == reg.later_conference and rebooked.status == "booked"
        assert registers.open_alternatives(reg.school).get().booked_elsewhere  # alternative_booked
        reg.later_conference.date = reg.later_conference.booking_deadline = D(2025, 10, 8)
        reg.later_conference.save()
        registers.mark(rebooked, "attended", reg.staff.user)
        alternative.refresh_from_db()
        assert alternative.closed_at is not None and alternative.closing_note.startswith("Attended")
        assert not registers.open_alternatives().exists()


def test_the_hub_closes_an_alternative_with_a_note(reg):
    with scopes_disabled():
        registers.mark(reg.conference_booking, "absent", reg.staff.user)
        alternative = Alternative.objects.get(booking=reg.conference_booking)
        with pytest.raises(registers.RegisterError):
            registers.close_alternative(alternative, reg.staff.user, "")
        assert registers.close_alternative(alternative, reg.staff.user, "Attended another hub's conference")
        alternative.refresh_from_db()
    assert (alternative.closed_by, alternative.closing_note) == (reg.staff.user, "Attended another hub's conference")


def test_a_known_absence_in_advance_is_met_by_moving_the_booking(reg):
    with scopes_disabled():
        coming = factories.SessionFactory(event=reg.conference, date=D(2099, 9, 20))
        booking = factories.BookingFactory(session=coming, person=reg.unmentored_ect.person)
        alternative = registers.request_alternative(booking, reg.tutor.person.user, "Year 6 residential trip")
        assert (alternative.reason, alternative.booking) == ("requested", booking)
        assert registers.request_alternative(booking, reg.tutor.person.user, "Residential trip that week") == alternative
        moved = registers.rebook_for_alternative(alternative, reg.later_conference, reg.staff.user)
        alternative.refresh_from_db()
        assert moved.pk == booking.pk and moved.session == reg.later_conference and moved.sequence == 1
        assert not alternative.is_open
        with pytest.raises(SessionFull):
            # the later session had one place, now taken by the moved booking
            other = factories.BookingFactory(session=coming, person=reg.sibling_ect.person)
            registers.rebook_for_alternative(registers.request_alternative(other, reg.tutor.person.user, "Ill"), reg.later_conference, reg.staff.user)
    assert _reload(booking).alternative_note == "Residential trip that week"


def test_a_past_or_cancelled_booking_cannot_ask_for_another_date(reg):
    with scopes_disabled(), pytest.raises(registers.RegisterError, match="already taken place"):
        registers.request_alternative(reg.clinic_booking, reg.tutor.person.user, "Ill")


def test_the_register_opens_on_the_day_and_only_for_people_booked(reg):
    with scopes_disabled():
        booking = factories.BookingFactory(session=reg.later_conference, person=reg.sibling_ect.person)
        with pytest.raises(registers.RegisterError, match="opens on the day"):
            registers.mark(booking, "attended", reg.staff.user)
        waiting = factories.BookingFactory(session=reg.conference_session, person=reg.sibling_ect.person, status="waiting")
        with pytest.raises(registers.RegisterError, match="Only people booked"):
            registers.mark(waiting, "attended", reg.staff.user)


def test_mark_everyone_left_absent_leaves_those_marked(reg):
    with scopes_disabled():
        registers.mark(reg.clinic_booking, "attended", reg.staff.user)
        assert registers.mark_rest_absent(reg.clinic_session, reg.staff.user) == 1
        assert registers.mark_rest_absent(reg.clinic_session, reg.staff.user) == 0
    assert (_reload(reg.clinic_booking).attendance, _reload(reg.other_clinic_booking).attendance) == ("attended", "absent")


def test_a_walk_in_is_attended_and_may_exceed_the_capacity(reg):
    with scopes_disabled():
        assert not registers.walk_in_candidates(reg.clinic_session, "ect2@elm").exists()  # already booked
        sibling = reg.sibling_ect.person
        assert list(registers.walk_in_candidates(reg.clinic_session, f"{sibling.first_name} {sibling.last_name}")) == [sibling]
        booking = registers.add_walk_in(reg.clinic_session, sibling, reg.staff.user)
        assert (booking.walk_in, booking.status, booking.attendance) == (True, "booked", "attended")
        assert Booking.objects.filter(session=reg.clinic_session, status="booked").count() == 3  # capacity 2
        assert sibling not in registers.walk_in_candidates(reg.clinic_session, sibling.last_name)
        assert registers.add_walk_in(reg.clinic_session, sibling, reg.staff.user).pk == booking.pk
    assert _timeline(sibling)[-1][0].endswith("added at the register as a walk-in, attended")
    assert _timeline(sibling)[-1][2] == reg.sibling_school.pk


def test_walk_in_search_stays_in_the_hub(reg):
    with scopes_disabled():
        other = reg.other_ect.person
        assert not registers.walk_in_candidates(reg.clinic_session, other.user.email).exists()


def test_the_register_lists_everyone_booked_with_their_school_in_two_queries(reg, django_assert_max_num_queries):
    with scopes_disabled():
        for _ in range(5):
            ect = factories.ECTFactory(school=reg.sibling_school)
            factories.BookingFactory(session=reg.conference_session, person=ect.person)
        with django_assert_max_num_queries(2):
            rows = registers.register_rows(reg.conference_session)
    assert len(rows) == 6
    assert {row["school"] for row in rows} == {reg.school.name, reg.sibling_school.name}


def test_take_place_refuses_a_full_session(reg):
    from django.db import transaction

    with scopes_disabled(), transaction.atomic():
        with pytest.raises(SessionFull):
            take_place(reg.clinic_session.pk)
        assert take_place(reg.clinic_session.pk, exclude_booking_id=reg.clinic_booking.pk) == reg.clinic_session


def test_catch_ups_and_alternatives_per_school(reg):
    with scopes_disabled():
        registers.mark(reg.clinic_booking, "absent", reg.staff.user)
        sibling_booking = factories.BookingFactory(session=reg.conference_session, person=reg.sibling_ect.person)
        registers.mark(sibling_booking, "absent", reg.staff.user)
        assert [c.person for c in registers.catch_ups_for_school(reg.school)] == [reg.ect.person]
        assert not registers.catch_ups_for_school(reg.sibling_school).exists()
        assert [a.person for a in registers.open_alternatives(reg.sibling_school)] == [reg.sibling_ect.person]
        assert not registers.open_alternatives(reg.school).exists()

"""The events models' constraints: one live booking per person per event, sane sessions."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unscoped")]


def test_a_person_has_one_live_booking_per_event_but_keeps_a_past_absence():
    first = factories.BookingFactory()
    other_session = factories.SessionFactory(event=first.event, date=datetime.date(2025, 11, 19))
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.BookingFactory(session=other_session, person=first.person)
    first.attendance = "absent"
    first.save()
    again = factories.BookingFactory(session=other_session, person=first.person)
    assert again.is_live and not first.is_live


def test_a_person_is_booked_once_per_session():
    first = factories.BookingFactory(status="cancelled")
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.BookingFactory(session=first.session, person=first.person)


def test_a_session_ends_after_it_starts_and_closes_booking_by_its_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.SessionFactory(start_time=datetime.time(17), end_time=datetime.time(16))
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.SessionFactory(booking_deadline=datetime.date(2025, 11, 13))

"""The dashboards' live columns (events attended, open alternatives, never signed in) are cached
until the hub's people or events change (`ectprogramme.hub_cache`): after each kind of change the
next load shows what counting afresh gives, and without one it does not count again."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from ectprogramme.hub_cache import hub_changed
from engagement import compute
from events import attendance, registers, sessions
from events.models import Alternative, Booking
from participants import onboarding, services
from participants.imports import COLUMNS, import_registrations
from schools import terms
from schools.scoping import hub_scope
from tests import factories
from tests.conftest import typical_term_dates

TODAY = timezone.localdate()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def hub_events(world):
    """This year's ECT2 clinic held three weeks ago (the ECT booked, register not taken), a
    conference the ECT missed (an alternative open), a clinic still to come with one past and one
    future session, and someone who signed in but has not confirmed joining."""
    with scopes_disabled():
        w = world
        clinic = factories.EventFactory(hub=w.hub, title="Clinic 4", ect_year=2)
        past = factories.SessionFactory(event=clinic, session_code="P", date=days(-20), booking_deadline=days(-27))
        w.booking = factories.BookingFactory(session=past, person=w.ect.person)
        conference = factories.EventFactory(hub=w.hub, kind="conference", ect_year=2)
        w.missed = factories.BookingFactory(
            session=factories.SessionFactory(event=conference, session_code="C", date=days(-2), booking_deadline=days(-9)), person=w.ect.person
        )
        registers.mark(w.missed, "absent", None)
        later = factories.EventFactory(hub=w.hub, title="Clinic 5", ect_year=2)
        factories.SessionFactory(event=later, session_code="L1", date=days(-5), booking_deadline=days(-12))
        w.future = factories.SessionFactory(event=later, session_code="L2", date=days(9), booking_deadline=days(2))
        w.joining = factories.MentorFactory(school=w.school, person__confirmed_at=None, person__last_signed_in_at=timezone.now()).person
    return w


def _shown(client, school):
    """(events attended, open alternatives, never signed in) in the school's row of the hub dashboard."""
    page = client.get("/hub/engagement/").content.decode()
    row = re.search(rf'<th scope="row"><a href="[^"]*">{re.escape(school.name)}</a>.*?</tr>', page, re.S).group(0)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    return cells[6], cells[7], cells[4]


def _counted(world, school):
    """The same three, counted afresh."""
    with hub_scope(world.hub):
        events = attendance.counts(world.hub, TODAY).get(school.pk, attendance.Counts())
        never = onboarding.never_signed_in_by_school([school.pk]).get(school.pk, 0)
    shown = events.text if events.expected else '<span class="muted">None due yet</span>'
    return shown, str(events.open_alternatives), str(never)


def _import_an_ect(w):
    row = {
        "school_urn": w.school.urn, "school_name": w.school.name, "role": "ect", "first_name": "Ada", "last_name": "Lovelace",
        "email": "ada@elm.example.org", "programme": w.ect.programme, "cohort_start": str(w.ect.cohort_start_year),
        "start_date": "2025-09-03", "mentor_email": "", "fte": "",
    }
    source = ",".join(COLUMNS) + "\n" + ",".join(row[name] for name in COLUMNS) + "\n"
    assert import_registrations(w.hub, source.encode()).applied


CHANGES = {
    "a register taken": lambda w: registers.mark(w.booking, "attended", None),
    "an alternative closed": lambda w: registers.close_alternative(Alternative.objects.get(booking=w.missed), w.staff.user, "Met at the spring one"),
    "a session cancelled": lambda w: sessions.cancel_session(w.future),
    "an ECT paused": lambda w: services.change_ect_status(w.ect, "paused", w.staff.user),
    "an ECT added": lambda w: factories.ECTFactory(school=w.school),
    "an ECT imported": _import_an_ect,
    "a mentor role finished": lambda w: services.finish_school_role(w.mentor, w.staff.user),
    "a first sign-in": lambda w: Client().force_login(w.tutor.person.user),
    "a membership confirmed": lambda w: services.confirm_membership(w.joining, w.joining.user),
}


@pytest.mark.django_db
@pytest.mark.parametrize("change", CHANGES)
def test_the_hub_dashboard_counts_afresh_after(hub_events, client, change):
    w = hub_events
    client.force_login(w.staff.user)
    before = _shown(client, w.school)
    assert before == _counted(w, w.school)
    with scopes_disabled():
        CHANGES[change](w)
    after = _counted(w, w.school)
    assert after != before, "the change is one the columns show"
    assert _shown(client, w.school) == after


@pytest.mark.django_db
def test_without_a_change_the_hub_dashboard_does_not_count_again(hub_events, client, django_assert_max_num_queries):
    w = hub_events
    client.force_login(w.staff.user)
    before = _shown(client, w.school)
    with django_assert_max_num_queries(100) as first:
        client.get("/hub/engagement/")
    with scopes_disabled():  # a write no signal reports is not seen...
        Booking.objects.filter(pk=w.booking.pk).update(attendance="attended")
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert _shown(client, w.school) == before
    hub_changed(w.other_hub.pk)
    assert _shown(client, w.school) == before
    hub_changed(w.hub.pk)  # ...until the hub's next change (or `hub_cache.CACHE_SECONDS`)
    assert _shown(client, w.school) == _counted(w, w.school) != before


@pytest.mark.django_db
def test_the_lead_dashboard_shows_a_register_taken_at_once(hub_events, client):
    w = hub_events
    with hub_scope(w.hub):
        for year in (TODAY.year - 1, TODAY.year):
            terms.save_year(w.hub, year, typical_term_dates(year))
        compute.recompute([w.hub], TODAY)
    client.force_login(w.tutor.person.user)
    url = f"/schools/{w.school.code}/engagement/"
    assert "<td>1 of 2</td>" not in client.get(url).content.decode()  # the two ECTs: 0 of 2 each
    with scopes_disabled():
        registers.mark(w.booking, "attended", None)
    assert "<td>1 of 2</td>" in client.get(url).content.decode()

"""Who may see and change the hub's events and sessions.

Hub staff (admins included) see and change them; facilitators see them (and take registers);
everyone else gets a 404, as for anything not theirs. A facilitator asking to change one gets a 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from events.models import Alternative, Booking, CatchUp, Event, Session
from events.registers import people_at_schools
from participants.models import Person


def require_sessions_viewer(viewer):
    if not viewer.can_take_registers:
        raise Http404("Not found")


def require_events_editor(viewer):
    require_sessions_viewer(viewer)
    if not viewer.is_hub_staff:
        raise PermissionDenied


def get_event(viewer, code):
    require_sessions_viewer(viewer)
    event = Event.objects.filter(code=code).first()
    if event is None:
        raise Http404("Not found")
    return event


def get_event_for_change(viewer, code):
    event = get_event(viewer, code)
    require_events_editor(viewer)
    return event


def get_session(viewer, code):
    require_sessions_viewer(viewer)
    session = Session.objects.filter(code=code).select_related("event").first()
    if session is None:
        raise Http404("Not found")
    return session


def get_session_for_change(viewer, code):
    session = get_session(viewer, code)
    require_events_editor(viewer)
    return session


# --- Registers, catch-ups and alternatives ---------------------------------------------------


def _cares_for(viewer, person_id):
    """Hub staff, or an induction tutor of a school the person is at (`registers.people_at_schools`)."""
    if viewer.is_hub_staff:
        return True
    if not viewer.tutor_school_ids:
        return False
    return Person.objects.filter(pk=person_id, pk__in=people_at_schools(viewer.tutor_school_ids)).exists()


def get_catch_up(viewer, code):
    """A catch-up: its person, their tutor and hub staff see it; anyone else gets a 404."""
    catch_up = CatchUp.objects.filter(code=code).select_related("event", "person__user", "booking__session").first()
    if catch_up is None or viewer.person is None:
        raise Http404("Not found")
    if catch_up.person_id != viewer.person.pk and not _cares_for(viewer, catch_up.person_id):
        raise Http404("Not found")
    return catch_up


def get_catch_up_for_change(viewer, code):
    """Only the person marks their own catch-up done (a 403 for the tutor and hub who may look)."""
    catch_up = get_catch_up(viewer, code)
    if catch_up.person_id != viewer.person.pk:
        raise PermissionDenied
    return catch_up


def get_alternative(viewer, code):
    """An alternative: hub staff and the person's tutor see it; anyone else gets a 404."""
    alternative = Alternative.objects.filter(code=code).select_related("event", "person__user", "booking__session").first()
    if alternative is None or not _cares_for(viewer, alternative.person_id):
        raise Http404("Not found")
    return alternative


def get_alternative_for_change(viewer, code):
    """Hub staff rebook or close alternatives (a 403 for the tutor, who may look)."""
    alternative = get_alternative(viewer, code)
    if not viewer.is_hub_staff:
        raise PermissionDenied
    return alternative


def get_booking_for_alternative_request(viewer, code):
    """A booking the viewer may ask another date for: the person's tutor, or hub staff."""
    booking = Booking.objects.filter(code=code).select_related("session__event", "person__user").first()
    if booking is None or not _cares_for(viewer, booking.person_id):
        raise Http404("Not found")
    return booking

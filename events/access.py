"""Who may see and change the hub's events and sessions.

Hub staff (admins included) see and change them; facilitators see them (and take registers);
everyone else gets a 404, as for anything not theirs. A facilitator asking to change one gets a 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from events.models import Event, Session


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

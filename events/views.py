"""Hub staff pages for the hub's events and their sessions (facilitators may look, not change)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from events import access, sessions
from events.forms import CopyForwardForm, EventForm, EventSettingsForm, SessionForm, default_copy_year
from events.models import Audience, Booking, BookingStatus, Event, Session
from participants.models import Programme


def _count(queryset, **filters):
    """A correlated subquery counting `queryset` rows for the outer event."""
    counted = queryset.filter(**filters).order_by().values("event_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def events_with_fill(events):
    """Events with their live sessions' count and capacity, and places booked or offered and waiting."""
    live = Session.objects.filter(event=OuterRef("pk"), cancelled_at__isnull=True)
    capacity = live.order_by().values("event_id").annotate(n=Sum("capacity")).values("n")
    bookings = Booking.objects.filter(event=OuterRef("pk"), session__cancelled_at__isnull=True)
    return events.annotate(
        session_count=_count(live),
        capacity=Coalesce(Subquery(capacity, output_field=IntegerField()), Value(0)),
        booked=_count(bookings, status__in=[BookingStatus.BOOKED, BookingStatus.OFFERED]),
        waiting=_count(bookings, status=BookingStatus.WAITING),
    )


def _group_label(event):
    if event.audience == Audience.ECT:
        return f"{Programme(event.programme).label}, ECT year {event.ect_year}"
    return Audience(event.audience).label


@login_required
def events_list(request):
    access.require_sessions_viewer(request.viewer)
    groups = {}
    for event in events_with_fill(Event.objects.order_by("audience", "-programme", "ect_year", "half_term", "event_code")):
        groups.setdefault(_group_label(event), []).append(event)
    return render(request, "events/events_list.html", {"groups": groups, "can_edit": request.viewer.is_hub_staff})


@login_required
def event_detail(request, event_code):
    event = access.get_event(request.viewer, event_code)
    form = None
    if request.viewer.is_hub_staff:
        form = EventSettingsForm(request.POST or None, instance=event)
    elif request.method == "POST":
        access.require_events_editor(request.viewer)
    if form is not None and form.is_valid():
        form.save()
        messages.success(request, f"Settings of {event.title} saved.")
        return redirect("event_detail", event.code)
    event_sessions = sessions.with_fill(event.sessions.all())
    context = {"event": event, "sessions": event_sessions, "form": form, "can_edit": request.viewer.is_hub_staff}
    return render(request, "events/event_detail.html", context)


@login_required
def event_create(request):
    access.require_events_editor(request.viewer)
    form = EventForm(request.POST or None, hub=request.hub)
    if form.is_valid():
        event = form.save()
        messages.success(request, f"{event.title} added.")
        return redirect("event_detail", event.code)
    return render(request, "events/event_form.html", {"form": form})


@login_required
def event_edit(request, event_code):
    """A hub's own event: all of it; the catalogue's events are edited by their settings only."""
    event = access.get_event_for_change(request.viewer, event_code)
    if event.from_catalogue:
        return redirect("event_detail", event.code)
    form = EventForm(request.POST or None, instance=event, hub=request.hub)
    if form.is_valid():
        form.save()
        messages.success(request, f"{event.title} saved.")
        return redirect("event_detail", event.code)
    return render(request, "events/event_form.html", {"form": form, "event": event})


@login_required
def session_create(request, event_code):
    event = access.get_event_for_change(request.viewer, event_code)
    form = SessionForm(request.POST or None, hub=request.hub)
    if form.is_valid():
        session = sessions.create_session(event, form.cleaned_data)
        messages.success(request, f"Session {session.session_code} added.")
        return redirect("event_detail", event.code)
    return render(request, "events/session_form.html", {"form": form, "event": event})


@login_required
def session_detail(request, session_code):
    session = access.get_session(request.viewer, session_code)
    session = sessions.with_fill(Session.objects.filter(pk=session.pk)).select_related("event").get()
    return render(request, "events/session_detail.html", {"session": session, "event": session.event, "can_edit": request.viewer.is_hub_staff})


@login_required
def session_edit(request, session_code):
    session = access.get_session_for_change(request.viewer, session_code)
    if session.is_cancelled:
        messages.error(request, "This session is cancelled: it can no longer be changed.")
        return redirect("session_detail", session.code)
    form = SessionForm(request.POST or None, instance=Session.objects.get(pk=session.pk), hub=request.hub)
    if form.is_valid():
        update = sessions.update_session(session, form.cleaned_data)
        if any(name in sessions.CALENDAR_FIELDS for name in update.changed):
            messages.success(request, f"Session {session.session_code} saved: everyone booked on it is told by e-mail.")
        else:
            messages.success(request, f"Session {session.session_code} saved.")
        if update.offered:
            people = "person waiting is" if update.offered == 1 else "people waiting are"
            messages.success(request, f"{update.offered} {people} offered a place by e-mail.")
        return redirect("session_detail", session.code)
    return render(request, "events/session_form.html", {"form": form, "event": session.event, "session": session})


@login_required
@require_http_methods(["GET", "POST"])
def session_cancel(request, session_code):
    """A confirm page; the POST cancels the session and its bookings and tells the people on it."""
    session = access.get_session_for_change(request.viewer, session_code)
    if request.method == "POST" and not session.is_cancelled:
        told = sessions.cancel_session(session)
        messages.success(request, f"Session {session.session_code} cancelled; {told} {'person is' if told == 1 else 'people are'} told by e-mail.")
        return redirect("event_detail", session.event.code)
    people = session.bookings.filter(status__in=sessions.TOLD_OF_CANCELLATION, attendance="").count()
    return render(request, "events/session_cancel.html", {"session": session, "event": session.event, "people": people})


@login_required
@require_http_methods(["GET", "POST"])
def sessions_copy_forward(request):
    """Preview a year's sessions copied to the next academic year, then confirm (idempotent)."""
    access.require_events_editor(request.viewer)
    years = sessions.academic_years_with_sessions(request.hub)
    data = request.POST if request.method == "POST" else (request.GET if "year" in request.GET else None)
    form = CopyForwardForm(data, years=years, initial={"year": default_copy_year(years, timezone.localdate())})
    plan = None
    if form.is_valid():
        year = form.cleaned_data["year"]
        if request.method == "POST":
            created = sessions.copy_forward(request.hub, year)
            messages.success(request, f"{created} session{'' if created == 1 else 's'} copied to {year + 1}/{str(year + 2)[-2:]}.")
            return redirect("events_list")
        plan = sessions.copy_forward_plan(request.hub, year)
    context = {"form": form, "plan": plan, "years": years, "new": sum(1 for copy in plan or () if not copy.exists)}
    return render(request, "events/copy_forward.html", context)

"""Registers (hub staff and facilitators, on a phone), catch-ups (the person marks theirs done,
their tutor sees the school's) and alternatives (tutors ask, the hub rebooks or closes).

Each register tap posts one row's attendance; with htmx the row (and the counts) are swapped in
place, without it the page reloads at that row. The rules are in `events.registers`.
"""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from events import access, registers
from events.capacity import SessionFull
from events.models import Booking, BookingStatus, Session
from participants import access as people_access
from participants import breadcrumbs
from participants.models import Person
from schools.models import School

PAGE_SIZE = 25


def _page(request, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _with_schools(items):
    """Set `school` on each item (a booking, catch-up or alternative with `school_id`), one query."""
    schools = School.objects.in_bulk({item.school_id for item in items if item.school_id})
    for item in items:
        item.school = schools.get(item.school_id)
    return items


# --- The register ----------------------------------------------------------------------------


REGISTER_CHUNK = 25


@login_required
@require_http_methods(["GET", "POST"])
def session_register(request, session_code):
    """The register: counts for the whole session, the people by name in chunks of 25 (htmx loads
    the next chunk as it scrolls into view; without JS a link shows it), a name filter. A tap
    posts one row; with htmx the row and the counts are swapped, without it the page reloads there."""
    session = access.get_session(request.viewer, session_code)
    querystring = request.GET.urlencode()
    context = {
        "session": session, "event": session.event, "register_url": request.path, "querystring": querystring,
        "row_action": f"{request.path}?{querystring}" if querystring else request.path,
    }
    if request.method == "POST":
        booking = Booking.objects.filter(session=session, code=_uuid(request.POST.get("booking"))).first()
        if booking is None:
            raise Http404("Not found")
        error = None
        try:
            registers.mark(booking, request.POST.get("attendance", ""), request.user, request.POST.get("reason", ""))
        except registers.RegisterError as problem:
            error = str(problem)
        if request.htmx:
            context.update(row=registers.register_row(session, booking.pk), error=error, counts=registers.register_counts(session), oob=True)
            return render(request, "events/register.html#row", context)
        if error:
            messages.error(request, f"{booking.person.full_name}: {error}")
        query = f"?{context['querystring']}" if context["querystring"] else ""
        return redirect(f"{reverse('session_register', args=[session.code])}{query}#row-{booking.code}")
    query = request.GET.get("q", "").strip()[:100]
    counts = registers.register_counts(session)
    paginator = Paginator(registers.register_bookings(session, query), REGISTER_CHUNK)
    if not query:
        paginator.count = counts["total"]  # already counted: everyone booked
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = registers.shown(page.object_list, session)
    context.update(page=page, query=query, counts=counts, opens_later=session.date > timezone.localdate())
    if request.htmx and ("page" in request.GET or "q" in request.GET):
        return render(request, "events/register.html#rows", context)
    return render(request, "events/register.html", context)


def _uuid(value):
    try:
        return UUID(str(value))
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def register_rest_absent(request, session_code):
    """A confirm page; the POST marks everyone booked whose attendance is not taken as absent."""
    session = access.get_session(request.viewer, session_code)
    if request.method == "POST":
        try:
            marked = registers.mark_rest_absent(session, request.user)
        except registers.RegisterError as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, f"{marked} {'person' if marked == 1 else 'people'} marked absent.")
        return redirect("session_register", session.code)
    left = Booking.objects.filter(session=session, status=BookingStatus.BOOKED, attendance="").count()
    return render(request, "events/register_rest_absent.html", {"session": session, "event": session.event, "left": left})


@login_required
@require_http_methods(["GET", "POST"])
def register_walk_in(request, session_code):
    """Search the hub's people by name or e-mail; the POST adds one to the register, attended."""
    session = access.get_session(request.viewer, session_code)
    if request.method == "POST":
        person = Person.objects.filter(code=_uuid(request.POST.get("person"))).first()
        if person is None:
            raise Http404("Not found")
        try:
            registers.add_walk_in(session, person, request.user)
        except registers.RegisterError as problem:
            messages.error(request, str(problem))
            return redirect("register_walk_in", session.code)
        messages.success(request, f"{person.full_name} added to the register as attended.")
        return redirect("session_register", session.code)
    query = request.GET.get("q", "").strip()[:100]
    people = list(registers.walk_in_candidates(session, query)) if query else []
    context = {"session": session, "event": session.event, "query": query, "people": people}
    return render(request, "events/register_walk_in.html", context)


# --- Catch-ups -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def catch_up(request, catch_up_code):
    """A missed clinic's catch-up: its materials and due date; the person marks it done."""
    item = access.get_catch_up(request.viewer, catch_up_code)
    if request.method == "POST":
        item = access.get_catch_up_for_change(request.viewer, catch_up_code)
        if registers.complete_catch_up(item, request.user):
            messages.success(request, f"Catch-up for {item.event.title} marked done.")
        return redirect("catch_up", item.code)
    own = item.person_id == request.viewer.person.pk
    return render(request, "events/catch_up.html", {"item": item, "own": own, "today": timezone.localdate()})


@login_required
def school_catch_ups(request, school_code):
    """A school's catch-ups, due first, then done (the school's tutor and hub staff)."""
    school = people_access.get_school(request.viewer, school_code)
    page = _page(request, registers.catch_ups_for_school(school))
    context = {"school": school, "page": page, "today": timezone.localdate(), "crumbs": breadcrumbs.in_school(request.viewer, school)}
    return render(request, "events/school_catch_ups.html", context)


# --- Alternatives ----------------------------------------------------------------------------


@login_required
def school_alternatives(request, school_code):
    """A school's open alternatives, and its people's coming bookings (to ask for another date)."""
    school = people_access.get_school(request.viewer, school_code)
    alternatives = list(registers.open_alternatives(school))
    bookings = (
        Booking.objects.filter(
            person__in=registers.people_at_schools([school.pk]), status=BookingStatus.BOOKED, attendance="",
            session__cancelled_at__isnull=True, session__date__gte=timezone.localdate(),
        )
        .select_related("person", "session__event")
        .order_by("session__date", "session__start_time", "person__last_name", "pk")
    )
    context = {
        "school": school, "alternatives": alternatives, "page": _page(request, bookings),
        "crumbs": breadcrumbs.in_school(request.viewer, school),
    }
    return render(request, "events/school_alternatives.html", context)


@login_required
def alternatives_list(request):
    """Every open alternative of the hub (hub staff), oldest first; `?reason=requested|absent`."""
    people_access.require_hub_staff(request.viewer)
    alternatives = registers.open_alternatives()
    reason = request.GET.get("reason", "")
    if reason in ("requested", "absent"):
        alternatives = alternatives.filter(reason=reason)
    alternatives = alternatives.annotate(school_id=registers.school_id_of_person())
    page = _page(request, alternatives)
    _with_schools(page.object_list)
    return render(request, "events/alternatives_list.html", {"page": page, "reason": reason})


@login_required
@require_http_methods(["GET", "POST"])
def alternative_detail(request, alternative_code):
    """An alternative: the hub books the person on another session (moving a booking asked for
    in advance) or closes it with a note; the tutor may look."""
    alternative = access.get_alternative(request.viewer, alternative_code)
    can_change = request.viewer.is_hub_staff
    error = None
    if request.method == "POST":
        alternative = access.get_alternative_for_change(request.viewer, alternative_code)
        try:
            if request.POST.get("action") == "close":
                registers.close_alternative(alternative, request.user, request.POST.get("note", ""))
                messages.success(request, f"Alternative for {alternative.person.full_name} closed.")
            else:
                session = Session.objects.filter(event=alternative.event, code=_uuid(request.POST.get("session"))).first()
                if session is None:
                    raise registers.RegisterError("Choose a session.")
                registers.rebook_for_alternative(alternative, session, request.user)
                messages.success(request, f"{alternative.person.full_name} is booked on {session.session_code}.")
            return redirect("alternative_detail", alternative.code)
        except SessionFull:
            error = "That session has just filled up: choose another."
        except registers.RegisterError as problem:
            error = str(problem)
    alternative = registers.with_follow_up_state(type(alternative).objects.filter(pk=alternative.pk)).select_related(
        "event", "person__user", "booking__session", "closed_by"
    ).get()
    sessions = list(registers.sessions_for_alternative(alternative)) if can_change and alternative.is_open else []
    context = {
        "alternative": alternative, "can_change": can_change, "sessions": sessions, "error": error,
        "note": request.POST.get("note", ""), "action": request.POST.get("action", ""),
    }
    return render(request, "events/alternative_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def booking_request_alternative(request, booking_code):
    """A known absence in advance: the tutor (or hub) asks the hub for another date."""
    booking = access.get_booking_for_alternative_request(request.viewer, booking_code)
    error = None
    if request.method == "POST":
        try:
            registers.request_alternative(booking, request.user, request.POST.get("note", ""))
        except registers.RegisterError as problem:
            error = str(problem)
        else:
            messages.success(request, f"The hub is asked for another date for {booking.person.full_name}.")
            return redirect("booking_request_alternative", booking.code)
    context = {"booking": booking, "session": booking.session, "event": booking.event, "error": error,
               "note": request.POST.get("note", booking.alternative_note)}
    return render(request, "events/booking_request_alternative.html", context)


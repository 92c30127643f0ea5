"""Booking pages: a school's people on an event's sessions (induction tutors for their schools, hub
staff for any), choosing one's own session (where the event allows it), who has not booked, and
accepting an offered place. The rules live in `events.booking`; these views read and call it."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from ectprogramme.formats import human_date
from ectprogramme.once import form_token
from events import booking as bookings
from events.models import BookingStatus, BookingSubmission, Event
from events.unbooked import bookable_sessions, key_dates, own_booking, people_to_book, reference_date, school_rows
from participants import access

PAGE_SIZE = 50


def _require_booker(viewer):
    """Hub staff (every school) and induction tutors (their schools) book people; others get a 404."""
    if not (viewer.is_hub_staff or viewer.is_tutor):
        raise Http404("Not found")


def _get_event(code):
    event = Event.objects.filter(code=code).first()
    if event is None:
        raise Http404("Not found")
    return event


def _places_left(session):
    return session.capacity - session.booked - session.offered


def _options(sessions, booking):
    """The choices of one person's session picker: (value, label) pairs."""
    if booking is None:
        options = [("", "Not booked")]
    else:
        verb = {BookingStatus.BOOKED: "Booked on", BookingStatus.OFFERED: "Place offered on", BookingStatus.WAITING: "Waiting list for"}
        options = [("", f"{verb[booking.status]} {bookings.session_label(booking.session)} (no change)")]
    for session in sessions:
        label = f"{bookings.session_label(session)}, {session.venue if session.format == 'in_person' else 'online'}"
        if booking is not None and booking.session_id == session.pk and booking.status == BookingStatus.BOOKED:
            continue
        left = _places_left(session)
        if left > 0 or (booking is not None and booking.session_id == session.pk and booking.status == BookingStatus.OFFERED):
            options.append((f"{bookings.BOOK}:{session.code}", f"{label} ({left} place{'' if left == 1 else 's'} left)"))
        elif not (booking is not None and booking.session_id == session.pk):
            options.append((f"{bookings.WAIT}:{session.code}", f"{label}: full, join the waiting list"))
    if booking is not None:
        cancel = {BookingStatus.BOOKED: "Cancel the booking", BookingStatus.OFFERED: "Decline the offered place", BookingStatus.WAITING: "Leave the waiting list"}
        options.append((bookings.CANCEL, cancel[booking.status]))
    return options


def _parse_choice(value, sessions):
    """(action, session) from a picker value, or None for no change; invalid values are ignored."""
    action, _, code = value.partition(":")
    if action == bookings.CANCEL:
        return action, None
    by_code = {str(session.code): session for session in sessions}
    if action in (bookings.BOOK, bookings.WAIT) and code in by_code:
        return action, by_code[code]
    return None


def _apply(request, person, value, sessions, by_staff):
    """Apply one picker choice; returns (done, problem message, value to show again)."""
    choice = _parse_choice(value, sessions)
    if choice is None:
        return False, None, ""
    action, session = choice
    try:
        bookings.apply_choice(person, person.booking, action, session, actor=request.user, by_staff=by_staff)
    except bookings.SessionFull:
        label = bookings.session_label(session)
        if action == bookings.BOOK:
            return False, f"The last place on {label} has just been taken. Choose another session or join its waiting list.", f"{bookings.WAIT}:{session.code}"
        return False, "No places are left on that session.", ""
    except bookings.BookingProblem as problem:
        return False, problem.message, value
    return True, None, ""


def _claim_form(request, event):
    """Record the form's one-time token; False when this form was saved already (a double post)."""
    try:
        with transaction.atomic():
            BookingSubmission.objects.create(hub=request.hub, form_token=form_token(request), event=event, submitted_by=request.user)
    except IntegrityError:
        return False
    return True


@login_required
@require_http_methods(["GET", "POST"])
def book_school(request, event_code, school_code):
    """Everyone expected from a school at an event, each with a session picker, saved in one go."""
    _require_booker(request.viewer)
    school = access.get_school(request.viewer, school_code)
    event = _get_event(event_code)
    by_staff = request.viewer.is_hub_staff
    today = timezone.localdate()
    sessions = bookable_sessions(event, None if by_staff else today)
    on, deadline = key_dates(event, today)
    people = people_to_book(event, school, on, anyone_at_school=by_staff and not event.from_catalogue)
    errors, shown = {}, {}
    if request.method == "POST":
        if not _claim_form(request, event):
            messages.info(request, "These bookings were already saved.")
            return redirect("events:book_school", event.code, school.code)
        done = 0
        for person in people:
            changed, problem, again = _apply(request, person, request.POST.get(f"choice-{person.code}", ""), sessions, by_staff)
            done += changed
            if problem:
                errors[person.pk], shown[person.pk] = problem, again
        if done:
            messages.success(request, f"{done} booking change{'' if done == 1 else 's'} saved; everyone concerned is told by e-mail.")
        if not errors:
            return redirect("events:book_school", event.code, school.code)
        sessions = bookable_sessions(event, None if by_staff else today)
        people = people_to_book(event, school, on, anyone_at_school=by_staff and not event.from_catalogue)
    rows = [
        {"person": person, "options": _options(sessions, person.booking), "error": errors.get(person.pk), "selected": shown.get(person.pk, "")}
        for person in people
    ]
    context = {
        "event": event, "school": school, "rows": rows, "sessions": sessions, "errors": len(errors),
        "form_token": uuid.uuid4(), "deadline": deadline, "by_staff": by_staff,
    }
    return render(request, "events/book_school.html", context)


@login_required
def not_booked(request, event_code):
    """Per school: expected, booked, offered, waiting and not booked, with a link to book them."""
    _require_booker(request.viewer)
    event = _get_event(event_code)
    today = timezone.localdate()
    school_ids = None if request.viewer.is_hub_staff else sorted(request.viewer.tutor_school_ids)
    on, deadline = key_dates(event, today)
    rows = school_rows(event, on, school_ids)
    rows.sort(key=lambda row: (-row.not_booked, row.name, row.school_id))
    totals = {name: sum(getattr(row, name) for row in rows) for name in ("expected", "booked", "offered", "waiting", "not_booked")}
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    book_url = reverse("events:book_school", args=[event.code, uuid.UUID(int=0)]).replace(str(uuid.UUID(int=0)), "{}")
    context = {
        "event": event, "page": page, "rows": [row.shown(book_url) for row in page.object_list], "totals": totals,
        "deadline": deadline and human_date(deadline), "schools": len(rows), "is_staff": request.viewer.is_hub_staff,
    }
    return render(request, "events/not_booked.html", context)


@login_required
def booking_home(request):
    """The events with live sessions, each linking to who has not booked (hub staff and tutors)."""
    _require_booker(request.viewer)
    today = timezone.localdate()
    live = Q(sessions__cancelled_at__isnull=True)
    events = Event.objects.annotate(
        upcoming=Count("sessions", filter=live & Q(sessions__date__gte=today)),
        deadline=Min("sessions__booking_deadline", filter=live & Q(sessions__booking_deadline__gte=today)),
    ).filter(upcoming__gt=0)
    rows = [{"event": event, "deadline": event.deadline} for event in events]
    schools = access.visible_schools(request.viewer).order_by("name") if not request.viewer.is_hub_staff else None
    return render(request, "events/booking_home.html", {"rows": rows, "schools": schools})


@login_required
@require_http_methods(["GET", "POST"])
def self_book(request, event_code):
    """An ECT or mentor chooses or changes their own session, where the event lets them."""
    person = request.viewer.person
    event = _get_event(event_code)
    today = timezone.localdate()
    person.booking = own_booking(event, person)
    if not event.self_booking or (
        person.booking is None and not bookings.may_be_booked(event, person, reference_date(event, today))
    ):
        raise Http404("Not found")
    sessions = bookable_sessions(event, today)
    error = None
    if request.method == "POST":
        changed, error, _ = _apply(request, person, request.POST.get("choice", ""), sessions, by_staff=False)
        if changed:
            messages.success(request, "Saved: a confirmation is on its way by e-mail.")
            return redirect("events:self_book", event.code)
        if error is None:
            error = "Choose one of the options."
        sessions = bookable_sessions(event, today)
        person.booking = own_booking(event, person)
    context = {"event": event, "options": _options(sessions, person.booking)[1:], "booking": person.booking, "error": error}
    return render(request, "events/self_book.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def offer(request, token):
    """An offered place from the waiting list: the GET shows it (mail scanners open links), a POST
    accepts or declines. Only the person offered it may answer."""
    booking = bookings.booking_for_offer_token(token)
    if booking is None or request.viewer.person is None or booking.person_id != request.viewer.person.pk:
        raise Http404("Not found")
    problem = answered = None
    if request.method == "POST":
        try:
            if request.POST.get("answer") == "decline":
                booking = bookings.decline_offer(booking)
                answered = "You have declined the place; it goes to the next person waiting."
            else:
                booking = bookings.accept_offer(booking, actor=request.user)
                answered = "The place is yours: a confirmation is on its way by e-mail."
        except bookings.BookingProblem as error:
            problem = error.message
            booking.refresh_from_db()
    is_open = booking.status == BookingStatus.OFFERED and booking.offer_expires_at > timezone.now()
    context = {"booking": booking, "session": booking.session, "event": booking.session.event, "is_open": is_open, "problem": problem, "answered": answered}
    return render(request, "events/offer.html", context)

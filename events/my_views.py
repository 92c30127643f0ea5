"""A person's own events ("My events": what to book, what is booked, waiting lists and offers, past
attendance, catch-ups, their calendar address) and their private calendar feed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Min
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from events import attendance
from events.calendars import person_feed
from events.models import CalendarFeed, CatchUp, Session
from events.my_events import own_bookings
from schools.scoping import hub_scope, scopes_disabled


def _person(request):
    person = request.viewer.person
    if person is None:
        raise Http404("Not found")
    return person


def _feed(person):
    feed, _ = CalendarFeed.objects.get_or_create(person=person, defaults={"hub_id": person.hub_id})
    return feed


@login_required
def my_events(request):
    person = _person(request)
    today = timezone.localdate()
    rows = attendance.attendance_rows(request.hub, today, person_ids=[person.pk])
    counts = attendance.by_person(rows).get(person.pk, attendance.Counts())
    to_book = {row.event.pk: row for row in rows if row.status == "not_booked" and row.event.last_date >= today}
    deadlines = dict(
        Session.objects.filter(event_id__in=to_book, cancelled_at__isnull=True, booking_deadline__gte=today)
        .values("event_id").annotate(deadline=Min("booking_deadline")).values_list("event_id", "deadline")
    )
    for event_id, row in to_book.items():
        row.deadline = deadlines.get(event_id)
    bookings = own_bookings(person, today)
    feed = _feed(person)
    context = {
        "to_book": sorted(to_book.values(), key=lambda row: (row.event.first_date, row.event.event_code)),
        "booked": bookings.booked,
        "waiting": bookings.waiting,
        "past": bookings.past,
        "catch_ups": CatchUp.objects.filter(person=person).select_related("event", "booking__session").order_by("done_at", "due_on", "pk"),
        "counts": counts,
        "feed_url": request.build_absolute_uri(reverse("calendar_feed", args=[feed.token])),
        "today": today,
    }
    return render(request, "events/my_events.html", context)


@login_required
@require_POST
def calendar_reset(request):
    """A new secret calendar address: the old one stops working at once."""
    _feed(_person(request)).reset_token()
    messages.success(request, "Your calendar address has changed: the old one no longer works. Subscribe again with the new one.")
    return redirect("events:my_events")


@require_GET
def calendar_feed(request, feed_token):
    """A person's booked sessions as an iCalendar feed. No sign-in: the token is the secret; an
    unknown (or reset) token is a 404. Only the token's person's own bookings are in it."""
    with scopes_disabled():
        feed = CalendarFeed.objects.filter(token=feed_token).select_related("person__hub").first()
    if feed is None:
        raise Http404("Not found")
    with hub_scope(feed.person.hub):
        body = person_feed(feed.person)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="events.ics"'
    response["Cache-Control"] = "private, no-store"
    return response



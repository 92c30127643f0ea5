"""Conferences and clinics: the hub's events, their dated sessions, and who is booked on them.

`Event` is one row per hub per event (the programme catalogue is copied into every hub by
`events.catalogue.sync_catalogue`; a hub may add its own). `Session` is a dated session of an event
with its own capacity. `Booking` puts a person on a session (booked, waiting, offered or cancelled)
and records their attendance. A missed clinic gives a `CatchUp`; a missed conference (or an absence
known in advance) opens an `Alternative`. `CalendarFeed` is a person's private calendar address.
"""

import secrets
import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from participants.models import Person, Programme, User
from schools.models import HalfTermName, Hub


class EventKind(models.TextChoices):
    CONFERENCE = "conference", "Conference"
    CLINIC = "clinic", "Clinic"
    OTHER = "other", "Other"


class Audience(models.TextChoices):
    ECT = "ect", "ECTs"
    MENTOR = "mentor", "Mentors"
    TUTOR = "tutor", "Induction tutors"


class Event(models.Model):
    """A conference, clinic or other event of the programme (or the hub's own)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_code = models.SlugField(max_length=60, help_text="Stable identifier, e.g. ecf2021-ect1-conference-1.")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    audience = models.CharField(max_length=10, choices=Audience.choices)
    programme = models.CharField(max_length=10, choices=Programme.choices, blank=True)
    ect_year = models.PositiveSmallIntegerField(
        "ECT year", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(2)]
    )
    attendance_expected = models.BooleanField(default=True)
    half_term = models.CharField(max_length=10, choices=HalfTermName.choices, blank=True)
    from_catalogue = models.BooleanField(default=False, editable=False)
    self_booking = models.BooleanField(
        "Participants choose their own session", default=False, help_text="Clinics usually let people pick a date."
    )
    catch_up_materials = models.TextField(blank=True, help_text="What to study (text or a link) when the session is missed.")
    catch_up_days = models.PositiveSmallIntegerField(
        default=14, validators=[MinValueValidator(1), MaxValueValidator(365)], help_text="Catch-up is due this many days after the session."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["audience", "programme", "ect_year", "event_code"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "event_code"], name="event_code_unique_in_hub"),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        if self.audience == Audience.ECT:
            errors = {}
            if not self.programme:
                errors["programme"] = "An ECT event needs its programme."
            if self.ect_year not in (1, 2):
                errors["ect_year"] = "An ECT event is for ECT year 1 or 2."
            if errors:
                raise ValidationError(errors)
        else:
            self.programme, self.ect_year = "", None

    @property
    def is_clinic(self):
        return self.kind == EventKind.CLINIC

    @property
    def is_conference(self):
        return self.kind == EventKind.CONFERENCE


class SessionFormat(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"


class Session(models.Model):
    """A dated session of an event (times are Europe/London wall-clock times)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="sessions")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session_code = models.CharField(max_length=60, help_text="The hub's own identifier for the session.")
    date = models.DateField()
    start_time = models.TimeField()
    end_time = models.TimeField()
    format = models.CharField(max_length=10, choices=SessionFormat.choices, default=SessionFormat.IN_PERSON)
    venue = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    online_url = models.URLField("Joining link", max_length=500, blank=True, help_text="Shown only to people booked on it.")
    capacity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    booking_deadline = models.DateField()
    note = models.TextField(blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["date", "start_time", "session_code"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "session_code"], name="session_code_unique_in_hub"),
            models.CheckConstraint(condition=Q(end_time__gt=models.F("start_time")), name="session_ends_after_it_starts"),
            models.CheckConstraint(condition=Q(booking_deadline__lte=models.F("date")), name="session_deadline_not_after_date"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
        ]
        indexes = [models.Index(fields=["hub", "date"]), models.Index(fields=["event", "date"])]

    def __str__(self):
        return f"{self.event.title}, {self.date:%-d %b %Y}"

    @property
    def is_cancelled(self):
        return self.cancelled_at is not None


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    WAITING = "waiting", "Waiting list"
    OFFERED = "offered", "Place offered"
    CANCELLED = "cancelled", "Cancelled"


class Attendance(models.TextChoices):
    NOT_TAKEN = "", "Not taken"
    ATTENDED = "attended", "Attended"
    ABSENT = "absent", "Absent"
    EXCUSED = "excused", "Excused"


LIVE_STATUSES = (BookingStatus.BOOKED, BookingStatus.OFFERED)


class Booking(models.Model):
    """A person on a session. `booked + offered` on a session never exceeds its capacity (the
    session row is locked while counting and writing); walk-ins are attended and may exceed it."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="bookings")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="bookings")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="bookings")
    status = models.CharField(max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    attendance = models.CharField(max_length=10, choices=Attendance.choices, blank=True, default="")
    absence_reason = models.CharField(max_length=500, blank=True)
    walk_in = models.BooleanField(default=False)
    booked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, help_text="Waiting-list order.")
    updated_at = models.DateTimeField(auto_now=True)
    sequence = models.PositiveIntegerField(default=0, editable=False)
    alternative_requested_at = models.DateTimeField(null=True, blank=True)
    alternative_note = models.CharField(max_length=500, blank=True)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "session"], name="one_booking_per_person_per_session"),
            models.UniqueConstraint(
                fields=["person", "event"],
                condition=Q(status__in=["booked", "offered"], attendance=""),
                name="one_live_booking_per_person_per_event",
            ),
            models.CheckConstraint(
                condition=Q(status="offered") | Q(offer_expires_at__isnull=True), name="offer_expiry_only_when_offered"
            ),
        ]
        indexes = [
            models.Index(fields=["session", "status"]),
            models.Index(fields=["hub", "person"]),
            models.Index(fields=["event", "status"]),
        ]

    def __str__(self):
        return f"{self.person} on {self.session}"

    @property
    def is_live(self):
        return self.status in LIVE_STATUSES and self.attendance == ""


class CatchUp(models.Model):
    """A missed clinic's catch-up (self-study), due `event.catch_up_days` after the session."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="catch_up")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="catch_ups")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="catch_ups")
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["hub", "person"])]

    @property
    def is_done(self):
        return self.done_at is not None


class AlternativeReason(models.TextChoices):
    ABSENT = "absent", "Absent from the session"
    REQUESTED = "requested", "Absence known in advance"


class Alternative(models.Model):
    """"Alternative needed": a missed conference, or an absence known in advance. Closed when the
    person attends another session of the event, or when the hub closes it."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="alternatives")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="alternatives")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="alternatives")
    reason = models.CharField(max_length=10, choices=AlternativeReason.choices)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    closing_note = models.CharField(max_length=500, blank=True, help_text="Why the hub closed it, or how it was met.")

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking"], condition=Q(closed_at__isnull=True), name="one_open_alternative_per_booking"
            )
        ]
        indexes = [models.Index(fields=["hub", "person"])]

    @property
    def is_open(self):
        return self.closed_at is None


def new_feed_token():
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's private calendar address (`.ics` of their booked sessions); the token can be reset."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(hub="hub")

    def reset_token(self):
        self.token = new_feed_token()
        self.save(update_fields=["token"])


class NoticeKind(models.TextChoices):
    SESSION_CHANGED = "session-changed", "Session changed"
    SESSION_CANCELLED = "session-cancelled", "Session cancelled"
    BOOKING_CONFIRMED = "booking-confirmed", "Booking confirmed"
    BOOKING_MOVED = "booking-moved", "Booking moved"
    BOOKING_CANCELLED = "booking-cancelled", "Booking cancelled"
    PLACE_OFFERED = "booking-offered", "Place offered"


class BookingNotice(models.Model):
    """An e-mail to send once about a booking: one per booking, kind and booking sequence. The task
    claims it (`sent_at` NULL → now) before sending; a sweep sends what was never queued."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=30, choices=NoticeKind.choices)
    sequence = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind", "sequence"], name="one_notice_per_booking_change")
        ]
        indexes = [models.Index(fields=["sent_at", "created_at"])]


class BookingSubmission(models.Model):
    """A saved booking form (one event, one school): its one-time `form_token` is unique, so a
    double click or a browser retry of the same form books nothing twice."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    form_token = models.UUIDField(unique=True)
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    submitted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(hub="hub")

"""Programme versions and their module catalogues, and the work that is tracked against them:
ECT self-study, mentors' instructional coaching cycles (plus drop-ins and pastoral meetings) and
induction tutors' formal observations.
"""

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django_scopes import ScopedManager

from engagement.periods import FORTNIGHTLY, WEEKLY
from participants.models import ECT, InductionTutor, Mentor, Person, User
from schools.models import Hub, School

CADENCE_CHOICES = [(WEEKLY, "Weekly"), (FORTNIGHTLY, "Fortnightly")]


class ObservationCadence(models.TextChoices):
    HALF_TERMLY = "half_term", "Once a half term"
    TERMLY = "term", "Once a term"


class ProgrammeVersion(models.Model):
    """A version of the ECT programme; its cadences are data, not code branches."""

    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=100)
    study_cadence_ect1 = models.CharField(max_length=12, choices=CADENCE_CHOICES)
    study_cadence_ect2 = models.CharField(max_length=12, choices=CADENCE_CHOICES)
    coaching_cadence_ect1 = models.CharField(max_length=12, choices=CADENCE_CHOICES)
    coaching_cadence_ect2 = models.CharField(max_length=12, choices=CADENCE_CHOICES)
    formal_observations_ect1 = models.CharField(max_length=10, choices=ObservationCadence.choices)
    formal_observations_ect2 = models.CharField(max_length=10, choices=ObservationCadence.choices)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.name

    def study_cadence(self, cohort):
        return self.study_cadence_ect1 if cohort == "ECT1" else self.study_cadence_ect2

    def coaching_cadence(self, cohort):
        return self.coaching_cadence_ect1 if cohort == "ECT1" else self.coaching_cadence_ect2

    def formal_observation_cadence(self, cohort):
        return self.formal_observations_ect1 if cohort == "ECT1" else self.formal_observations_ect2


class Strand(models.TextChoices):
    BEHAVIOUR = "behaviour", "Behaviour"
    INSTRUCTION = "instruction", "Instruction"
    SUBJECT = "subject", "Subject"
    CURRICULUM_ASSESSMENT = "curriculum_assessment", "Curriculum and assessment"
    PROFESSIONAL_PRACTICE = "professional_practice", "Professional practice"


class Module(models.Model):
    """A self-study module of a programme version, in the order ECTs take them."""

    programme = models.ForeignKey(ProgrammeVersion, on_delete=models.CASCADE, related_name="modules")
    strand = models.CharField(max_length=25, choices=Strand.choices)
    code = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(2)])
    order = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["programme", "year", "order"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="module_code_unique_in_programme"),
            models.UniqueConstraint(fields=["programme", "year", "order"], name="module_order_unique_in_year"),
        ]

    def __str__(self):
        return f"{self.code}: {self.title}"


class Source(models.TextChoices):
    WEB = "web", "Recorded here"
    IMPORT = "import", "Learning platform import"


class StudyRecord(models.Model):
    """An ECT did a self-study module on a date.

    A module may be studied again on a later date (ECT2s revise year-one modules): a record's
    identity is the ECT, the module and the date.
    """

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    ect = models.ForeignKey(ECT, on_delete=models.CASCADE, related_name="study_records")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    done_on = models.DateField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    recorded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["done_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ect", "module", "done_on"], name="one_study_record_per_module_per_day")
        ]
        indexes = [models.Index(fields=["hub", "ect", "done_on"])]


class CoachingCycle(models.Model):
    """An instructional coaching cycle: a short observation, then a feedback session.

    Saved with the observation alone and completed with the feedback later. Editable for
    `EDIT_WINDOW_DAYS` after it was recorded, then locked unless the induction tutor unlocks it.
    """

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ect = models.ForeignKey(ECT, on_delete=models.CASCADE, related_name="coaching_cycles")
    mentor = models.ForeignKey(Mentor, on_delete=models.PROTECT, related_name="coaching_cycles")
    observed_on = models.DateField("Observation date")
    observation_minutes = models.PositiveSmallIntegerField(
        "Length (minutes)", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(300)]
    )
    class_subject = models.CharField("Class and subject", max_length=200, blank=True)
    focus = models.CharField(max_length=300, blank=True)
    observation_notes = models.TextField("Notes", blank=True)
    feedback_on = models.DateField("Feedback date", null=True, blank=True)
    action_step = models.CharField(max_length=500, blank=True, help_text="The one bite-sized action step.")
    model_shown = models.TextField("Model", blank=True, help_text="The model you showed.")
    practice = models.TextField(blank=True, help_text="The practice the ECT did before taking it live.")
    next_steps = models.TextField(blank=True)
    pastoral = models.BooleanField("Pastoral coaching", default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    unlocked_until = models.DateField(null=True, blank=True)
    form_token = models.UUIDField(null=True, blank=True, editable=False, help_text="The form submission that created it.")

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["-observed_on", "-id"]
        indexes = [models.Index(fields=["hub", "mentor", "observed_on"]), models.Index(fields=["hub", "ect", "observed_on"])]
        constraints = [models.UniqueConstraint(fields=["ect", "form_token"], name="one_coaching_cycle_per_form_submission")]

    @property
    def is_complete(self):
        return self.feedback_on is not None


class MeetingKind(models.TextChoices):
    DROP_IN = "drop_in", "Drop-in observation"
    PASTORAL = "pastoral", "Pastoral meeting"


class MentorMeeting(models.Model):
    """A drop-in observation or pastoral meeting outside the planned coaching cycles."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ect = models.ForeignKey(ECT, on_delete=models.CASCADE, related_name="mentor_meetings")
    mentor = models.ForeignKey(Mentor, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=10, choices=MeetingKind.choices)
    met_on = models.DateField("Date")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    form_token = models.UUIDField(null=True, blank=True, editable=False, help_text="The form submission that created it.")

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["-met_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["ect", "form_token"], name="one_mentor_meeting_per_form_submission")]


class ObservationOutcome(models.TextChoices):
    ON_TRACK = "on_track", "Making expected progress"
    SUPPORT = "support", "Needs additional support"
    CONCERN = "concern", "Cause for concern"


class FormalObservation(models.Model):
    """An induction tutor's formal observation (half-termly for ECT1, termly for ECT2)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ect = models.ForeignKey(ECT, on_delete=models.CASCADE, related_name="formal_observations")
    tutor = models.ForeignKey(InductionTutor, on_delete=models.PROTECT, related_name="formal_observations")
    observed_on = models.DateField("Date")
    notes = models.TextField(blank=True)
    outcome = models.CharField(max_length=10, choices=ObservationOutcome.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    form_token = models.UUIDField(null=True, blank=True, editable=False, help_text="The form submission that created it.")

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["-observed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["ect", "observed_on"], name="one_formal_observation_per_ect_per_day"),
            models.UniqueConstraint(fields=["ect", "form_token"], name="one_formal_observation_per_form_submission"),
        ]


# --- The engagement engine's tables -------------------------------------------------------------


class CalendarPeriod(models.Model):
    """A hub's study/coaching period of one cadence, materialised from its half terms.

    Rebuilt by `engagement.calendar.sync_calendar` whenever the hub's term dates change.
    """

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    cadence = models.CharField(max_length=12, choices=CADENCE_CHOICES)
    academic_year = models.PositiveSmallIntegerField()
    half_term = models.CharField(max_length=10)
    term = models.CharField(max_length=10)
    start_date = models.DateField()
    end_date = models.DateField()

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["hub", "cadence", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "cadence", "start_date"], name="one_period_per_start"),
        ]


class StudyWeeks(models.Model):
    """The weeks of an academic year and the next in which an ECT recorded study (`engagement.weeks`).

    Kept by database triggers on `StudyRecord`; never written by the application.
    """

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    ect = models.ForeignKey(ECT, on_delete=models.CASCADE, related_name="+", db_index=False)
    academic_year = models.PositiveSmallIntegerField()
    weeks = models.BigIntegerField(help_text="Bit 52 - n set when the year's week n has a record.")
    next_weeks = models.BigIntegerField(default=0, help_text="The next academic year's weeks, the same way.")
    last_on = models.DateField(help_text="The ECT's latest record, in any year.")

    objects = ScopedManager(hub="hub")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ect", "academic_year"], name="one_study_weeks_per_ect_year")]
        indexes = [models.Index(fields=["last_on"], name="study_weeks_last_on")]


class CoachingWeeks(models.Model):
    """The weeks of an academic year and the next in which a mentor observed a mentee (`engagement.weeks`).

    Kept by database triggers on `CoachingCycle`; never written by the application.
    """

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, related_name="+", db_index=False)
    ect = models.ForeignKey(ECT, on_delete=models.CASCADE, related_name="+")
    academic_year = models.PositiveSmallIntegerField()
    weeks = models.BigIntegerField(help_text="Bit 52 - n set when the year's week n has an observation.")
    next_weeks = models.BigIntegerField(default=0, help_text="The next academic year's weeks, the same way.")
    last_on = models.DateField(help_text="The mentor's latest observation of any mentee, in any year.")

    objects = ScopedManager(hub="hub")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mentor", "ect", "academic_year"], name="one_coaching_weeks_per_pair_year")
        ]
        indexes = [models.Index(fields=["last_on"], name="coaching_weeks_last_on")]


class HubCalendar(models.Model):
    """Which term dates the materialised calendar was built from (a fingerprint of the half terms)."""

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)
    built_at = models.DateTimeField(auto_now=True)


class EngagementStrand(models.TextChoices):
    STUDY = "study", "Study"
    COACHING = "coaching", "Coaching"


class EngagementStatus(models.TextChoices):
    """What a person's engagement row says, in the words every page uses.

    ECTs in training and mentors with a current mentee are on track, at risk or off track (by
    their consecutive missed periods); anyone else says why they are not judged.
    """

    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    PAUSED = "paused", "Paused"
    LEFT = "left", "Left"
    COMPLETED = "completed", "Completed"
    NOT_STARTED = "not_started", "Not started yet"
    NOT_MENTORING = "not_mentoring", "Not mentoring"


# the statuses of people judged on their engagement: the dashboards' percent on track is of these
TRACKED_STATUSES = (EngagementStatus.ON_TRACK, EngagementStatus.AT_RISK, EngagementStatus.OFF_TRACK)
NO_MENTOR_LABEL = "No mentor"  # an ECT (not left or completed) with no current mentor


DECLARATION_THRESHOLD = 75  # percent engagement the DfE's declarations need evidence of (2025 cohorts on)


def below_threshold(met, expected):
    """Whether a year's periods met fall below `DECLARATION_THRESHOLD` percent of those expected (none expected: no)."""
    return expected > 0 and 100 * met < expected * DECLARATION_THRESHOLD


# `below_threshold` of an `Engagement` row's year, as a query condition
BELOW_THRESHOLD = models.Q(year_expected__gt=0, year_met__lt=models.F("year_expected") * DECLARATION_THRESHOLD / 100.0)


class Engagement(models.Model):
    """One person's engagement figures for one strand, computed by the engine (as of the date in the
    hub's `EngagementRun`).

    ECTs of the cohorts in training, and of next year's, have a `study` row (their ECT record)
    whatever their status; current mentors a `coaching` row (their mentor role).
    Pages read these rows instead of recomputing; the engine rewrites a row only when it changes.
    """

    # no single-column indexes on hub, ect and mentor: the (hub, school, strand) index and the
    # unique ones below serve them, and every index slows the engine's writes
    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+", db_index=False)
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="engagements")
    strand = models.CharField(max_length=10, choices=EngagementStrand.choices)
    ect = models.ForeignKey(ECT, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False)
    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, null=True, blank=True, related_name="+", db_index=False)
    cohort = models.CharField(max_length=4, blank=True)
    periods_expected = models.PositiveIntegerField()
    periods_met = models.PositiveIntegerField()
    term_expected = models.PositiveIntegerField()
    term_met = models.PositiveIntegerField()
    year_expected = models.PositiveIntegerField()
    year_met = models.PositiveIntegerField()
    consecutive_missed = models.PositiveIntegerField()
    status = models.CharField(max_length=13, choices=EngagementStatus.choices)
    no_mentor = models.BooleanField(default=False, help_text="ECTs only: no current mentor (and not left or completed).")
    last_activity_on = models.DateField(null=True, blank=True)
    current_mentees = models.PositiveIntegerField(null=True, blank=True, help_text="Mentors only; 0 = not observing.")

    objects = ScopedManager(hub="hub")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ect"], condition=models.Q(ect__isnull=False), name="one_study_engagement_per_ect"),
            models.UniqueConstraint(
                fields=["mentor"], condition=models.Q(mentor__isnull=False), name="one_coaching_engagement_per_mentor"
            ),
        ]
        indexes = [models.Index(fields=["hub", "school", "strand"])]

    @staticmethod
    def percent_of(met, expected):
        return round(100 * met / expected, 1) if expected else None

    @property
    def percent(self):
        return self.percent_of(self.periods_met, self.periods_expected)

    @property
    def year_percent(self):
        return self.percent_of(self.year_met, self.year_expected)

    @property
    def term_percent(self):
        return self.percent_of(self.term_met, self.term_expected)


class EngagementRun(models.Model):
    """When a hub's engagement was last calculated, and as of which date (the rows themselves are
    only rewritten when their figures change). Every write of the hub's figures or trend moves
    `computed_at` in the same transaction, so what is read from them can be cached under it."""

    hub = models.OneToOneField(Hub, on_delete=models.CASCADE, related_name="+")
    as_of = models.DateField()
    computed_at = models.DateTimeField()

    objects = ScopedManager(hub="hub")


class EngagementTrend(models.Model):
    """A school's people on track for one strand in one week (the Monday of the as-of date's week).

    `people` are those judged (`TRACKED_STATUSES`); `no_mentor` the ECTs flagged with no mentor.
    """

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="engagement_trends")
    strand = models.CharField(max_length=10, choices=EngagementStrand.choices)
    week = models.DateField()
    people = models.PositiveIntegerField()
    on_track = models.PositiveIntegerField()
    at_risk = models.PositiveIntegerField()
    off_track = models.PositiveIntegerField()
    no_mentor = models.PositiveIntegerField(default=0)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["week"]
        constraints = [
            models.UniqueConstraint(fields=["school", "strand", "week"], name="one_trend_point_per_school_strand_week")
        ]
        indexes = [models.Index(fields=["hub", "strand", "week"])]


class PendingRecompute(models.Model):
    """A person whose engagement must be recomputed soon (activity or status changed).

    The debounced task claims and deletes these rows, so a person is recomputed once per burst.
    """

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    ect = models.ForeignKey(ECT, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    mentor = models.ForeignKey(Mentor, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(hub="hub")


def _report_path(report, filename):
    """Where a report's PDF is stored: under the hub's code and a random name, never guessable
    (and never served directly: only the download view, which checks who may see it)."""
    return f"reports/{report.hub.code}/{uuid.uuid4().hex}.pdf"


class ReportRequest(models.Model):
    """An engagement report (PDF) someone asked for, rendered in the background and kept a while.

    At most one request for the same report (kind, school, as-of date) is queued or rendering at a
    time: asking again gives the one being made (`engagement.reports.stored.ask`).
    """

    class Kind(models.TextChoices):
        SCHOOL = "school", "School report"
        HUB = "hub", "Hub report"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    IN_PROGRESS = (Status.QUEUED, Status.RENDERING)

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    school = models.ForeignKey(School, on_delete=models.CASCADE, null=True, blank=True, related_name="report_requests")
    as_of = models.DateField()
    requested_by = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.CharField(max_length=100, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=_report_path, blank=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The monthly report e-mailed to the school's induction tutors: the month's first day, and when it went.
    monthly_for = models.DateField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="school", school__isnull=False) | models.Q(kind="hub", school__isnull=True),
                name="report_school_for_school_reports_only",
            ),
            models.UniqueConstraint(
                fields=["hub", "school", "as_of"],
                condition=models.Q(kind="school", status__in=["queued", "rendering"], monthly_for__isnull=True),
                name="one_school_report_in_progress",
            ),
            models.UniqueConstraint(
                fields=["hub", "as_of"],
                condition=models.Q(kind="hub", status__in=["queued", "rendering"]),
                name="one_hub_report_in_progress",
            ),
            models.UniqueConstraint(
                fields=["school", "monthly_for"], condition=models.Q(monthly_for__isnull=False),
                name="one_monthly_report_per_school_and_month",
            ),
        ]
        indexes = [models.Index(fields=["hub", "school", "-requested_at"]), models.Index(fields=["status", "requested_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} as of {self.as_of}"

    @property
    def in_progress(self):
        return self.status in self.IN_PROGRESS


class SchoolReportSettings(models.Model):
    """A school's choice to have its engagement report e-mailed to its induction tutors on the 1st of every month."""

    hub = models.ForeignKey(Hub, on_delete=models.CASCADE, related_name="+")
    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="report_settings")
    monthly_email = models.BooleanField(default=False)
    changed_by = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager(hub="hub")

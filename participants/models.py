"""People in a hub and their roles.

One `User` per person (the e-mail is the login). A `Person` is that user's membership of one hub,
with the name that hub knows them by (a hub never sees another hub's name for them). A membership
of an account someone already owns is unconfirmed until the owner confirms it (`confirmed_at`);
until then it gives the account nothing in that hub. Roles hang off a Person: hub staff/admin (a field on Person), `InductionTutor` and `Mentor` (dated
periods at a school), `ECT` (one per person per hub, with a dated status history).
`MentorAssignment` links an ECT to a mentor for a dated period; at most one is open per ECT.
`PersonChange` is the audit timeline shown on a person's page. `EmailChange` is a change of sign-in
e-mail waiting for confirmation from the new address.
"""

import uuid
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from participants.cohorts import cohort_on
from participants.intervals import Period, PeriodQuerySet
from schools.models import Hub, School

PeriodManager = models.Manager.from_queryset(PeriodQuerySet)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        from participants.accounts import add_unproven_address

        add_unproven_address(user)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person's one account, across every hub they work with."""

    email = models.EmailField(unique=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can use the Django admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.first_name


class HubRole(models.TextChoices):
    NONE = "", "None"
    STAFF = "staff", "Hub staff"
    ADMIN = "admin", "Hub admin"
    FACILITATOR = "facilitator", "Facilitator"


class Person(models.Model):
    """A user's membership of one hub, with the name this hub knows them by."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="people")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="people")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    hub_role = models.CharField(max_length=20, choices=HubRole.choices, blank=True, default="")
    trn = models.CharField(
        "TRN",
        max_length=7,
        blank=True,
        default="",
        help_text="Teacher reference number (seven digits), from the DfE's participant file; how an import recognises "
        "someone whose e-mail changed.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        default=timezone.now,
        help_text="When the account's owner confirmed this membership; until then it gives the account no access.",
    )
    first_signed_in_at = models.DateTimeField(
        null=True, blank=True, help_text="When they first signed in with this hub active (`participants.onboarding`)."
    )
    last_signed_in_at = models.DateTimeField(
        null=True, blank=True, help_text="When they last signed in with this hub active (`participants.onboarding`)."
    )

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "user"], name="one_person_per_user_per_hub"),
            models.UniqueConstraint(fields=["hub", "trn"], condition=~Q(trn=""), name="one_person_per_trn_per_hub"),
        ]

    def __str__(self):
        return self.full_name or self.user.email

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None

    @property
    def has_signed_in(self):
        """Whether they have signed in with this hub (an unconfirmed membership has not; `participants.onboarding`)."""
        return self.is_confirmed and self.last_signed_in_at is not None

    @property
    def is_hub_staff(self):
        """Hub admins are hub staff too."""
        return self.hub_role in (HubRole.STAFF, HubRole.ADMIN)

    @property
    def is_hub_admin(self):
        return self.hub_role == HubRole.ADMIN

    @property
    def has_hub_role(self):
        """Hub staff, hub admins and facilitators: the roles that must use a second factor."""
        return self.hub_role != HubRole.NONE

    @property
    def is_facilitator(self):
        """Facilitators see sessions and take registers, nothing else."""
        return self.hub_role == HubRole.FACILITATOR


class SchoolRole(Period):
    """A person's dated role at a school (induction tutor, mentor)."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = ScopedManager(_manager_class=PeriodManager, hub="hub")

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.person} at {self.school.name}"


class InductionTutor(SchoolRole):
    """Registers ECTs and mentors, checks engagement weekly, formally observes ECTs."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tutor_roles")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="induction_tutors")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "school"], condition=Q(finished_on__isnull=True), name="one_open_tutor_role_per_school"
            )
        ]


class Mentor(SchoolRole):
    """Gives instructional coaching to their current ECTs."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="mentor_roles")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="mentors")
    previously_trained = models.BooleanField(
        default=False,
        help_text="Already trained as a mentor: previously trained mentors do not need to repeat the programme.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "school"], condition=Q(finished_on__isnull=True), name="one_open_mentor_role_per_school"
            )
        ]


class Programme(models.TextChoices):
    ECF2021 = "ecf2021", "ECF 2021–24"
    ECTE2025 = "ecte2025", "ECTE 2025–27"


class ECT(models.Model):
    """An early career teacher on the two-year programme at one school of the hub."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="ect_roles")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="ects")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.CharField(max_length=10, choices=Programme.choices)
    cohort_start_year = models.PositiveSmallIntegerField(
        help_text="The academic year the ECT started the programme (it starts on 1 September).",
        validators=[MinValueValidator(2021), MaxValueValidator(2100)],
    )
    induction_start_date = models.DateField()
    fte = models.DecimalField(
        "FTE",
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("1.0"))],
        help_text="Full-time equivalent: 1.0 is full time; part-time ECTs follow an adjusted schedule.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(hub="hub")

    class Meta:
        verbose_name = "ECT"
        ordering = ["person__last_name", "person__first_name"]
        constraints = [models.UniqueConstraint(fields=["hub", "person"], name="one_ect_record_per_person_per_hub")]
        indexes = [models.Index(fields=["hub", "school"])]

    def __str__(self):
        return str(self.person)

    def cohort_on(self, day):
        return cohort_on(self.cohort_start_year, day)

    @property
    def cohort(self):
        return self.cohort_on(timezone.localdate())


class ECTStatusKind(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    LEFT = "left", "Left"
    COMPLETED = "completed", "Completed"


class ECTStatus(Period):
    """One dated status of an ECT; the open one is the current status."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    ect = models.ForeignKey(ECT, on_delete=models.CASCADE, related_name="statuses")
    status = models.CharField(max_length=10, choices=ECTStatusKind.choices)
    note = models.CharField(max_length=500, blank=True)

    objects = ScopedManager(_manager_class=PeriodManager, hub="hub")

    class Meta:
        verbose_name_plural = "ECT statuses"
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ect"], condition=Q(finished_on__isnull=True), name="one_open_status_per_ect")
        ]


class ECTAtSchool(Period):
    """The ECT at one school of the hub from `started_on` until `finished_on` (a transfer finishes one
    period and opens the next); `ECT.school` is the school of the open period."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    ect = models.ForeignKey(ECT, on_delete=models.CASCADE, related_name="school_periods")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="ect_periods")

    objects = ScopedManager(_manager_class=PeriodManager, hub="hub")

    class Meta:
        verbose_name = "ECT at school"
        verbose_name_plural = "ECTs at schools"
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ect"], condition=Q(finished_on__isnull=True), name="one_open_school_period_per_ect")
        ]

    def __str__(self):
        return f"{self.ect} at {self.school.name}"


class MentorAssignment(Period):
    """An ECT mentored by a mentor from `started_on` until `finished_on`."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    ect = models.ForeignKey(ECT, on_delete=models.CASCADE, related_name="mentor_assignments")
    mentor = models.ForeignKey(Mentor, on_delete=models.PROTECT, related_name="assignments")
    form_token = models.UUIDField(
        null=True, blank=True, editable=False, help_text="The form that paired mentors in one go (`ectprogramme.once`)."
    )

    objects = ScopedManager(_manager_class=PeriodManager, hub="hub")

    class Meta:
        ordering = ["started_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["ect"], condition=Q(finished_on__isnull=True), name="one_current_mentor_per_ect"),
            models.UniqueConstraint(fields=["ect", "form_token"], name="one_assignment_per_ect_per_form"),
        ]


class PersonChange(models.Model):
    """One entry of a person's timeline: what changed, who changed it, when."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="changes")
    actor = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    summary = models.CharField(max_length=500)
    school = models.ForeignKey(
        School,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The school whose role the change concerns; empty for hub-wide changes (account, hub role).",
    )

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "-at"])]

    def __str__(self):
        return self.summary


class Invitation(models.Model):
    """A set-up e-mail to send once: the Celery task claims it before sending."""

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="invitations")
    sent_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    key = models.CharField(
        max_length=80,
        null=True,
        blank=True,
        unique=True,
        help_text="For set-up e-mails sent to many at once: one per person per day (`participants.onboarding`).",
    )
    batch = models.UUIDField(null=True, blank=True, editable=False, help_text="The request that asked for it in bulk.")

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["-created_at"]


class EmailChange(models.Model):
    """A change of a person's sign-in e-mail asked for by hub staff or a tutor, pending until it is
    confirmed from the new address (a signed, single-use link that expires) or cancelled from the old.

    The account is shared by every hub the person is in, so nothing changes until the owner of the
    new address confirms; the old address is told about the request and can cancel it.
    """

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="email_changes")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    old_email = models.EmailField()
    new_email = models.EmailField()
    requested_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    notified_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_notified_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["person", "-requested_at"])]

    def __str__(self):
        return f"{self.old_email} → {self.new_email}"

    @property
    def is_pending(self):
        return self.confirmed_at is None and self.cancelled_at is None


class ImportUploadStatus(models.TextChoices):
    CHECKING = "checking", "Checking"
    CHECKED = "checked", "Checked"
    IMPORTING = "importing", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"
    DISCARDED = "discarded", "Discarded"


class ImportUpload(models.Model):
    """A registration file (ours or the DfE's) uploaded by hub staff: checked into a stored plan,
    shown as a preview, imported only once confirmed (`participants.uploads`).

    The original file is kept in the database (web and worker need not share a disk) and is
    downloadable by hub staff. `plan` is the checked `ImportPlan` (its JSON fields); `result` the
    summary of what the import wrote; `progress` (0-100) and `stage` are what the page polls.
    """

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="+")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    format = models.CharField(max_length=20, blank=True, default="")
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=ImportUploadStatus.choices, default=ImportUploadStatus.CHECKING)
    updated_at = models.DateTimeField(default=timezone.now, help_text="Last change of status or progress (a stalled task is re-queued).")
    progress = models.PositiveSmallIntegerField(default=0)
    stage = models.CharField(max_length=100, blank=True, default="")
    plan = models.JSONField(null=True, blank=True)
    problems = models.PositiveIntegerField(default=0, help_text="How many problems the check found (none: it can be imported).")
    replanned = models.BooleanField(
        default=False, help_text="The hub changed between the preview and the confirmation: this is the new preview."
    )
    confirmed_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["hub", "-uploaded_at"]), models.Index(fields=["status", "updated_at"])]

    def __str__(self):
        return self.file_name

    @property
    def in_progress(self):
        return self.status in (ImportUploadStatus.CHECKING, ImportUploadStatus.IMPORTING)

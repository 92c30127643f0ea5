"""A hub is the tenant; every tenant-owned row carries a `hub` foreign key.

Tenant models declare `objects = ScopedManager(hub="hub")` (django-scopes): a query outside a
`hub_scope(...)` raises instead of leaking another hub's rows.
"""

import uuid

from django.core.validators import RegexValidator
from django.db import models
from django_scopes import ScopedManager

urn_validator = RegexValidator(r"^\d{6,7}$", "A URN is 6 or 7 digits.")


class Hub(models.Model):
    """A teaching school hub delivering the ECT programme to its schools."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    contact_email = models.EmailField(
        "Contact e-mail", blank=True, help_text="Where schools and people write to the hub; reports and e-mails show it."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class School(models.Model):
    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="schools")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    urn = models.CharField("URN", max_length=7, validators=[urn_validator])
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["hub", "urn"], name="school_urn_unique_in_hub")]
        indexes = [models.Index(fields=["hub", "name"])]

    def __str__(self):
        return f"{self.name} ({self.urn})"


class HalfTermName(models.TextChoices):
    AUTUMN1 = "autumn1", "Autumn 1"
    AUTUMN2 = "autumn2", "Autumn 2"
    SPRING1 = "spring1", "Spring 1"
    SPRING2 = "spring2", "Spring 2"
    SUMMER1 = "summer1", "Summer 1"
    SUMMER2 = "summer2", "Summer 2"


HALF_TERM_ORDER = [name for name, _ in HalfTermName.choices]
# Terms (for termly expectations such as ECT2 formal observations) group half terms in pairs.
TERM_OF_HALF_TERM = {name: name[:-1] for name in HALF_TERM_ORDER}


class HalfTerm(models.Model):
    """One of the six half terms of a hub's academic year (`academic_year` = its starting year).

    Everything between half terms is holiday. Each hub keeps its own dates (local authorities and
    trusts set their own).
    """

    hub = models.ForeignKey(Hub, on_delete=models.PROTECT, related_name="half_terms")
    academic_year = models.PositiveSmallIntegerField(help_text="The starting year, e.g. 2025 for 2025/26.")
    name = models.CharField(max_length=10, choices=HalfTermName.choices)
    start_date = models.DateField()
    end_date = models.DateField()

    objects = ScopedManager(hub="hub")

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(fields=["hub", "academic_year", "name"], name="one_half_term_of_each_name_per_year"),
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")), name="half_term_ends_after_it_starts"),
        ]

    def __str__(self):
        return f"{self.get_name_display()} {self.academic_year}/{str(self.academic_year + 1)[-2:]}"

    @property
    def term(self):
        return TERM_OF_HALF_TERM[self.name]

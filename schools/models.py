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

"""Dated periods: `started_on` inclusive, `finished_on` exclusive (NULL = ongoing).

A change on day D finishes the old period on D and starts the new one on D, so periods of one
thing never overlap and never leave a gap.
"""

import datetime

from django.db import models
from django.db.models import Q


class PeriodQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        """Periods covering `on` (today when omitted)."""
        on = on or datetime.date.today()
        return self.filter(Q(finished_on__isnull=True) | Q(finished_on__gt=on), started_on__lte=on)

    def overlapping(self, start: datetime.date, end: datetime.date | None):
        """Periods sharing at least one day with [start, end)."""
        qs = self.filter(Q(finished_on__isnull=True) | Q(finished_on__gt=start))
        return qs if end is None else qs.filter(started_on__lt=end)


class Period(models.Model):
    started_on = models.DateField()
    finished_on = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True

    def contains(self, day: datetime.date) -> bool:
        return self.started_on <= day and (self.finished_on is None or day < self.finished_on)

    @property
    def is_open(self) -> bool:
        return self.finished_on is None

    def finish(self, on: datetime.date):
        """Finish the period on `on`, or on the day it started if `on` is earlier (an empty period)."""
        self.finished_on = max(on, self.started_on)
        self.save(update_fields=["finished_on"])

"""A hub's calendar as periods: the bridge from stored half terms to `engagement.periods`."""

import datetime

from engagement.periods import HalfTermDates, periods
from participants.cohorts import ECT1, ECT2
from schools.models import HalfTerm


def hub_half_terms(hub) -> list[HalfTermDates]:
    return [
        HalfTermDates(h.start_date, h.end_date, (h.academic_year, h.name))
        for h in HalfTerm.objects.filter(hub=hub).order_by("start_date")
    ]


def induction_periods(half_terms, cohort_start_year, cadence_for_cohort):
    """The periods of an ECT's two induction years as (cohort, period), each year with its cadence.

    `cadence_for_cohort(cohort)` gives the cadence (weekly / fortnightly) for ECT1 and ECT2.
    """
    result = []
    for cohort, year in ((ECT1, cohort_start_year), (ECT2, cohort_start_year + 1)):
        year_half_terms = [h for h in half_terms if h.key[0] == year]
        result += [(cohort, period) for period in periods(year_half_terms, cadence_for_cohort(cohort))]
    return result


def days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def _fingerprint(half_terms):
    import hashlib

    text = "v2;" + ";".join(f"{h.key}:{h.start}:{h.end}" for h in half_terms)
    return hashlib.sha256(text.encode()).hexdigest()


def sync_calendar(hub):
    """Materialise the hub's periods (`CalendarPeriod`) for the engine, if its term dates changed.

    Returns True when the calendar was rebuilt.
    """
    from django.db import transaction

    from engagement.models import CalendarPeriod, HubCalendar
    from engagement.periods import CADENCE_WEEKS
    from schools.models import TERM_OF_HALF_TERM

    half_terms = hub_half_terms(hub)
    fingerprint = _fingerprint(half_terms)
    stored = HubCalendar.objects.filter(hub=hub).values_list("fingerprint", flat=True).first()
    if stored == fingerprint:
        return False
    with transaction.atomic():
        CalendarPeriod.objects.filter(hub=hub).delete()
        CalendarPeriod.objects.bulk_create(
            CalendarPeriod(
                hub=hub, cadence=cadence, academic_year=p.half_term[0], half_term=p.half_term[1],
                term=TERM_OF_HALF_TERM[p.half_term[1]], start_date=p.start, end_date=p.end,
            )
            for cadence in CADENCE_WEEKS
            for p in periods(half_terms, cadence)
        )
        HubCalendar.objects.update_or_create(hub=hub, defaults={"fingerprint": fingerprint})
    return True

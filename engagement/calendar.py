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

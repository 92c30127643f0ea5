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
    """Materialise the hub's periods and days for the engine, if its term dates changed.

    Returns True when the calendar was rebuilt.
    """
    from django.db import transaction

    from engagement.models import CalendarDay, CalendarPeriod, HubCalendar
    from engagement.periods import CADENCE_WEEKS
    from participants.cohorts import academic_year_of
    from schools.models import TERM_OF_HALF_TERM

    half_terms = hub_half_terms(hub)
    fingerprint = _fingerprint(half_terms)
    stored = HubCalendar.objects.filter(hub=hub).values_list("fingerprint", flat=True).first()
    if stored == fingerprint:
        return False
    with transaction.atomic():
        CalendarDay.objects.filter(hub=hub).delete()
        CalendarPeriod.objects.filter(hub=hub).delete()
        by_cadence = {}
        for cadence in CADENCE_WEEKS:
            rows = [
                CalendarPeriod(
                    hub=hub, cadence=cadence, academic_year=p.half_term[0], half_term=p.half_term[1],
                    term=TERM_OF_HALF_TERM[p.half_term[1]], start_date=p.start, end_date=p.end, seq=seq,
                )
                for seq, p in enumerate(periods(half_terms, cadence), start=1)
            ]
            by_cadence[cadence] = CalendarPeriod.objects.bulk_create(rows)
        if half_terms:
            first = datetime.date(academic_year_of(half_terms[0].start), 8, 1)
            last = datetime.date(academic_year_of(half_terms[-1].end) + 1, 8, 31)
            CalendarDay.objects.bulk_create(_days(hub, first, last, by_cadence), batch_size=2000)
        HubCalendar.objects.update_or_create(hub=hub, defaults={"fingerprint": fingerprint})
    return True


def _days(hub, first, last, by_cadence):
    from engagement.models import CalendarDay
    from participants.cohorts import academic_year_of

    state = {cadence: {"done": 0} for cadence in by_cadence}
    for day in days(first, last):
        fields = {}
        year = academic_year_of(day)
        for cadence, rows in by_cadence.items():
            cursor = state[cadence]
            while cursor["done"] < len(rows) and rows[cursor["done"]].end_date < day:
                cursor["done"] += 1
            # the first period not yet ended either holds the day or starts after it
            upcoming = rows[cursor["done"]] if cursor["done"] < len(rows) else None
            inside = upcoming if upcoming and upcoming.start_date <= day else None
            fields[f"{cadence}_period"] = inside
            fields[f"{cadence}_seq"] = inside.seq if inside else None
            fields[f"{cadence}_done"] = cursor["done"]
            fields[f"{cadence}_next"] = (upcoming.seq + (1 if inside and inside.start_date < day else 0)) if upcoming else len(rows) + 1
            if inside:
                year = inside.academic_year
        yield CalendarDay(hub=hub, day=day, academic_year=year, **fields)

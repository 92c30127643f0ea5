"""Cohort rules: ECT1 / ECT2 come from the cohort start year and a date, never by hand.

The academic year starts on 1 September. An ECT whose cohort starts in year Y is ECT1 from
1 September Y to 31 August Y+1 and ECT2 for the academic year after that.
"""

import datetime

ECT1 = "ECT1"
ECT2 = "ECT2"


def academic_year_of(day: datetime.date) -> int:
    """The starting calendar year of the academic year containing `day`."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year_bounds(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of the academic year containing `day` and the first day of the next."""
    year = academic_year_of(day)
    return datetime.date(year, 9, 1), datetime.date(year + 1, 9, 1)


def cohort_on(cohort_start_year: int, day: datetime.date) -> str | None:
    """`ECT1`, `ECT2`, or None before the cohort starts or after its second year."""
    years_in = academic_year_of(day) - cohort_start_year
    return {0: ECT1, 1: ECT2}.get(years_in)

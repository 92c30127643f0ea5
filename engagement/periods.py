"""The programme calendar: term weeks and the study/coaching periods built from them.

One function serves study, coaching and engagement (`../shared/domain/RULES.md`, "Only term time
counts"):

- Weeks run Monday to Sunday.
- A week is a *term week* when at least three of its weekdays (Monday–Friday) fall inside one
  half term; it belongs to that half term. Every other week is holiday and carries no expectation.
- Weekly cadence: each term week is a period.
- Fortnightly cadence: the term weeks of each half term are paired in order (1+2, 3+4, …); an odd
  last week of a half term is a period on its own. Pairs never cross a half term.

Pure functions over plain values: no database, so they are cheap to call and to test.
"""

import datetime
from dataclasses import dataclass
from typing import Iterable, Sequence

WEEKLY = "weekly"
FORTNIGHTLY = "fortnightly"
CADENCE_WEEKS = {WEEKLY: 1, FORTNIGHTLY: 2}
MIN_TERM_WEEKDAYS = 3

ONE_DAY = datetime.timedelta(days=1)
ONE_WEEK = datetime.timedelta(days=7)


@dataclass(frozen=True, order=True)
class HalfTermDates:
    """A half term's first and last day (inclusive). `key` identifies it, e.g. (2025, "autumn1")."""

    start: datetime.date
    end: datetime.date
    key: tuple = ()


@dataclass(frozen=True, order=True)
class Period:
    """A study or coaching period: whole weeks from `start` (a Monday) to `end` (a Sunday)."""

    start: datetime.date
    end: datetime.date
    half_term: tuple
    weeks: int

    def contains(self, day: datetime.date) -> bool:
        return self.start <= day <= self.end

    def is_judged(self, as_of: datetime.date) -> bool:
        """Judged once its last day is before the as-of date."""
        return self.end < as_of


def monday_of(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _weekdays_inside(monday: datetime.date, half_term: HalfTermDates) -> int:
    first = max(monday, half_term.start)
    last = min(monday + datetime.timedelta(days=4), half_term.end)
    return max(0, (last - first).days + 1)


def term_weeks(half_terms: Iterable[HalfTermDates]) -> list[tuple[datetime.date, HalfTermDates]]:
    """Every term week as (its Monday, its half term), in date order."""
    weeks = {}
    for half_term in sorted(half_terms):
        monday = monday_of(half_term.start)
        while monday <= half_term.end:
            if _weekdays_inside(monday, half_term) >= MIN_TERM_WEEKDAYS and monday not in weeks:
                weeks[monday] = half_term
            monday += ONE_WEEK
    return sorted(weeks.items())


def periods(half_terms: Sequence[HalfTermDates], cadence: str) -> list[Period]:
    """The periods of a cadence over the given half terms, in date order."""
    size = CADENCE_WEEKS[cadence]
    by_half_term: dict[HalfTermDates, list[datetime.date]] = {}
    for monday, half_term in term_weeks(half_terms):
        by_half_term.setdefault(half_term, []).append(monday)
    result = []
    for half_term, mondays in by_half_term.items():
        for i in range(0, len(mondays), size):
            group = mondays[i : i + size]
            result.append(Period(group[0], group[-1] + ONE_WEEK - ONE_DAY, half_term.key, len(group)))
    return sorted(result)


def period_containing(all_periods: Sequence[Period], day: datetime.date) -> Period | None:
    """The period whose span holds `day`, or None in a holiday."""
    for period in all_periods:
        if period.contains(day):
            return period
    return None

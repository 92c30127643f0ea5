"""The calendar rules at year, half-term and holiday boundaries, for both cadences (no database)."""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from engagement.periods import FORTNIGHTLY, WEEKLY, HalfTermDates, period_containing, periods, term_weeks

D = datetime.date

# 2025/26 from ../shared/data/term_dates_example.csv
YEAR_2025 = [
    HalfTermDates(D(2025, 9, 3), D(2025, 10, 24), (2025, "autumn1")),
    HalfTermDates(D(2025, 11, 3), D(2025, 12, 19), (2025, "autumn2")),
    HalfTermDates(D(2026, 1, 5), D(2026, 2, 13), (2025, "spring1")),
    HalfTermDates(D(2026, 2, 23), D(2026, 3, 27), (2025, "spring2")),
    HalfTermDates(D(2026, 4, 13), D(2026, 5, 22), (2025, "summer1")),
    HalfTermDates(D(2026, 6, 1), D(2026, 7, 21), (2025, "summer2")),
]


def test_a_week_starting_on_wednesday_counts_it_has_three_weekdays():
    weeks = term_weeks(YEAR_2025[:1])
    assert weeks[0][0] == D(2025, 9, 1)  # Wed 3 Sep – Fri 5 Sep
    assert len(weeks) == 8


def test_a_week_with_only_two_term_weekdays_is_holiday():
    half_term = HalfTermDates(D(2026, 7, 1), D(2026, 7, 21))  # ends on a Tuesday
    mondays = [monday for monday, _ in term_weeks([half_term])]
    assert D(2026, 7, 20) not in mondays
    assert mondays == [D(2026, 6, 29), D(2026, 7, 6), D(2026, 7, 13)]


def test_holiday_weeks_have_no_period():
    weekly = periods(YEAR_2025, WEEKLY)
    assert period_containing(weekly, D(2025, 10, 29)) is None  # October half term
    assert period_containing(weekly, D(2025, 12, 24)) is None  # Christmas
    assert period_containing(weekly, D(2025, 11, 3)).start == D(2025, 11, 3)


def test_weekly_cadence_has_one_period_per_term_week():
    weekly = periods(YEAR_2025, WEEKLY)
    assert len(weekly) == len(term_weeks(YEAR_2025)) == 39
    assert all(p.weeks == 1 and p.start.weekday() == 0 and p.end.weekday() == 6 for p in weekly)


def test_fortnights_pair_weeks_within_a_half_term_and_an_odd_last_week_stands_alone():
    fortnightly = [p for p in periods(YEAR_2025, FORTNIGHTLY) if p.half_term == (2025, "autumn2")]
    # autumn2 2025: 7 term weeks (3 Nov – 19 Dec) → 3 fortnights + 1 single week
    assert [(p.start, p.end, p.weeks) for p in fortnightly] == [
        (D(2025, 11, 3), D(2025, 11, 16), 2),
        (D(2025, 11, 17), D(2025, 11, 30), 2),
        (D(2025, 12, 1), D(2025, 12, 14), 2),
        (D(2025, 12, 15), D(2025, 12, 21), 1),
    ]


def test_a_fortnight_never_spans_a_holiday():
    for period in periods(YEAR_2025, FORTNIGHTLY):
        assert (period.end - period.start).days + 1 == 7 * period.weeks


def test_periods_continue_across_the_academic_year_boundary():
    year_2026 = [HalfTermDates(D(2026, 9, 2), D(2026, 10, 23), (2026, "autumn1"))]
    weekly = periods(YEAR_2025 + year_2026, WEEKLY)
    assert period_containing(weekly, D(2026, 8, 15)) is None
    assert period_containing(weekly, D(2026, 9, 2)).half_term == (2026, "autumn1")


def test_a_period_is_judged_once_its_last_day_is_before_the_as_of_date():
    first = periods(YEAR_2025, WEEKLY)[0]
    assert not first.is_judged(D(2025, 9, 7))  # its Sunday: still in progress
    assert first.is_judged(D(2025, 9, 8))


half_term_lists = st.lists(
    st.tuples(st.dates(D(2024, 1, 1), D(2028, 12, 31)), st.integers(0, 60)), min_size=1, max_size=8
).map(
    lambda pairs: _non_overlapping([HalfTermDates(start, start + datetime.timedelta(days=length)) for start, length in pairs])
)


def _non_overlapping(half_terms):
    kept = []
    for half_term in sorted(half_terms):
        if not kept or half_term.start > kept[-1].end:
            kept.append(HalfTermDates(half_term.start, half_term.end, (len(kept),)))
    return kept


@settings(max_examples=300, deadline=None)
@given(half_terms=half_term_lists)
def test_properties_of_the_calendar(half_terms):
    weekly = periods(half_terms, WEEKLY)
    fortnightly = periods(half_terms, FORTNIGHTLY)
    weeks = term_weeks(half_terms)
    # every term week has at least three weekdays inside its half term, and is one weekly period
    for monday, half_term in weeks:
        weekdays = [monday + datetime.timedelta(days=i) for i in range(5)]
        assert sum(half_term.start <= day <= half_term.end for day in weekdays) >= 3
    assert [p.start for p in weekly] == [monday for monday, _ in weeks]
    # fortnights cover exactly the same weeks, never overlap, and only the last of a half term is single
    covered = [p.start + datetime.timedelta(weeks=i) for p in fortnightly for i in range(p.weeks)]
    assert covered == [monday for monday, _ in weeks]
    for earlier, later in zip(fortnightly, fortnightly[1:]):
        assert earlier.end < later.start
        if earlier.weeks == 1:
            assert earlier.half_term != later.half_term
    # every day of a period lies in exactly one period of each cadence
    for period in fortnightly:
        assert period_containing(fortnightly, period.start) == period

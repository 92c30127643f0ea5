"""Cohort derivation across the 1 September boundary (no database)."""

import datetime

from participants.cohorts import academic_year_of, cohort_on


def test_academic_year_starts_on_1_september():
    assert academic_year_of(datetime.date(2025, 8, 31)) == 2024
    assert academic_year_of(datetime.date(2025, 9, 1)) == 2025


def test_cohort_2025_is_ect1_from_1_september_2025():
    assert cohort_on(2025, datetime.date(2025, 8, 31)) is None
    assert cohort_on(2025, datetime.date(2025, 9, 1)) == "ECT1"
    assert cohort_on(2025, datetime.date(2026, 8, 31)) == "ECT1"


def test_cohort_2025_rolls_over_to_ect2_on_1_september_2026():
    assert cohort_on(2025, datetime.date(2026, 9, 1)) == "ECT2"
    assert cohort_on(2025, datetime.date(2027, 8, 31)) == "ECT2"


def test_cohort_is_over_after_two_years():
    assert cohort_on(2025, datetime.date(2027, 9, 1)) is None

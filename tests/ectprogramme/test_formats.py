"""One format for dates and percentages wherever people read them."""

import datetime

from ectprogramme.formats import human_date, whole_percent


def test_a_date_reads_1_sep_2025_without_a_leading_zero():
    assert human_date(datetime.date(2025, 9, 1)) == "1 Sep 2025"
    assert human_date(datetime.date(2026, 12, 25)) == "25 Dec 2026"


def test_percentages_are_whole_rounded_half_up():
    assert [whole_percent(v) for v in (66.7, 66.5, 66.4, 0.0, 100.0, None)] == ["67", "67", "66", "0", "100", None]

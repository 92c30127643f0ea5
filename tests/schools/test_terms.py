"""Term dates: import (all or nothing), editing rules and copying a year forward."""

import datetime
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from schools import terms
from schools.models import HalfTerm
from schools.scoping import hub_scope

D = datetime.date
EXAMPLE = Path(settings.BASE_DIR).parent / "shared" / "data" / "term_dates_example.csv"
HEADER = "academic_year,half_term,start_date,end_date\n"
YEAR_2025 = """2025,autumn1,2025-09-03,2025-10-24
2025,autumn2,2025-11-03,2025-12-19
2025,spring1,2026-01-05,2026-02-13
2025,spring2,2026-02-23,2026-03-27
2025,summer1,2026-04-13,2026-05-22
2025,summer2,2026-06-01,2026-07-21
"""


def run(world, tmp_path, text, encoding="utf-8"):
    path = tmp_path / "terms.csv"
    path.write_bytes(text.encode(encoding))
    out, err = io.StringIO(), io.StringIO()
    call_command("import_terms", str(path), hub=world.hub.slug, stdout=out, stderr=err)
    return out.getvalue()


def run_failing(world, tmp_path, text, encoding="utf-8"):
    path = tmp_path / "terms.csv"
    path.write_bytes(text.encode(encoding))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_terms", str(path), hub=world.hub.slug, stdout=io.StringIO(), stderr=err)
    with hub_scope(world.hub):
        assert not HalfTerm.objects.exists()
    return err.getvalue()


def test_the_example_file_imports_and_reimporting_changes_nothing(world, tmp_path):
    text = EXAMPLE.read_text() if EXAMPLE.exists() else HEADER + YEAR_2025
    assert "changed" in run(world, tmp_path, text)
    with hub_scope(world.hub):
        count = HalfTerm.objects.count()
        assert count % 6 == 0 and count >= 6
        assert "(0 changed)" in run(world, tmp_path, text)
        assert HalfTerm.objects.count() == count


def test_term_dates_belong_to_their_hub(world, tmp_path):
    run(world, tmp_path, HEADER + YEAR_2025)
    with hub_scope(world.other_hub):
        assert not HalfTerm.objects.exists()


def test_overlapping_half_terms_are_rejected_with_the_line(world, tmp_path):
    bad = YEAR_2025.replace("2025,autumn2,2025-11-03", "2025,autumn2,2025-10-20")
    assert "line 3: start_date: 2025 Autumn 2 starts on 20 Oct 2025, before Autumn 1 ends" in run_failing(world, tmp_path, HEADER + bad)


def test_out_of_order_half_terms_are_rejected(world, tmp_path):
    bad = YEAR_2025.replace("2025,spring1,2026-01-05,2026-02-13", "2025,spring1,2026-04-01,2026-04-10")
    assert "Spring 2 starts on 23 Feb 2026, before Spring 1 ends" in run_failing(world, tmp_path, HEADER + bad)


@pytest.mark.parametrize(
    "row, message",
    [
        ("2025,winter1,2025-09-03,2025-10-24", "line 2: half_term: 'winter1' is not one of"),
        ("2025,autumn1,03/09/2025,2025-10-24", "line 2: start_date: '03/09/2025' is not a date"),
        ("20x5,autumn1,2025-09-03,2025-10-24", "line 2: academic_year:"),
        ("2025,autumn1,2025-10-24,2025-09-03", "line 2: end_date: 2025 Autumn 1 ends (3 Sep 2025) before it starts"),
        ("2025,autumn1,2024-09-03,2024-10-24", "line 2: start_date: 2025 Autumn 1 must fall between"),
    ],
)
def test_bad_rows_are_reported_and_nothing_is_written(world, tmp_path, row, message):
    rest = YEAR_2025.split("\n", 1)[1]
    assert message in run_failing(world, tmp_path, HEADER + row + "\n" + rest)


def test_a_year_needs_all_six_half_terms(world, tmp_path):
    assert "2025 is missing Summer 2" in run_failing(world, tmp_path, HEADER + YEAR_2025.rsplit("2025,summer2", 1)[0])


def test_missing_column_and_wrong_encoding_are_rejected(world, tmp_path):
    assert "line 1: end_date: missing column" in run_failing(world, tmp_path, "academic_year,half_term,start_date\n2025,autumn1,2025-09-03\n")
    assert "not UTF-8" in run_failing(world, tmp_path, HEADER + "2025,autumn1,2025-09-03,2025-10-24 café\n", encoding="utf-16")


def test_a_year_that_overlaps_the_stored_previous_year_is_rejected(world, tmp_path):
    run(world, tmp_path, HEADER + YEAR_2025.replace("2026-06-01,2026-07-21", "2026-06-01,2026-08-20"))
    with hub_scope(world.hub):
        stored = {h.name: (h.start_date + terms.COPY_SHIFT, h.end_date + terms.COPY_SHIFT) for h in HalfTerm.objects.all()}
    stored["autumn1"] = (D(2026, 8, 10), stored["autumn1"][1])
    rows = "".join(f"2026,{name},{start},{end}\n" for name, (start, end) in stored.items())
    path = tmp_path / "next.csv"
    path.write_text(HEADER + rows)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_terms", str(path), hub=world.hub.slug, stdout=io.StringIO(), stderr=err)
    assert "2026 Autumn 1: starts before 2025 Summer 2 ends (20 Aug 2026)" in err.getvalue()
    with hub_scope(world.hub):
        assert set(HalfTerm.objects.values_list("academic_year", flat=True)) == {2025}


def test_unknown_hub_is_a_clear_error(tmp_path, db):
    path = tmp_path / "t.csv"
    path.write_text(HEADER + YEAR_2025)
    with pytest.raises(CommandError, match="No hub with the slug 'nowhere'"):
        call_command("import_terms", str(path), hub="nowhere")


def test_copy_forward_drafts_next_year_on_the_same_weekdays_without_storing_it(world, tmp_path):
    run(world, tmp_path, HEADER + YEAR_2025)
    with hub_scope(world.hub):
        year, copied = terms.copy_forward(world.hub)
        assert year == 2026
        assert copied["autumn1"][0] == D(2026, 9, 2) and copied["autumn1"][0].weekday() == 2
        assert copied["summer2"][1] == D(2027, 7, 20)
        assert not HalfTerm.objects.filter(academic_year=2026).exists()


def test_copy_forward_needs_a_year_to_copy(world):
    with hub_scope(world.hub), pytest.raises(terms.TermDatesError, match="no year to copy"):
        terms.copy_forward(world.hub)


def test_save_year_rejects_a_bad_edit_and_keeps_the_old_dates(world, tmp_path):
    run(world, tmp_path, HEADER + YEAR_2025)
    with hub_scope(world.hub):
        dates = {h.name: (h.start_date, h.end_date) for h in HalfTerm.objects.filter(academic_year=2025)}
        dates["spring1"] = (D(2026, 1, 5), D(2026, 3, 1))  # runs into spring 2
        with pytest.raises(terms.TermDatesError):
            terms.save_year(world.hub, 2025, dates)
        assert HalfTerm.objects.get(academic_year=2025, name="spring1").end_date == D(2026, 2, 13)

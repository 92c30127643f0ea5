"""The PDF engagement reports (`engagement.reports`) and `manage.py report`: the PDF's numbers are
the export's (`manage.py engagement`) for the same date, the report is an accessible PDF, and a
fixed school report looks as it did (a golden image, `tests/engagement/golden/`; regenerate it on
purpose with `scripts/regenerate_golden_report.py`)."""

import csv
import datetime
import io
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from engagement import compute
from engagement.calendar import sync_calendar
from engagement.models import Engagement, EngagementStatus
from engagement.periods import monday_of
from engagement.reports import data, evidence, pdf
from events.catalogue import sync_catalogue
from events.models import Event
from participants.models import ECT
from schools.models import HalfTerm
from schools.scoping import hub_scope
from tests import factories
from tests.engagement.test_compute import TERMS
from tests.engagement.test_evidence import observed, periods, studied

D = datetime.date
AS_OF = D(2026, 3, 20)  # a Friday of the spring term, 2025/26
GOLDEN = Path(__file__).parent / "golden" / "school-report-page-1.png"
REGENERATE = os.environ.get("REGENERATE_GOLDEN_REPORT") == "1"
GOLDEN_DPI = 60
PIXEL_TOLERANCE = 0.01  # the share of pixels that may differ visibly (font rasterising across library versions)


def build(hub, school):
    """A fixed school: five ECTs and two mentors on the 2025 programme with a term and a half of study
    and coaching (one ECT stopped studying, one stopped last fortnight, one with no mentor), the
    hub's term dates, and the engine's figures and weekly trend for the eight weeks to `AS_OF`."""
    for year, rows in TERMS.items():
        for name, start, end in rows:
            HalfTerm.objects.create(hub=hub, academic_year=year, name=name, start_date=start, end_date=end)
    sync_calendar(hub)

    def person(first, last):
        return {"person__first_name": first, "person__last_name": last, "person__user__email": f"{first}.{last}@willow.example.org".lower()}

    maya = factories.MentorFactory(school=school, **person("Maya", "Patel"))
    tom = factories.MentorFactory(school=school, **person("Tom", "Reed"))
    fortnights = [p.start_date for p in periods(SimpleNamespace(hub=hub), "fortnightly") if p.start_date < AS_OF]
    weeks = [p.start_date for p in periods(SimpleNamespace(hub=hub), "weekly") if p.start_date < AS_OF]
    ects = {}
    for first, last, mentor, stop_studying, stop_coaching in (
        ("Amira", "Khan", maya, None, None),
        ("Ben", "Carter", maya, D(2026, 1, 5), D(2026, 2, 20)),
        ("Chloe", "Davies", tom, D(2026, 2, 23), None),
        ("Dan", "Evans", tom, None, None),
        ("Erin", "Foster", None, None, None),
    ):
        ect = factories.ECTFactory(school=school, induction_start_date=D(2025, 9, 3), **person(first, last))
        if mentor:
            factories.MentorAssignmentFactory(ect=ect, mentor=mentor, started_on=D(2025, 9, 3))
            observed(mentor, ect, *[day + datetime.timedelta(days=1) for day in weeks if not stop_coaching or day < stop_coaching])
        studied(ect, *[day + datetime.timedelta(days=2) for day in fortnights if not stop_studying or day < stop_studying])
        ects[first] = ect
    for weeks_ago in range(7, 0, -1):
        compute.store_trend([hub.id], AS_OF - datetime.timedelta(weeks=weeks_ago), from_stored=False)
    compute.store([hub.id], AS_OF)
    compute.store_trend([hub.id], AS_OF)
    return ects


@pytest.fixture
def reported(world):
    """`world`'s hub A with term dates, and its school Elm Primary built as `build` does."""
    with hub_scope(world.hub):
        world.ects = build(world.hub, world.school)
        yield world


@pytest.fixture
def golden(db):
    """A hub and school of their own with fixed names, built as `build` does (nothing from factories' sequences)."""
    hub = factories.HubFactory(slug="riverside", name="Riverside Teaching School Hub", contact_email="ect@riverside.example.org")
    with hub_scope(hub):
        school = factories.SchoolFactory(hub=hub, name="Willow Lane Primary", urn="123456")
        build(hub, school)
        yield hub, school


def pdf_text(document):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def export_rows(hub, as_of):
    """What `manage.py engagement --format csv` prints for the date."""
    out = io.StringIO()
    call_command("engagement", hub=hub.slug, as_of=as_of.isoformat(), format="csv", stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def bare(text):
    """The text without its spaces and line breaks (cells wrap over lines, and text extraction puts
    spaces where letters are kerned: "T om")."""
    return "".join(text.split())


def table_rows(text, after, before, names):
    """{name: the `bare` text of its row} in the table between the words `after` and `before` (a
    name may be in several tables)."""
    table = bare(text.split(after, 1)[1].split(before, 1)[0])
    starts = sorted((table.index(bare(name)), name) for name in names)
    return {name: table[start:end] for (start, name), (end, _) in zip(starts, [*starts[1:], (len(table), None)])}


def test_the_school_report_shows_each_persons_periods_as_the_export_counts_them(reported):
    rows = [r for r in export_rows(reported.hub, AS_OF) if r["school_urn"] == reported.school.urn]
    text = pdf_text(pdf.render_school_report(reported.hub, reported.school, AS_OF))
    people = [e.person for e in ECT.objects.filter(school=reported.school)] + [m.person for m in reported.school.mentors.all()]
    names = {p.user.email: f"{p.first_name} {p.last_name}" for p in people}
    assert len(rows) == 10  # with the two ECTs and the mentor `world` puts at Elm Primary
    shown = table_rows(text, "Engagement of every ECT", "Evidence of 75%", {names[row["email"]] for row in rows})
    for row in rows:
        line = shown[names[row["email"]]]
        if int(row["periods_expected"]):
            percent = int(float(row["percent"]) + 0.5)
            assert bare(f"{row['consecutive_missed']} {row['periods_met']} of {row['periods_expected']} ({percent}%)") in line, (row, line)
        assert bare(dict(EngagementStatus.choices)[row["status"]]) in line
    by_name = {names[r["email"]]: r for r in rows}
    assert by_name["Ben Carter"]["status"] == "off_track" and by_name["Chloe Davies"]["status"] == "at_risk"
    judged = [r for r in rows if r["strand"] == "study" and r["status"] in ("on_track", "at_risk", "off_track")]
    on_track = sum(r["status"] == "on_track" for r in judged)
    assert bare(f"{on_track} of {len(judged)} on track") in bare(text)
    assert "Riverside" not in text and reported.other_school.name not in text


def test_the_hub_report_shows_each_schools_people_on_track_as_the_export_counts_them(reported):
    rows = export_rows(reported.hub, AS_OF)
    text = pdf_text(pdf.render_hub_report(reported.hub, AS_OF))
    schools = (reported.school, reported.sibling_school)
    shown = table_rows(text, "Engagement by school", "How the figures are counted", {f"{s.name} {s.urn}" for s in schools})
    for school in schools:
        mine = [r for r in rows if r["school_urn"] == school.urn]
        line = shown[f"{school.name} {school.urn}"]
        for strand in ("study", "coaching"):
            judged = [r for r in mine if r["strand"] == strand and r["status"] in ("on_track", "at_risk", "off_track")]
            if judged:
                percent = int(100 * sum(r["status"] == "on_track" for r in judged) / len(judged) + 0.5)
                assert bare(f"{percent}% of {len(judged)}") in line, (strand, line)
    assert all(bare(words) in bare(text) for words in ("Term by term", "Spring term 2025/26", "Autumn term 2025/26"))
    assert reported.other_school.name not in text  # the other hub's


def test_the_hub_reports_schools_table_counts_off_track_at_risk_and_below_75(reported):
    report = data.hub_report(reported.hub, AS_OF)
    rows = compute.engagement_rows([reported.hub.id], AS_OF)
    (elm,) = [s for s in report["schools"] if s["name"] == reported.school.name]
    mine = [r for r in rows if r.school_id == reported.school.id]
    assert elm["off_track"] == str(sum(r.status == "off_track" for r in mine))
    assert elm["at_risk"] == str(sum(r.status == "at_risk" for r in mine))
    assert elm["below"] == str(sum(r.year_expected > 0 and 100 * r.year_met < 75 * r.year_expected for r in mine))
    assert report["attention"][0]["name"] == reported.school.name
    assert [s["name"] for s in report["schools"]] == sorted(s["name"] for s in report["schools"])


def test_the_headline_change_is_since_the_start_of_term(reported):
    report = data.school_report(reported.hub, reported.school, AS_OF)
    at_start = data.school_report(reported.hub, reported.school, D(2026, 2, 23))  # the spring term began on 5 January
    study = report["headlines"]["study"]
    assert report["since"] == "since the start of term (5 Jan 2026)"
    assert report["term"] == "Spring term 2025/26"
    start = [r for r in compute.engagement_rows([reported.hub.id], D(2026, 1, 5)) if r.school_id == reported.school.id]
    judged = [r for r in start if r.strand == "study" and r.status in ("on_track", "at_risk", "off_track")]
    start_percent = Engagement.percent_of(sum(r.status == "on_track" for r in judged), len(judged))
    assert study["change"] == int(float(study["percent"]) + 0.5) - int(start_percent + 0.5)
    assert at_start["since"] == "since the start of term (5 Jan 2026)"


def test_people_at_risk_of_missing_the_75_percent_evidence_come_first(reported):
    report = data.school_report(reported.hub, reported.school, AS_OF)
    names = [p["name"] for p in report["attention"]]
    at_risk = [p["name"] for p in report["attention"] if "evidence at risk" in p["reasons"][0]]
    assert "Ben Carter" in at_risk and names[: len(at_risk)] == at_risk  # Ben Carter stopped studying on 5 January
    (ben,) = [p for p in report["attention"] if p["name"] == "Ben Carter"]  # 7 of 11 fortnights
    assert ben["reasons"][0].startswith(f"{evidence.MILESTONE_LABELS['retained-2']} study evidence at risk: 7 of 11 periods met (64%)")
    assert "Off track" in ben["reasons"][-2]
    assert "Chloe Davies" in names[len(at_risk):]  # at risk this fortnight, above 75% over the year
    assert "Amira Khan" not in names
    evidence_at_risk = [row["name"] for row in report["evidence"] if row["at_risk"]]
    assert [row["name"] for row in report["evidence"]][: len(evidence_at_risk)] == evidence_at_risk


def test_the_report_weeks_end_with_the_as_of_figures(reported):
    report = data.school_report(reported.hub, reported.school, AS_OF)
    study = report["trend"]["rows"][-1][1]
    assert report["trend"]["labels"][-1] == monday_of(AS_OF).strftime("%-d %b")
    assert study == report["headlines"]["study"]["percent"]
    assert report["trend"]["has_data"] and sum(row[1] is not None for row in report["trend"]["rows"]) == 8


def test_the_report_is_an_accessible_pdf(reported):
    document = pdf.render_school_report(reported.hub, reported.school, AS_OF)
    reader = PdfReader(io.BytesIO(document))
    root = reader.trailer["/Root"]
    assert reader.metadata.title == "Engagement report: Elm Primary, 20 Mar 2026"
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"])  # tagged: headings, tables with header cells
    assert {"Table", "THead", "TH", "TR", "TD", "H1", "H2", "Caption"} <= structure_tags(root["/StructTreeRoot"])
    for page in reader.pages:  # text, not pictures of text
        resources = page["/Resources"]
        images = [x for x in resources.get("/XObject", {}).values() if x.get_object().get("/Subtype") == "/Image"]
        assert images == []
        assert page.extract_text().strip()
    assert bare("North Teaching School Hub") in bare(pdf_text(document)) and bare("Page 1 of 4") in bare(pdf_text(document))


def structure_tags(node, found=None):
    """The structure types (/S) of a tagged PDF's structure tree under `node`."""
    found = set() if found is None else found
    node = node.get_object()
    if isinstance(node, list):
        for kid in node:
            structure_tags(kid, found)
    elif hasattr(node, "get"):
        if "/S" in node:
            found.add(str(node["/S"]).lstrip("/"))
        if "/K" in node:
            structure_tags(node["/K"], found)
    return found


def test_the_report_command_writes_the_school_report_and_the_hub_report(reported, tmp_path):
    school_file, hub_file = tmp_path / "school.pdf", tmp_path / "hub.pdf"
    out = io.StringIO()
    call_command("report", hub="north", school=reported.school.urn, as_of="2026-03-20", output=str(school_file), stdout=out)
    call_command("report", hub="north", as_of="2026-03-20", output=str(hub_file), stdout=out)
    assert "Engagement report: Elm Primary" in pdf_text(school_file.read_bytes())
    assert "Engagement report: every school" in pdf_text(hub_file.read_bytes())
    assert out.getvalue().count("Wrote ") == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"hub": "nowhere"}, "No hub with the slug 'nowhere'."),
        ({"hub": "north", "school": "999999"}, "No school with the URN '999999' in the hub 'north'."),
        ({"hub": "north", "as_of": "20/03/2026"}, "--as-of must be a date as YYYY-MM-DD, not '20/03/2026'"),
    ],
)
def test_the_report_command_says_what_is_wrong(reported, tmp_path, options, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("report", **{"as_of": "2026-03-20", "output": str(tmp_path / "r.pdf"), **options})


def test_a_school_of_another_hub_is_not_found_by_its_urn(reported, tmp_path):
    with pytest.raises(CommandError, match="No school with the URN"):
        call_command("report", hub="north", school=reported.other_school.urn, as_of="2026-03-20", output=str(tmp_path / "r.pdf"))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (Debian's poppler-utils) is not installed")
def test_a_fixed_school_report_looks_as_it_did(golden, tmp_path):
    from PIL import Image, ImageChops

    hub, school = golden
    (tmp_path / "report.pdf").write_bytes(pdf.render_school_report(hub, school, AS_OF))
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(GOLDEN_DPI), "-f", "1", "-l", "1", "-singlefile", "report.pdf", "page"], cwd=tmp_path, check=True
    )
    page = Image.open(tmp_path / "page.png").convert("L")
    if REGENERATE:
        GOLDEN.parent.mkdir(exist_ok=True)
        page.save(GOLDEN, optimize=True)
        pytest.skip(f"regenerated {GOLDEN}")
    expected = Image.open(GOLDEN).convert("L")
    assert page.size == expected.size
    differing = ImageChops.difference(page, expected).point(lambda value: 255 if value > 48 else 0).histogram()[255]
    assert differing / (page.size[0] * page.size[1]) <= PIXEL_TOLERANCE, (
        f"{differing} pixels differ; if the change is meant, run scripts/regenerate_golden_report.py"
    )


def test_the_school_report_shows_each_events_attendance_and_the_hub_report_each_schools(reported):
    sync_catalogue(reported.hub)
    clinic = Event.objects.get(hub=reported.hub, event_code="ecte2025-ect1-clinic-1")
    held = factories.SessionFactory(event=clinic, date=D(2026, 2, 3), booking_deadline=D(2026, 1, 27), session_code="C1-FEB")
    amira, ben = reported.ects["Amira"], reported.ects["Ben"]
    factories.BookingFactory(session=held, person=amira.person, attendance="attended")
    factories.BookingFactory(session=held, person=ben.person, attendance="absent")

    report = data.school_report(reported.hub, reported.school, AS_OF)
    row = next(event for event in report["attendance"] if event["title"] == clinic.title)
    assert (row["attended"], row["missed"]) == (1, 1) and row["expected"] >= 2

    text = bare(pdf_text(pdf.render_school_report(reported.hub, reported.school, AS_OF)))
    assert bare("Conferences and clinics") in text and bare(clinic.title) in text
    hub_text = bare(pdf_text(pdf.render_hub_report(reported.hub, AS_OF)))
    assert bare("Events attended of expected so far") in hub_text

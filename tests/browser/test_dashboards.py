"""The engagement dashboards through the real pages: the induction tutor's Lead dashboard (their
school) and the hub staff's hub dashboard (every school), with htmx sorting and filtering, the
drill-down to one person's periods, CSV downloads, empty states, axe and phones.

The `dash` fixture gives the hub term dates for the current and previous academic years, then study
and coaching at different recency so that every status appears, computes the figures as of today
and a few past weeks of trend. Elm Primary then has:

    ECTs:    Amara Okafor (on track), Ben Hughes (at risk), Chloe Zhang (off track: no study at all)
    Mentors: Dev Patel (on track; mentors Amara), Erin Walsh (at risk; mentors Ben and Chloe)

Oak Academy (the World's sibling school) has its ECT and mentor off track; Ash Infants an ECT on track.
"""

import csv
import datetime
import io
import re
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from engagement import compute, dashboards
from engagement.calendar import sync_calendar
from engagement.models import Engagement, EngagementTrend, Module, StudyRecord
from participants.cohorts import academic_year_of
from schools import terms
from schools.scoping import hub_scope
from tests import factories
from tests.browser.conftest import axe_blocking, format_violations, screenshot
from tests.conftest import typical_term_dates

MARKER = "window.__stillTheSamePage = 'yes'"
SAME_PAGE = "window.__stillTheSamePage === 'yes'"
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 800}
CSV_HEADER = "school_urn,email,role,strand,cohort,periods_expected,periods_met,percent,consecutive_missed,status"
PEOPLE_CAPTION = "Engagement of ECTs and mentors at Elm Primary"
CHART_TITLE = "Percent of people on track, week by week"


def _today():
    return timezone.localdate()


def _name(person, first, last):
    person.first_name, person.last_name = first, last
    person.save(update_fields=["first_name", "last_name"])


def _judged(hub, today, **who):
    """One person's judged (and not excused) periods, oldest first, as the engine sees them."""
    return [p for p in compute.period_history(hub.id, today, **who) if p.judged and not p.excused]


def _study(ect, period, modules):
    StudyRecord.objects.create(hub=ect.hub, ect=ect, module=modules.pop(0), done_on=period.start)


def _coach(mentor, ect, period):
    factories.CoachingCycleFactory(ect=ect, mentor=mentor, observed_on=period.start, focus="Questioning")


def _with_term_dates(world, today):
    year = academic_year_of(today)
    if year not in (2025, 2026):
        pytest.skip(f"{today} is outside the induction of the World's 2025 cohort")
    for academic_year in (year - 1, year):
        terms.save_year(world.hub, academic_year, typical_term_dates(academic_year))


@pytest.fixture
def dash(bworld):
    """The committed World with term dates, people at every status, figures and a trend."""
    w, today = bworld, _today()
    with scopes_disabled():
        _with_term_dates(w, today)
        _name(w.ect.person, "Amara", "Okafor")
        _name(w.unmentored_ect.person, "Ben", "Hughes")
        _name(w.mentor.person, "Dev", "Patel")
        w.extra_ect = factories.ECTFactory(
            school=w.school, person__user__email="chloe@elm.example.org", person__user__first_name="Chloe", person__user__last_name="Zhang"
        )
        w.extra_mentor = factories.MentorFactory(
            school=w.school, person__user__email="erin@elm.example.org", person__user__first_name="Erin", person__user__last_name="Walsh"
        )
        factories.MentorAssignmentFactory(ect=w.unmentored_ect, mentor=w.extra_mentor)
        factories.MentorAssignmentFactory(ect=w.extra_ect, mentor=w.extra_mentor)
        w.third_school = factories.SchoolFactory(hub=w.hub, name="Ash Infants")
        w.ash_ect = factories.ECTFactory(school=w.third_school)
        with hub_scope(w.hub):
            sync_calendar(w.hub)
        modules = list(Module.objects.filter(programme__code=w.ect.programme).order_by("year", "order"))
        studied = _judged(w.hub, today, ect_id=w.ect.id)
        if len(studied) < 3:
            pytest.skip(f"{today}: too few study periods judged yet")
        _study(w.ect, studied[-2], modules)
        _study(w.ect, studied[-1], modules)  # on track
        _study(w.unmentored_ect, studied[-2], modules[1:])  # at risk: the last period missed
        _study(w.ash_ect, studied[-1], modules[2:])  # on track
        coached = _judged(w.hub, today, mentor_id=w.mentor.id)
        _coach(w.mentor, w.ect, coached[-1])  # on track
        _coach(w.extra_mentor, w.unmentored_ect, coached[-1])
        _coach(w.extra_mentor, w.extra_ect, coached[-2])  # at risk: the longest run of misses is 1
        compute.recompute([w.hub, w.other_hub], today)
        for weeks in (5, 4, 3, 2, 1):
            compute.store_trend([w.hub.id], today - datetime.timedelta(weeks=weeks), from_stored=False)
        statuses = dict(Engagement.objects.filter(school=w.school, strand="study").values_list("ect__person__last_name", "status"))
        mentors = Engagement.objects.filter(school=w.school, strand="coaching")
        statuses |= dict(mentors.values_list("mentor__person__last_name", "status"))
    assert statuses == {
        "Okafor": "on_track", "Hughes": "at_risk", "Zhang": "off_track", "Patel": "on_track", "Walsh": "at_risk",
    }, statuses
    w.today = today
    w.lead_path = f"/schools/{w.school.code}/engagement/"
    return w


def _people_table(page):
    return page.get_by_role("table", name=PEOPLE_CAPTION)


def _row_names(table):
    return table.locator("tbody th[scope=row]")


def _headline(page, label):
    return page.locator("article.headline").filter(has=page.get_by_role("heading", name=label, exact=True))


def _change_text(headline):
    if headline.change is None:
        return None
    if headline.change > 0:
        return f"up {headline.change_size} point{'s' if headline.change_size != 1 else ''} since last week"
    if headline.change < 0:
        return f"down {headline.change_size} point{'s' if headline.change_size != 1 else ''} since last week"
    return "no change since last week"


# --- 1. The tutor's Lead dashboard ---------------------------------------------------------------


def test_tutor_lands_on_the_lead_dashboard_with_headlines_trend_and_people(page, dash, sign_in):
    sign_in(dash.tutor.person.user)
    page.goto("/")
    expect(page).to_have_url(re.compile(rf"{dash.lead_path}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Engagement at Elm Primary")
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_have_count(0)  # tutors have no hub dashboard
    with scopes_disabled():
        calendar = dashboards.calendar_state(dash.hub, dash.today)
        expected = dashboards.summary(
            dashboards.counts(Engagement.objects.filter(school=dash.school)),
            dashboards.trend_series(EngagementTrend.objects.filter(school=dash.school), dash.today),
        ).headlines
    if calendar == "holiday":
        expect(page.get_by_role("status")).to_contain_text("It is a holiday week")
    else:
        expect(page.get_by_role("status")).to_have_count(0)

    # Headlines: percent on track, counts, and the change since last week (from the stored trend).
    study, coaching = _headline(page, "ECTs on track with study"), _headline(page, "Mentors on track with coaching")
    expect(study.locator(".big")).to_have_text("33%")
    expect(study).to_contain_text("1 of 3 on track")
    expect(study).to_contain_text("1 at risk · 1 off track")
    expect(coaching.locator(".big")).to_have_text("50%")
    expect(coaching).to_contain_text("1 of 2 on track")
    for locator, strand in ((study, "study"), (coaching, "coaching")):
        change = _change_text(expected[strand])
        assert change is not None, f"no trend point for last week ({strand})"
        expect(locator).to_contain_text(change)

    # The trend: an SVG chart with a title, and the same figures as a table inside <details>.
    chart = page.get_by_role("img", name=CHART_TITLE)
    expect(chart).to_be_visible()
    expect(chart.locator("title")).to_have_text(CHART_TITLE)
    expect(chart.locator("polyline")).to_have_count(2)
    trend_table = page.get_by_role("table", name="Percent of people on track, by week (week starting)")
    expect(trend_table).to_be_hidden()
    summary = page.get_by_text("The trend as a table", exact=True)
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("figure.trend details")).to_have_attribute("open", "")
    expect(trend_table).to_be_visible()
    expect(trend_table.locator("tbody tr")).to_have_count(dashboards.TREND_WEEKS)
    this_week = dashboards.monday_of(dash.today)
    expect(trend_table.locator("tbody tr").last.get_by_role("rowheader")).to_have_text(f"{this_week.day} {this_week:%b}")
    expect(trend_table.locator("tbody tr").last).to_contain_text("33%")
    page.keyboard.press("Enter")
    expect(trend_table).to_be_hidden()

    # The people: status as words in each row, worst first.
    table = _people_table(page)
    expect(_row_names(table)).to_have_text(["Chloe Zhang", "Ben Hughes", "Erin Walsh", "Amara Okafor", "Dev Patel"])
    expect(table.locator("tbody tr > :nth-child(3)")).to_have_text(
        ["Off track", "At risk", "At risk", "On track", "On track"]
    )
    expect(table.locator("tbody tr").filter(has_text="Erin Walsh")).to_contain_text("Mentor")
    cohort = "ECT2" if academic_year_of(dash.today) == 2026 else "ECT1"
    expect(table.locator("tbody tr").filter(has_text="Amara Okafor")).to_contain_text(f"ECT ({cohort})")
    expect(table.get_by_role("columnheader", name="Status")).to_have_attribute("aria-sort", "descending")  # most missed first
    expect(page.get_by_text("Oak Academy")).to_have_count(0)


# --- 2. Sorting and filtering in place -----------------------------------------------------------


def test_sorting_and_filtering_swap_the_table_in_place_and_survive_a_reload(page, dash, sign_in):
    sign_in(dash.tutor.person.user)
    page.goto(dash.lead_path)
    page.evaluate(MARKER)
    table = _people_table(page)
    names = _row_names(table)
    by_name = ["Ben Hughes", "Amara Okafor", "Dev Patel", "Erin Walsh", "Chloe Zhang"]

    page.get_by_role("link", name="Name", exact=True).click()
    expect(table.get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "ascending")
    expect(table.get_by_role("columnheader", name="Status")).not_to_have_attribute("aria-sort", re.compile("."))
    expect(names).to_have_text(by_name)
    expect(page).to_have_url(re.compile(r"[?&]sort=name"))
    page.get_by_role("link", name="Name", exact=True).click()
    expect(table.get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "descending")
    expect(names).to_have_text(list(reversed(by_name)))
    expect(page).to_have_url(re.compile(r"[?&]dir=desc"))
    page.get_by_role("link", name="Name", exact=True).click()
    expect(table.get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "ascending")

    # Filters keep the chosen order.
    page.get_by_label("Show").select_option(label="Mentors (coaching)")
    expect(names).to_have_text(["Dev Patel", "Erin Walsh"])
    expect(table.get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "ascending")
    expect(page).to_have_url(re.compile(r"[?&]strand=coaching"))
    page.get_by_label("Status").select_option(label="At risk")
    expect(names).to_have_text(["Erin Walsh"])
    expect(page).to_have_url(re.compile(r"[?&]status=at_risk"))
    page.get_by_label("Status").select_option(label="Any status")
    page.get_by_role("searchbox", name="Name").press_sequentially("pat")
    expect(names).to_have_text(["Dev Patel"])
    expect(page).to_have_url(re.compile(r"[?&]q=pat"))
    page.get_by_role("searchbox", name="Name").fill("nobody-called-this")
    expect(page.locator("#people-table")).to_have_text("Nobody matches these filters.")
    page.get_by_role("searchbox", name="Name").fill("pat")
    expect(names).to_have_text(["Dev Patel"])
    assert page.evaluate(SAME_PAGE), "the page reloaded"
    expect(page.locator("#people-table")).to_have_count(1)  # swapped, not nested
    expect(page.get_by_role("heading", level=1)).to_have_count(1)

    page.reload()
    assert not page.evaluate(SAME_PAGE)
    expect(page.get_by_label("Show")).to_have_value("coaching")
    expect(page.get_by_label("Status")).to_have_value("")
    expect(page.get_by_role("searchbox", name="Name")).to_have_value("pat")
    expect(names).to_have_text(["Dev Patel"])
    expect(table.get_by_role("columnheader", name="Name")).to_have_attribute("aria-sort", "ascending")
    # A filter changed after the reload still keeps the sort from the address.
    page.get_by_role("searchbox", name="Name").fill("")
    expect(names).to_have_text(["Dev Patel", "Erin Walsh"])
    page.get_by_label("Show").select_option(label="ECTs and mentors")
    expect(names).to_have_text(by_name)


# --- 3. Drill-down ---------------------------------------------------------------------------------


def test_names_drill_down_to_period_by_period_history(page, dash, sign_in):
    sign_in(dash.tutor.person.user)
    page.goto(dash.lead_path)
    _people_table(page).get_by_role("link", name="Amara Okafor", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/ects/{dash.ect.code}/engagement/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Amara Okafor’s study, period by period")
    expect(page.locator("main .tag").first).to_have_text("On track")
    with scopes_disabled():
        history = compute.period_history(dash.hub.id, dash.today, ect_id=dash.ect.id)
    periods = page.get_by_role("table", name="Periods")
    expect(periods.locator("tbody tr")).to_have_count(len(history))
    expect(periods.locator(".tag", has_text="Done")).to_have_count(2)
    expect(periods.locator("tbody tr").nth(1 if history[-1].outcome == "in_progress" else 0)).to_contain_text("Done")

    page.get_by_role("link", name="Back to the Lead dashboard").click()
    expect(page).to_have_url(re.compile(rf"{dash.lead_path}$"))
    _people_table(page).get_by_role("link", name="Erin Walsh", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/mentors/{dash.extra_mentor.code}/engagement/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Erin Walsh’s coaching, period by period")
    expect(page.locator("main .tag").first).to_have_text("At risk")
    expect(page.get_by_role("heading", level=2)).to_have_text(["Evidence of 75% engagement", "Coaching Ben Hughes", "Coaching Chloe Zhang"])
    for mentee in ("Ben Hughes", "Chloe Zhang"):
        expect(page.get_by_role("table", name=f"Periods coaching {mentee}").locator(".tag", has_text="Done")).to_have_count(1)


def test_the_drill_down_shows_the_75_percent_evidence_with_at_risk_in_words(page, dash, sign_in):
    """Amara (2025 cohort) studied in only the last two periods: below 75% for her completed
    declaration, still ahead, so at risk; Erin Walsh's mentoring year is 2025 too."""
    sign_in(dash.tutor.person.user)
    page.goto(dash.lead_path)
    _people_table(page).get_by_role("link", name="Amara Okafor", exact=True).click()
    expect(page.get_by_role("heading", level=2, name="Evidence of 75% engagement")).to_be_visible()
    retained = page.get_by_role("table", name=re.compile(r"^Retained 2 declaration, by \d+ Jul \d{4}$"))
    completed = page.get_by_role("table", name=re.compile(r"^Completed declaration, by \d+ Jul \d{4}$"))
    expect(retained.locator("tbody th[scope=row]")).to_have_text(["Study", "Coaching"])
    study = completed.locator("tbody tr").filter(has=page.get_by_role("rowheader", name="Study"))
    expect(study).to_contain_text("At risk below 75%")
    expect(study).to_contain_text(re.compile(r"2 of \d+ \(\d+%\)"))

    page.goto(f"/mentors/{dash.extra_mentor.code}/engagement/")
    mentor = page.get_by_role("table", name=re.compile(r"^Completed declaration"))
    expect(mentor.locator("tbody th[scope=row]")).to_have_text(["Coaching"])
    expect(page.get_by_role("table", name=re.compile(r"^Retained 2"))).to_have_count(0)


# --- 4. The hub dashboard ----------------------------------------------------------------------------


def test_hub_staff_filter_sort_and_drill_into_a_school(page, dash, sign_in):
    sign_in(dash.staff.user)
    page.goto("/hub/engagement/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Engagement across North Teaching School Hub")
    expect(_headline(page, "ECTs on track with study").locator(".big")).to_have_text("40%")
    expect(_headline(page, "Mentors on track with coaching").locator(".big")).to_have_text("33%")
    page.evaluate(MARKER)
    table = page.get_by_role("table", name="Engagement by school")
    schools = table.get_by_role("rowheader")
    expect(schools).to_have_text([re.compile(r"^Ash Infants \d+$"), re.compile(r"^Elm Primary \d+$"), re.compile(r"^Oak Academy \d+$")])
    expect(page.get_by_text("Birch High")).to_have_count(0)
    elm = table.locator("tbody tr").filter(has_text="Elm Primary")
    expect(elm.get_by_role("cell").nth(0)).to_have_text("33% of 3")
    expect(elm.get_by_role("cell").nth(1)).to_have_text("50% of 2")
    expect(elm.get_by_role("img", name=re.compile("^Elm Primary: ECTs on track with study"))).to_be_visible()

    search = page.get_by_role("searchbox", name="School name or URN")
    search.press_sequentially("oak")
    expect(schools).to_have_text([re.compile("^Oak Academy")])
    search.fill(dash.third_school.urn)
    expect(schools).to_have_text([re.compile("^Ash Infants")])
    search.fill("")
    expect(schools).to_have_count(3)

    page.get_by_label("Show").select_option(label="Schools with anyone off track")
    expect(schools).to_have_text([re.compile("^Elm Primary"), re.compile("^Oak Academy")])
    page.get_by_role("link", name="Off track", exact=True).click()
    expect(table.get_by_role("columnheader", name="Off track")).to_have_attribute("aria-sort", "descending")
    expect(schools).to_have_text([re.compile("^Oak Academy"), re.compile("^Elm Primary")])  # 2 off track, then 1
    expect(table.locator("tbody tr").first.locator(".tag")).to_have_text("2")
    page.get_by_label("Show").select_option(label="All schools")
    expect(schools).to_have_text([re.compile("^Oak Academy"), re.compile("^Elm Primary"), re.compile("^Ash Infants")])
    page.get_by_label("Show").select_option(label="Schools with anyone off track")
    expect(page).to_have_url(re.compile(r"[?&]concern=off_track"))
    expect(page).to_have_url(re.compile(r"[?&]sort=off_track"))
    assert page.evaluate(SAME_PAGE), "the page reloaded"

    page.reload()
    expect(page.get_by_label("Show")).to_have_value("off_track")
    expect(schools).to_have_text([re.compile("^Oak Academy"), re.compile("^Elm Primary")])

    table.get_by_role("link", name="Elm Primary").click()
    expect(page).to_have_url(re.compile(rf"{dash.lead_path}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Engagement at Elm Primary")
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb).to_contain_text("Elm Primary")
    breadcrumb.get_by_role("link", name="Hub engagement").click()
    expect(page).to_have_url(re.compile(r"/hub/engagement/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Engagement across North Teaching School Hub")


def test_the_next_page_keeps_the_filters_and_the_order(page, bworld, sign_in):
    with scopes_disabled():
        for n in range(1, 56):
            factories.SchoolFactory(hub=bworld.hub, name=f"Hazel School {n:02}")
    sign_in(bworld.staff.user)
    page.goto("/hub/engagement/")
    schools = page.get_by_role("table", name="Engagement by school").get_by_role("rowheader")
    page.get_by_role("searchbox", name="School name or URN").fill("hazel")
    expect(schools.first).to_have_text(re.compile("^Hazel School 01"))  # not Elm Primary: filtered
    expect(schools).to_have_count(50)
    page.get_by_role("link", name="School", exact=True).click()  # already by name: now Z to A
    expect(schools.first).to_have_text(re.compile("^Hazel School 55"))
    pages = page.get_by_role("navigation", name="Pages")
    expect(pages).to_contain_text("Page 1 of 2")
    pages.get_by_role("link", name="Next page").click()
    expect(pages).to_contain_text("Page 2 of 2")
    expect(schools).to_have_text([re.compile(f"^Hazel School {n:02}") for n in (5, 4, 3, 2, 1)])
    expect(page.get_by_role("searchbox", name="School name or URN")).to_have_value("hazel")
    pages.get_by_role("link", name="Previous page").click()
    expect(schools.first).to_have_text(re.compile("^Hazel School 55"))


# --- 5. CSV downloads -----------------------------------------------------------------------------


def _download(page, link_name):
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    download = info.value
    assert download.failure() is None, download.failure()
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


def test_csv_downloads_from_both_dashboards(page, dash, sign_in):
    with scopes_disabled():
        school_rows = Engagement.objects.filter(school=dash.school).count()
        hub_rows = Engagement.objects.filter(hub=dash.hub).count()
    sign_in(dash.tutor.person.user)
    page.goto(dash.lead_path)
    filename, text = _download(page, "Download as CSV")
    assert filename == f"engagement-{dash.school.urn}-{dash.today}.csv"
    lines = text.splitlines()
    assert lines[0] == CSV_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == school_rows == 5
    assert {r["school_urn"] for r in rows} == {dash.school.urn}
    assert {(r["email"], r["status"]) for r in rows} >= {("chloe@elm.example.org", "off_track"), ("erin@elm.example.org", "at_risk")}

    sign_in(dash.staff.user)
    page.goto("/hub/engagement/")
    filename, text = _download(page, "Download every person as CSV")
    assert filename == f"engagement-north-{dash.today}.csv"
    assert text.splitlines()[0] == CSV_HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == hub_rows == 8  # 5 ECTs and 3 mentors at three schools
    assert dash.other_school.urn not in {r["school_urn"] for r in rows}  # the other hub's people are not there


# --- 6. Empty states -------------------------------------------------------------------------------


def test_a_new_school_and_a_hub_without_term_dates_have_empty_states(page, bworld, sign_in):
    with scopes_disabled():
        empty = factories.SchoolFactory(hub=bworld.hub, name="New Free School")
    sign_in(bworld.staff.user)
    page.goto(f"/schools/{empty.code}/engagement/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Engagement at New Free School")
    expect(page.get_by_role("main")).to_contain_text("No ECTs or mentors are registered at this school yet.")
    expect(page.get_by_role("link", name="Add an ECT or mentor")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    problems = [f"== new school\n{format_violations(v)}" for v in [axe_blocking(page)] if v]

    # No term dates: a banner says why nothing is counted. Before any figures are calculated (setting
    # up the World calculated some, as recording activity does: start from none) …
    with scopes_disabled():
        Engagement.objects.filter(hub=bworld.hub).delete()
        EngagementTrend.objects.filter(hub=bworld.hub).delete()
    page.goto(f"/schools/{bworld.school.code}/engagement/")
    expect(page.get_by_role("status")).to_contain_text("The hub has not entered term dates yet")
    expect(page.locator("#people-table")).to_contain_text("No figures yet: they are calculated every night")
    expect(_headline(page, "ECTs on track with study")).to_contain_text("No one to show yet.")
    expect(page.locator("figure.trend")).to_contain_text("The trend builds up week by week")
    # … and after: everyone is listed with nothing due.
    with scopes_disabled():
        compute.recompute([bworld.hub], _today())
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("The hub has not entered term dates yet")
    expect(_headline(page, "ECTs on track with study")).to_contain_text("Nothing due yet")
    people = _people_table(page).locator("tbody tr")
    expect(people).to_have_count(3)
    for row in people.all():
        expect(row).to_contain_text("None due yet")
    problems += [f"== no term dates (Lead)\n{format_violations(v)}" for v in [axe_blocking(page)] if v]

    page.goto("/hub/engagement/")
    table = page.get_by_role("table", name="Engagement by school")
    expect(table.get_by_role("rowheader")).to_have_count(3)
    new_school = table.locator("tbody tr").filter(has_text="New Free School")
    expect(new_school).to_contain_text("No ECTs")
    expect(new_school).to_contain_text("No mentors")
    expect(new_school).to_contain_text("Not enough weeks yet")
    problems += [f"== no term dates (hub)\n{format_violations(v)}" for v in [axe_blocking(page)] if v]
    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)


def _holiday_dates(academic_year, today):
    """Typical dates with today's week made a holiday (the half term around it starts later or ends sooner)."""
    dates = typical_term_dates(academic_year)
    monday = dashboards.monday_of(today)
    for name, (start, end) in dates.items():
        if start <= monday + datetime.timedelta(days=4) and end >= monday:
            if start < monday:
                dates[name] = (start, monday - datetime.timedelta(days=3))
            else:
                dates[name] = (monday + datetime.timedelta(days=7), end)
    return dates


def test_a_holiday_week_says_so(page, bworld, sign_in):
    today = _today()
    year = academic_year_of(today)
    with scopes_disabled():
        terms.save_year(bworld.hub, year - 1, typical_term_dates(year - 1))
        terms.save_year(bworld.hub, year, _holiday_dates(year, today))
        assert dashboards.calendar_state(bworld.hub, today) == "holiday"
        compute.recompute([bworld.hub], today)
    sign_in(bworld.tutor.person.user)
    page.goto(f"/schools/{bworld.school.code}/engagement/")
    expect(page.get_by_role("status")).to_have_text(re.compile("It is a holiday week: no study or coaching is expected this week."))
    expect(_row_names(_people_table(page))).to_have_count(3)  # two ECTs and the mentor


# --- 6b. Statuses that say what they mean ------------------------------------------------------------


def test_paused_not_mentoring_and_no_mentor_show_as_such_on_both_dashboards(page, dash, sign_in):
    from participants import services

    with scopes_disabled():
        services.change_ect_status(dash.unmentored_ect, "paused", actor=None, on=dash.today - datetime.timedelta(days=2))
        dash.assignment.finished_on = dash.today - datetime.timedelta(days=1)  # Dev no longer mentors Amara
        dash.assignment.save()
        compute.recompute([dash.hub], dash.today)
    sign_in(dash.tutor.person.user)
    page.goto(dash.lead_path)
    table = _people_table(page)
    ben = table.locator("tr").filter(has=page.get_by_role("link", name="Ben Hughes"))
    expect(ben.locator(".tag").first).to_have_text("Paused")
    amara = table.locator("tr").filter(has=page.get_by_role("link", name="Amara Okafor"))
    expect(amara).to_contain_text("No mentor")
    dev = table.locator("tr").filter(has=page.get_by_role("link", name="Dev Patel"))
    expect(dev.locator(".tag").first).to_have_text("Not mentoring")
    expect(ben).not_to_contain_text("On track")
    expect(dev).not_to_contain_text("On track")
    expect(_headline(page, "ECTs on track with study")).to_contain_text("1 paused · 1 with no mentor")
    problems = _problems(page, "Lead dashboard with paused, not mentoring and no mentor")
    page.get_by_label("Status").select_option("no_mentor")
    expect(_row_names(_people_table(page))).to_have_text(["Amara Okafor"])
    problems += _problems(page, "Lead dashboard, no mentor")

    sign_in(dash.staff.user)
    page.goto("/hub/engagement/")
    elm = page.locator("tbody tr").filter(has=page.get_by_role("link", name="Elm Primary"))
    expect(elm).to_contain_text("No mentor: 1 ECT")
    page.get_by_label("Show").select_option("no_mentor")
    expect(page.locator("#schools-table tbody th[scope=row] a")).to_have_text(["Ash Infants", "Elm Primary"])  # Ash's ECT has none either
    problems += _problems(page, "hub dashboard, schools with an ECT with no mentor")
    page.goto(f"/ects/{dash.unmentored_ect.code}/engagement/")
    expect(page.get_by_role("main").locator(".tag").first).to_have_text("Paused")
    problems += _problems(page, "ECT drill-down, paused")
    assert not problems, "\n".join(problems)


# --- 7. axe, phones, screenshots ---------------------------------------------------------------------


def _problems(page, name):
    blocking = axe_blocking(page)
    return [f"== {name} ({page.url})\n{format_violations(blocking)}"] if blocking else []


def _overflow(page, name):
    """The page must not scroll sideways; a table may, inside a wrapper keyboard users can focus."""
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    problems = [f"{name} ({page.url}) is {widths[0]}px wide on a {widths[1]}px screen"] if widths[0] > widths[1] + 1 else []
    scrolling = page.evaluate(
        """[...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1)
            .map(w => ({focusable: w.getAttribute('tabindex') === '0', role: w.getAttribute('role'),
                        named: !!(w.getAttribute('aria-label') || w.getAttribute('aria-labelledby')),
                        table: w.querySelector('caption')?.textContent}))"""
    )
    problems += [
        f"{name}: the table “{w['table']}” scrolls sideways in a wrapper that is not a focusable, named region: {w}"
        for w in scrolling
        if not (w["focusable"] and w["role"] == "region" and w["named"])
    ]
    return problems


def test_dashboards_pass_axe_and_fit_a_phone(page, dash, sign_in):
    ect_path, mentor_path = f"/ects/{dash.ect.code}/engagement/", f"/mentors/{dash.extra_mentor.code}/engagement/"
    sign_in(dash.staff.user)  # staff see the breadcrumb too
    problems = []
    page.set_viewport_size(DESKTOP)
    page.goto(dash.lead_path)
    problems += _problems(page, "Lead dashboard")
    page.get_by_text("The trend as a table", exact=True).click()
    expect(page.locator("figure.trend details")).to_have_attribute("open", "")
    problems += _problems(page, "Lead dashboard, trend table open")
    screenshot(page, "lead-desktop")
    page.get_by_label("Status").select_option("at_risk")
    expect(_row_names(_people_table(page))).to_have_count(2)
    problems += _problems(page, "Lead dashboard, filtered")
    page.get_by_role("searchbox", name="Name").fill("zzz")
    expect(page.locator("#people-table")).to_have_text("Nobody matches these filters.")
    problems += _problems(page, "Lead dashboard, nobody matches")
    page.goto("/hub/engagement/")
    problems += _problems(page, "hub dashboard")
    screenshot(page, "hub-desktop")
    for name, path in (("ECT drill-down", ect_path), ("mentor drill-down", mentor_path)):
        page.goto(path)
        expect(page.get_by_role("table", name=re.compile("^Completed declaration"))).to_be_visible()  # axe checks the evidence too
        problems += _problems(page, name)
        screenshot(page, f"{name.split()[0].lower()}-engagement-desktop")

    page.set_viewport_size(PHONE)
    for name, path, shot in (
        ("Lead dashboard", dash.lead_path, "lead-phone"),
        ("hub dashboard", "/hub/engagement/", "hub-phone"),
        ("ECT drill-down", ect_path, "ect-engagement-phone"),
        ("mentor drill-down", mentor_path, "mentor-engagement-phone"),
    ):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        for summary in page.locator("summary").all():
            summary.click()  # the trend table too
        screenshot(page, shot)
        problems += _overflow(page, f"{name} at 375px") + _problems(page, f"{name} at 375px")
    assert not problems, "\n".join(problems)

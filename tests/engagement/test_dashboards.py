"""The Lead dashboard, the hub dashboard, drill-down and CSV downloads."""

import datetime

import pytest
from django.utils import timezone

from engagement import compute, dashboards
from engagement.models import Engagement, EngagementTrend, Module, StudyRecord
from engagement.periods import monday_of
from schools import terms
from schools.scoping import hub_scope
from tests import factories
from tests.conftest import typical_term_dates

TODAY = timezone.localdate()


@pytest.fixture
def computed(world):
    """The world with term dates for this year and last, some study, and figures computed."""
    with hub_scope(world.hub):
        for year in (TODAY.year - 2, TODAY.year - 1, TODAY.year):
            terms.save_year(world.hub, year, typical_term_dates(year))
        module = Module.objects.filter(programme__code=world.ect.programme).first()
        StudyRecord.objects.create(hub=world.hub, ect=world.ect, module=module, done_on=TODAY)
        compute.recompute([world.hub], TODAY)
        EngagementTrend.objects.create(
            hub=world.hub, school=world.school, strand="study", week=monday_of(TODAY) - datetime.timedelta(weeks=1),
            people=2, on_track=0, at_risk=1, off_track=1,
        )
    return world


def test_the_tutor_lands_on_the_lead_dashboard_with_headlines_and_people(computed, client):
    client.force_login(computed.tutor.person.user)
    page = client.get("/", follow=True).content.decode()
    assert "Engagement at Elm Primary" in page
    assert "ECTs on track with study" in page and "Mentors on track with coaching" in page
    assert str(computed.ect.person) in page and str(computed.mentor.person) in page
    assert "since last week" in page
    assert str(computed.sibling_ect.person) not in page


def test_the_people_table_filters_and_sorts_with_htmx(computed, client):
    client.force_login(computed.tutor.person.user)
    url = f"/schools/{computed.school.code}/engagement/"
    mentors_only = client.get(url, {"strand": "coaching"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<h1" not in mentors_only  # the table fragment only
    assert str(computed.mentor.person) in mentors_only and str(computed.ect.person) not in mentors_only
    by_name = client.get(url, {"sort": "name"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'aria-sort="ascending"' in by_name
    nobody = client.get(url, {"q": "zzzz"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Nobody matches" in nobody


def test_status_is_shown_as_text_not_colour_alone(computed, client):
    client.force_login(computed.tutor.person.user)
    page = client.get(f"/schools/{computed.school.code}/engagement/").content.decode()
    assert any(label in page for label in ("On track", "At risk", "Off track"))


def test_drill_down_shows_period_by_period_history(computed, client):
    client.force_login(computed.tutor.person.user)
    page = client.get(f"/ects/{computed.ect.code}/engagement/").content.decode()
    assert "period by period" in page and "Met" in page
    mentor_page = client.get(f"/mentors/{computed.mentor.code}/engagement/").content.decode()
    assert f"Coaching {computed.ect.person}" in mentor_page


def test_csv_download_matches_the_export_columns(computed, client):
    client.force_login(computed.tutor.person.user)
    response = client.get(f"/schools/{computed.school.code}/engagement.csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "school_urn,email,role,strand,cohort,periods_expected,periods_met,percent,consecutive_missed,status"
    assert len(lines) == 1 + Engagement.objects.with_scopes_disabled().filter(school=computed.school).count()


def test_hub_dashboard_lists_every_school_for_staff_only(computed, client):
    client.force_login(computed.staff.user)
    page = client.get("/hub/engagement/").content.decode()
    assert "Elm Primary" in page and "Oak Academy" in page and "Birch High" not in page
    filtered = client.get("/hub/engagement/", {"q": "Oak"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Oak Academy" in filtered and "Elm Primary" not in filtered
    client.force_login(computed.tutor.person.user)
    assert client.get("/hub/engagement/").status_code == 404


def test_tables_show_percents_whole_rounding_half_up():
    shown = [dashboards.shown_percent(value) for value in (None, 0.0, 12.5, 33.3, 66.7, 99.5, 100.0)]
    assert shown == [None, "0", "13", "33", "67", "100", "100"]


def test_hub_schools_sorted_by_a_figure_keep_name_order_among_ties_both_ways(world, client):
    next_week = monday_of(TODAY) + datetime.timedelta(weeks=1)  # the newest week with figures: Elm and Oak have none
    urns = {}
    with hub_scope(world.hub):
        for label, name, off_track in (
            ("Ash", "Ash Infants", 1), ("Beech", "Beech Juniors", 0), ("Cedar", "Cedar College", 1), ("Cedar too", "Cedar College", 1),
        ):
            school = factories.SchoolFactory(hub=world.hub, name=name)
            urns[label] = school.urn
            EngagementTrend.objects.create(
                hub=world.hub, school=school, strand="study", week=next_week, people=2, on_track=1, at_risk=0, off_track=off_track
            )
    urns |= {"Elm": world.school.urn, "Oak": world.sibling_school.urn}
    client.force_login(world.staff.user)

    def order(**params):
        page = client.get("/hub/engagement/", {"sort": "off_track", **params}, HTTP_HX_REQUEST="true").content.decode()
        shown = {label: page.find(f'<span class="muted">{urn}</span>') for label, urn in urns.items()}
        return sorted((label for label, at in shown.items() if at >= 0), key=shown.get)

    assert order() == ["Ash", "Cedar", "Cedar too", "Beech", "Elm", "Oak"]
    assert order(dir="desc") == ["Oak", "Elm", "Beech", "Cedar", "Cedar too", "Ash"]  # same names: the older school first
    assert order(concern="off_track") == ["Ash", "Cedar", "Cedar too"]


def test_a_new_school_and_no_term_dates_have_empty_states(world, client):
    empty = factories.SchoolFactory(hub=world.hub, name="New Free School")
    client.force_login(world.staff.user)
    page = client.get(f"/schools/{empty.code}/engagement/").content.decode()
    assert "No ECTs or mentors are registered at this school yet" in page
    page = client.get(f"/schools/{world.school.code}/engagement/").content.decode()
    assert "has not entered term dates" in page
    assert "No figures yet" in page


def test_recalculate_now(world, client):
    client.force_login(world.tutor.person.user)
    response = client.post(f"/schools/{world.school.code}/engagement/recalculate/")
    assert response.status_code == 302
    assert Engagement.objects.with_scopes_disabled().filter(school=world.school).exists()


LEAD_QUERIES = 9  # session, user, person, their roles, school, people, trend, term dates, when calculated
HUB_QUERIES = 8  # session, user, person, their roles, hub state, schools, the page's trend, hub trend (+1: counts, on a miss)


def test_lead_dashboard_query_count_does_not_grow_with_the_school(computed, client, django_assert_num_queries):
    client.force_login(computed.tutor.person.user)
    url = f"/schools/{computed.school.code}/engagement/"
    client.get(url)
    with django_assert_num_queries(LEAD_QUERIES):
        client.get(url)
    with hub_scope(computed.hub):
        for _ in range(15):
            mentor = factories.MentorFactory(school=computed.school)
            factories.MentorAssignmentFactory(ect=factories.ECTFactory(school=computed.school), mentor=mentor)
        compute.recompute([computed.hub], TODAY)
    with django_assert_num_queries(LEAD_QUERIES):
        client.get(url)


def test_hub_dashboard_query_count_does_not_grow_with_the_hub(computed, client, django_assert_num_queries):
    client.force_login(computed.staff.user)
    client.get("/hub/engagement/")
    with django_assert_num_queries(HUB_QUERIES):
        client.get("/hub/engagement/")
    with hub_scope(computed.hub):
        for _ in range(12):
            school = factories.SchoolFactory(hub=computed.hub)
            factories.MentorAssignmentFactory(ect=factories.ECTFactory(school=school))
        compute.recompute([computed.hub], TODAY)
    with django_assert_num_queries(HUB_QUERIES + 1):  # new figures: the counts are read again
        client.get("/hub/engagement/")
    with django_assert_num_queries(HUB_QUERIES):
        client.get("/hub/engagement/")


def _headline_text(page, label):
    """The text of the headline figure labelled `label`."""
    start = page.index(f"<h3>{label}</h3>")
    return page[start:page.index("</article>", start)]


def test_dashboards_show_new_figures_as_soon_as_they_are_recalculated(computed, client):
    client.force_login(computed.staff.user)
    lead_url = f"/schools/{computed.school.code}/engagement/"
    before = {url: _headline_text(client.get(url).content.decode(), "ECTs on track with study") for url in ("/hub/engagement/", lead_url)}
    with hub_scope(computed.hub):
        module = Module.objects.filter(programme__code=computed.unmentored_ect.programme).first()
        StudyRecord.objects.create(hub=computed.hub, ect=computed.unmentored_ect, module=module, done_on=TODAY)
        compute.recompute([computed.hub], TODAY)
        study = dashboards.counts(Engagement.objects.filter(strand="study"))["study"]
    for url, old in before.items():
        shown = _headline_text(client.get(url).content.decode(), "ECTs on track with study")
        assert shown != old
    assert f"{study['on_track']} of {study['people']} on track" in _headline_text(
        client.get("/hub/engagement/").content.decode(), "ECTs on track with study"
    )


def test_the_hub_headlines_drop_a_deleted_person_before_any_recalculation(computed, client):
    client.force_login(computed.staff.user)
    with hub_scope(computed.hub):
        people = dashboards.counts(Engagement.objects.all())["study"]["people"]
    assert f"of {people} on track" in _headline_text(client.get("/hub/engagement/").content.decode(), "ECTs on track with study")
    with hub_scope(computed.hub):
        Engagement.objects.filter(ect=computed.sibling_ect).delete()  # as a cascade would (the engine never deletes without a run)
    page = client.get("/hub/engagement/").content.decode()
    assert f"of {people - 1} on track" in _headline_text(page, "ECTs on track with study")


def test_the_lead_dashboard_shows_a_renamed_person_at_once(computed, client):
    client.force_login(computed.tutor.person.user)
    url = f"/schools/{computed.school.code}/engagement/"
    assert "Zebedee Quarrington" not in client.get(url).content.decode()
    user = computed.ect.person.user
    type(user).objects.filter(pk=user.pk).update(first_name="Zebedee", last_name="Quarrington")  # as a bulk import would
    assert "Zebedee Quarrington" in client.get(url).content.decode()


def test_the_hub_dashboard_shows_a_renamed_school_and_new_trend_figures_at_once(computed, client):
    client.force_login(computed.staff.user)
    assert "Rowan Primary" not in client.get("/hub/engagement/").content.decode()
    type(computed.school).objects.with_scopes_disabled().filter(pk=computed.school.pk).update(name="Rowan Primary")
    with hub_scope(computed.hub):
        EngagementTrend.objects.create(
            hub=computed.hub, school=computed.sibling_school, strand="coaching", week=monday_of(TODAY) + datetime.timedelta(weeks=1),
            people=4, on_track=3, at_risk=1, off_track=0,
        )
    page = client.get("/hub/engagement/").content.decode()
    assert "Rowan Primary" in page
    assert "75% <span class=\"muted\">of 4</span>" in page  # the sibling school's mentors in the newest week

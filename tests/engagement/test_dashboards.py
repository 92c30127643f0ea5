"""The Lead dashboard, the hub dashboard, drill-down and CSV downloads."""

import datetime
import re

import pytest
from django.db import transaction
from django.utils import timezone

from ectprogramme.formats import whole_percent as shown_percent
from engagement import compute, dashboards
from engagement.models import Engagement, EngagementRun, EngagementTrend, Module, PendingRecompute, StudyRecord
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


def _sorted_header(page):
    """(aria-sort, column, arrow) of the column the table is sorted by."""
    ((direction, label, arrow),) = re.findall(r'aria-sort="(\w+)">\s*<a [^>]*>([^<]+) <span aria-hidden="true">(.)</span>', page)
    return direction, label.strip(), arrow


def test_the_sort_arrow_shows_the_direction_the_rows_run(computed, client):
    client.force_login(computed.staff.user)
    lead = f"/schools/{computed.school.code}/engagement/"

    def header(url, **params):
        return _sorted_header(client.get(url, params, HTTP_HX_REQUEST="true").content.decode())

    assert header(lead) == ("descending", "Status", "▼")  # most missed in a row first
    assert header(lead, dir="desc") == ("ascending", "Status", "▲")
    assert header(lead, sort="name") == ("ascending", "Name", "▲")
    assert header(lead, sort="name", dir="desc") == ("descending", "Name", "▼")
    assert header("/hub/engagement/", sort="off_track") == ("descending", "Off track", "▼")  # most off track first
    assert header("/hub/engagement/", sort="off_track", dir="desc") == ("ascending", "Off track", "▲")
    assert header("/hub/engagement/") == ("ascending", "School", "▲")


def test_status_is_shown_as_text_not_colour_alone(computed, client):
    client.force_login(computed.tutor.person.user)
    page = client.get(f"/schools/{computed.school.code}/engagement/").content.decode()
    assert any(label in page for label in ("On track", "At risk", "Off track"))


def test_drill_down_shows_period_by_period_history(computed, client):
    client.force_login(computed.tutor.person.user)
    page = client.get(f"/ects/{computed.ect.code}/engagement/").content.decode()
    assert "period by period" in page
    assert '<span class="tag tag-done">Done</span>' in page and ">Met<" not in page  # the study page's word for it
    mentor_page = client.get(f"/mentors/{computed.mentor.code}/engagement/").content.decode()
    assert f"Coaching {computed.ect.person}" in mentor_page


def test_drill_down_shows_percents_whole_as_the_tables_do(computed, client):
    with hub_scope(computed.hub):
        Engagement.objects.filter(ect=computed.ect).update(periods_met=1, periods_expected=3, year_met=2, year_expected=3)
    client.force_login(computed.tutor.person.user)
    page = client.get(f"/ects/{computed.ect.code}/engagement/").content.decode()
    assert "1 of 3 periods met (33%)" in page and "this year 67%" in page
    assert "33.3" not in page and "66.7" not in page


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


@pytest.fixture
def queued(settings):
    """A real (in-memory) broker instead of running tasks eagerly: [(task name, args)] queued."""
    from celery.signals import before_task_publish

    from ectprogramme.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "memory://localhost/"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    app._after_fork()
    published = []

    def record(sender=None, body=None, **kwargs):
        published.append((sender, tuple(body[0])))

    before_task_publish.connect(record, weak=False)
    yield published
    before_task_publish.disconnect(record)
    app._after_fork()


def test_recalculate_now_queues_one_recompute_of_the_school_and_answers_at_once(
    world, client, queued, django_capture_on_commit_callbacks
):
    PendingRecompute.objects.with_scopes_disabled().all().delete()  # the marks of building the world
    client.force_login(world.tutor.person.user)
    url = f"/schools/{world.school.code}/engagement/recalculate/"
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, follow=True).content.decode()
    assert "the figures will be updated within a minute" in page
    assert queued == [("engagement.tasks.recompute_pending", (world.hub.id,))]
    assert not Engagement.objects.with_scopes_disabled().filter(school=world.school).exists()  # not inside the request
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(url, follow=True).content.decode()  # a second click while it is queued
    assert "A recalculation is already under way" in page
    assert len(queued) == 1

    from engagement import refresh

    marked = {(m.ect_id, m.mentor_id) for m in PendingRecompute.objects.with_scopes_disabled().filter(hub=world.hub)}
    assert marked == {(world.ect.id, None), (world.unmentored_ect.id, None), (None, world.mentor.id)}  # the school's people only
    refresh.recompute_pending(world.hub.id)  # what the queued task does
    assert Engagement.objects.with_scopes_disabled().filter(school=world.school).exists()


# session, user, person, their roles, school, people, school state, nudges (last sent; the school's
# pause and its opt-outs in one) (+1: the trend, on a miss; +1: event attendance, after a change in
# the hub: tests/engagement/test_live_counts.py)
LEAD_QUERIES = 9
# session, user, person, their roles, hub state, schools (+3: counts, figures and trend, on a miss;
# +2: event attendance and who never signed in, after a change in the hub)
HUB_QUERIES = 6


def test_the_dashboards_answer_with_the_cache_out_of_reach(computed, client, settings, caplog):
    """Redis down: the figures are read afresh on every load (the failure logged), never a 500."""
    client.force_login(computed.staff.user)
    pages = ("/hub/engagement/", f"/schools/{computed.school.code}/engagement/")
    shown = [client.get(url).content.decode() for url in pages]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    for url, before in zip(pages, shown):
        response = client.get(url)
        assert response.status_code == 200
        assert _headline_text(response.content.decode(), "ECTs on track with study") == _headline_text(before, "ECTs on track with study")
    assert "The cache could not be reached" in caplog.text


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
    with django_assert_num_queries(LEAD_QUERIES + 2):  # new people and figures: attendance and the trend read again
        client.get(url)
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
    with django_assert_num_queries(HUB_QUERIES + 5):  # new schools and figures: read again
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
    person = computed.ect.person
    type(person).objects.with_scopes_disabled().filter(pk=person.pk).update(first_name="Zebedee", last_name="Quarrington")  # as a bulk import would
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
    assert "Rowan Primary" in page and 'aria-label="Rowan Primary: ECTs on track with study' in page  # the sparkline too
    assert "75% <span class=\"muted\">of 4</span>" in page  # the sibling school's mentors in the newest week


def _trend_table(page):
    """{week label: [cell text per strand]} of the trend shown as a table."""
    body = page[page.index("Percent of people on track, by week"):]
    body = body[body.index("<tbody>"):body.index("</tbody>")]
    return {label: re.findall(r"<td>(.*?)</td>", cells) for label, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', body)}


def _engine_writes(hub, **figures):
    """Change this week's trend rows of the hub and move `computed_at`, as the engine does (in one transaction)."""
    with hub_scope(hub), transaction.atomic():
        EngagementTrend.objects.filter(week=monday_of(TODAY), strand="study").update(**figures)
        EngagementRun.objects.filter(hub=hub).update(computed_at=timezone.now())


THIS_WEEK = monday_of(TODAY).strftime("%-d %b")


@pytest.mark.parametrize("url", ["lead", "hub"])
def test_the_trend_shows_what_the_engine_writes_at_once(computed, client, url):
    client.force_login(computed.staff.user)
    url = f"/schools/{computed.school.code}/engagement/" if url == "lead" else "/hub/engagement/"
    before = _trend_table(client.get(url).content.decode())[THIS_WEEK]
    _engine_writes(computed.hub, people=8, on_track=1)
    after = _trend_table(client.get(url).content.decode())[THIS_WEEK]
    assert after != before and after[0] == "13%"
    _engine_writes(computed.hub, people=8, on_track=2)
    assert _trend_table(client.get(url).content.decode())[THIS_WEEK][0] == "25%"


def test_the_hub_table_shows_what_the_engine_writes_at_once(computed, client):
    client.force_login(computed.staff.user)
    client.get("/hub/engagement/")
    _engine_writes(computed.hub, people=9, on_track=3, at_risk=4, off_track=2)
    page = client.get("/hub/engagement/", {"sort": "off_track"}).content.decode()
    assert '33% <span class="muted">of 9</span>' in page
    assert '<span class="tag tag-off_track">3</span>' in page  # 2 ECTs and 1 mentor (unchanged) off track


def test_a_recalculation_shows_in_the_trend_at_once(computed, client):
    client.force_login(computed.staff.user)
    lead_url = f"/schools/{computed.school.code}/engagement/"
    client.get(lead_url), client.get("/hub/engagement/")
    with hub_scope(computed.hub):
        EngagementTrend.objects.filter(week=monday_of(TODAY)).delete()  # as if this week's trend were not written yet
        EngagementRun.objects.filter(hub=computed.hub).update(computed_at=timezone.now())
        assert "—" in _trend_table(client.get(lead_url).content.decode())[THIS_WEEK]
        compute.recompute([computed.hub], TODAY)
        shown = {url: _trend_table(client.get(url).content.decode())[THIS_WEEK] for url in (lead_url, "/hub/engagement/")}
        stored = {
            lead_url: dashboards.trend_series(EngagementTrend.objects.filter(school=computed.school), TODAY),
            "/hub/engagement/": dashboards.trend_series(EngagementTrend.objects.all(), TODAY),
        }
    for url, (_, series) in stored.items():
        assert shown[url] == ["—" if v is None else f"{shown_percent(v)}%" for v in (series["study"][-1], series["coaching"][-1])]


def test_a_new_week_shows_at_once(computed, client, monkeypatch):
    client.force_login(computed.staff.user)
    urls = (f"/schools/{computed.school.code}/engagement/", "/hub/engagement/")
    for url in urls:
        assert list(_trend_table(client.get(url).content.decode()))[-1] == THIS_WEEK
    next_week = monday_of(TODAY) + datetime.timedelta(weeks=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: next_week)
    for url in urls:
        weeks = _trend_table(client.get(url).content.decode())
        assert list(weeks)[-1] == next_week.strftime("%-d %b")
        assert weeks[THIS_WEEK] != ["—", "—"]  # this week's figures, now one week back


def test_the_hub_trend_drops_a_deleted_school_at_once_even_with_one_added(computed, client):
    client.force_login(computed.staff.user)
    with hub_scope(computed.hub):
        closing = factories.SchoolFactory(hub=computed.hub, name="Closing School")
        EngagementTrend.objects.create(
            hub=computed.hub, school=closing, strand="coaching", week=monday_of(TODAY), people=100, on_track=100, at_risk=0, off_track=0
        )
        EngagementRun.objects.filter(hub=computed.hub).update(computed_at=timezone.now())
    with_closing = _trend_table(client.get("/hub/engagement/").content.decode())[THIS_WEEK]
    with hub_scope(computed.hub):
        closing.delete()  # its trend rows go with it, and computed_at stays
        factories.SchoolFactory(hub=computed.hub, name="New School")  # the same number of schools
        expected = dashboards.trend_series(EngagementTrend.objects.all(), TODAY)[1]["coaching"][-1]
    shown = _trend_table(client.get("/hub/engagement/").content.decode())[THIS_WEEK]
    assert shown != with_closing and shown[1] == f"{shown_percent(expected)}%"


def test_figures_are_not_cached_before_the_first_calculation(world, client):
    client.force_login(world.staff.user)
    lead_url = f"/schools/{world.school.code}/engagement/"
    with hub_scope(world.hub):
        trend = EngagementTrend.objects.create(
            hub=world.hub, school=world.school, strand="study", week=monday_of(TODAY), people=4, on_track=1, at_risk=0, off_track=3
        )
    for url in (lead_url, "/hub/engagement/"):
        assert _trend_table(client.get(url).content.decode())[THIS_WEEK][0] == "25%"
    with hub_scope(world.hub):
        EngagementTrend.objects.filter(pk=trend.pk).update(on_track=3)
    for url in (lead_url, "/hub/engagement/"):
        assert _trend_table(client.get(url).content.decode())[THIS_WEEK][0] == "75%"
    assert '75% <span class="muted">of 4</span>' in client.get("/hub/engagement/").content.decode()


@pytest.mark.parametrize("url", ["lead", "hub"])
def test_a_new_cache_format_never_reads_what_an_older_one_cached(computed, client, monkeypatch, url):
    client.force_login(computed.staff.user)
    url = f"/schools/{computed.school.code}/engagement/" if url == "lead" else "/hub/engagement/"
    cached = _trend_table(client.get(url).content.decode())[THIS_WEEK]
    with hub_scope(computed.hub):
        EngagementTrend.objects.filter(week=monday_of(TODAY)).update(on_track=0)  # behind the engine's back: computed_at stays
    assert _trend_table(client.get(url).content.decode())[THIS_WEEK] == cached
    monkeypatch.setattr(dashboards, "CACHE_FORMAT", dashboards.CACHE_FORMAT + 1)  # as a deploy that changes a cached shape
    fresh = _trend_table(client.get(url).content.decode())[THIS_WEEK]
    assert fresh != cached and "0%" in fresh


def test_names_in_both_tables_are_escaped(computed, client):
    person = computed.ect.person
    type(person).objects.with_scopes_disabled().filter(pk=person.pk).update(first_name='<b>Zoë</b> & "Co"', last_name="O'Neil")
    type(computed.school).objects.with_scopes_disabled().filter(pk=computed.school.pk).update(name="<i>Elm</i> & Sons")
    client.force_login(computed.staff.user)
    lead = client.get(f"/schools/{computed.school.code}/engagement/").content.decode()
    assert "&lt;b&gt;Zoë&lt;/b&gt; &amp; &quot;Co&quot; O&#x27;Neil</a>" in lead and "<b>Zoë" not in lead
    hub = client.get("/hub/engagement/").content.decode()
    assert "&lt;i&gt;Elm&lt;/i&gt; &amp; Sons</a>" in hub and 'aria-label="&lt;i&gt;Elm&lt;/i&gt; &amp; Sons: ECTs' in hub
    assert "<i>Elm" not in hub


def test_the_people_table_filters_by_name_words_case_insensitively_and_sorts_both_ways(computed, client):
    client.force_login(computed.tutor.person.user)
    url = f"/schools/{computed.school.code}/engagement/"
    ect = computed.ect.person
    type(ect).objects.with_scopes_disabled().filter(pk=ect.pk).update(first_name="Ada", last_name="Lovelace_100%")
    assert "Ada Lovelace_100%" in client.get(url, {"q": "lovelace_100% ADA"}, HTTP_HX_REQUEST="true").content.decode()
    for q in ("lovelace_1000", "love%ce", "lovelac__100"):  # LIKE's wildcards match only themselves
        assert "Ada Lovelace" not in client.get(url, {"q": q}, HTTP_HX_REQUEST="true").content.decode()
    names = {"Ada Lovelace_100%", str(computed.unmentored_ect.person), str(computed.mentor.person)}

    def order(**params):
        page = client.get(url, {"sort": "name", **params}, HTTP_HX_REQUEST="true").content.decode()
        return sorted((name for name in names if name in page), key=page.index)

    ascending = order()
    assert len(ascending) == 3 and order(dir="desc") == ascending[::-1]


def _paused_and_unmentored(world):
    """The world's ECT paused since last week; the mentor's only assignment ended, so the ECT has no mentor."""
    from participants import services

    with hub_scope(world.hub):
        services.change_ect_status(world.ect, "paused", actor=None, on=TODAY - datetime.timedelta(days=7))
        world.assignment.finished_on = TODAY - datetime.timedelta(days=1)
        world.assignment.save()
        compute.recompute([world.hub], TODAY)


def test_the_lead_dashboard_says_paused_not_mentoring_and_no_mentor_never_on_track(computed, client):
    _paused_and_unmentored(computed)
    client.force_login(computed.tutor.person.user)
    url = f"/schools/{computed.school.code}/engagement/"
    rows = {row[0]: row for row in re.findall(r"<tr>\s*<th scope=\"row\"><a [^>]*>([^<]+)</a></th>(.*?)</tr>", client.get(url).content.decode(), re.S)}
    ect_row, mentor_row = rows[str(computed.ect.person)][1], rows[str(computed.mentor.person)][1]
    assert ">Paused<" in ect_row and "No mentor" in ect_row and "On track" not in ect_row
    assert ">Not mentoring<" in mentor_row and "On track" not in mentor_row
    assert "No mentor" in rows[str(computed.unmentored_ect.person)][1]
    page = client.get(url).content.decode()
    study = _headline_text(page, "ECTs on track with study")
    assert "of 1 on track" in study and "1 paused" in study and "2 with no mentor" in study
    assert "1 not mentoring" in _headline_text(page, "Mentors on track with coaching")
    paused_only = client.get(url, {"status": "paused"}, HTTP_HX_REQUEST="true").content.decode()
    assert str(computed.ect.person) in paused_only and str(computed.unmentored_ect.person) not in paused_only
    no_mentor = client.get(url, {"status": "no_mentor"}, HTTP_HX_REQUEST="true").content.decode()
    assert str(computed.ect.person) in no_mentor and str(computed.mentor.person) not in no_mentor


def test_the_hub_dashboard_flags_schools_with_an_ect_with_no_mentor(computed, client):
    _paused_and_unmentored(computed)
    client.force_login(computed.staff.user)
    page = client.get("/hub/engagement/").content.decode()
    assert "No mentor: 2 ECTs" in page
    flagged = client.get("/hub/engagement/", {"concern": "no_mentor"}, HTTP_HX_REQUEST="true").content.decode()
    assert "Elm Primary" in flagged and "Oak Academy" not in flagged
    assert "1 paused" in _headline_text(page, "ECTs on track with study")


def test_the_person_pages_say_the_status_and_why_a_period_is_not_expected(computed, client):
    _paused_and_unmentored(computed)
    client.force_login(computed.tutor.person.user)
    history = client.get(f"/ects/{computed.ect.code}/engagement/").content.decode()
    assert ">Paused<" in history and "No mentor" in history and "On track" not in history
    assert "No study expected</span> <small class=\"muted\">Paused</small>" in history
    mentor_page = client.get(f"/mentors/{computed.mentor.code}/engagement/").content.decode()
    assert ">Not mentoring<" in mentor_page
    client.force_login(computed.ect.person.user)
    own = client.get(f"/ects/{computed.ect.code}/study/").content.decode()
    assert ">Paused<" in own and "On track" not in own


def test_a_left_ect_shows_as_left(computed, client):
    from participants import services

    with hub_scope(computed.hub):
        services.change_ect_status(computed.unmentored_ect, "left", actor=None, on=TODAY - datetime.timedelta(days=3))
        compute.recompute([computed.hub], TODAY)
    client.force_login(computed.tutor.person.user)
    page = client.get(f"/schools/{computed.school.code}/engagement/").content.decode()
    row = page[page.index(str(computed.unmentored_ect.person)):]
    row = row[: row.index("</tr>")]
    assert ">Left<" in row and "No mentor" not in row
    assert "1 left" in _headline_text(page, "ECTs on track with study")


def test_the_declaration_threshold_is_one_test_whichever_way_it_is_counted(computed, client):
    from engagement.models import below_threshold

    assert [below_threshold(*figures) for figures in ((3, 4), (2, 3), (0, 0), (0, 1))] == [False, True, False, True]
    with hub_scope(computed.hub):
        Engagement.objects.filter(ect=computed.ect).update(year_met=3, year_expected=4)  # exactly 75%: not below
        Engagement.objects.filter(ect=computed.unmentored_ect).update(year_met=2, year_expected=3)
        in_python = dashboards.people(computed.school)[1]["study"]["below"]
        in_sql = dashboards.counts(Engagement.objects.filter(school=computed.school))["study"]["below"]
    assert in_python == in_sql == 1
    client.force_login(computed.tutor.person.user)
    page = client.get(f"/schools/{computed.school.code}/engagement/").content.decode()
    rows = dict(re.findall(r"<tr>\s*<th scope=\"row\"><a [^>]*>([^<]+)</a></th>(.*?)</tr>", page, re.S))
    tag = f"below {dashboards.DECLARATION_THRESHOLD}%</span>"
    assert tag not in rows[str(computed.ect.person)] and tag in rows[str(computed.unmentored_ect.person)]

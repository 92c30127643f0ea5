"""What the Lead dashboard (a school) and the hub dashboard (every school) show, read from the
stored engagement figures with a constant number of queries however many people or schools."""

import datetime
import uuid
from collections import namedtuple
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.formats import localize

from ectprogramme.caching import read_through
from ectprogramme.formats import whole_percent
from ectprogramme.hub_cache import cached_until_changed
from engagement import charts
from engagement.models import (
    BELOW_THRESHOLD, DECLARATION_THRESHOLD, NO_MENTOR_LABEL, TRACKED_STATUSES, Engagement, EngagementRun, EngagementStatus,
    EngagementStrand, EngagementTrend, below_threshold,
)
from engagement.periods import HalfTermDates, monday_of, term_weeks
from events import attendance
from participants import onboarding
from participants.models import ECT

TREND_WEEKS = 12
# raw SQL values as Python ones (SQLite gives UUIDs, dates and times as text)
_to_uuid = ECT._meta.get_field("code").to_python
_to_date = Engagement._meta.get_field("last_activity_on").to_python
_to_datetime = EngagementRun._meta.get_field("computed_at").to_python
CACHE_SECONDS = 60 * 60 * 24  # a day: a hub's figures are recalculated at least nightly
# the shape of the cached values: bump it when a change alters what one holds, so that a deploy
# never reads entries an older release wrote (they would otherwise live up to CACHE_SECONDS)
CACHE_FORMAT = 2


def _cached(key, make):
    """The value cached under `key`, made by `make()` and cached for a day on a miss (made afresh
    on every load while the cache is out of reach)."""
    return read_through(key, make, CACHE_SECONDS, version=CACHE_FORMAT)


def shown_percent(value):
    """A one-decimal percent as every page shows it: whole, half up (as `floatformat:0` rounds it).

    Tables get their numbers as text: rendering a number in a template localizes it, at a cost that
    shows over hundreds of cells.
    """
    return whole_percent(value)


def _url_maker(name):
    """A function from a code to the URL `name` takes it to: one `reverse`, however many rows."""
    placeholder = str(uuid.UUID(int=0))
    prefix, suffix = reverse(name, args=[placeholder]).split(placeholder)
    return lambda code: f"{prefix}{code}{suffix}"


# the statuses of people not judged, as the headlines count them
UNJUDGED_STATUSES = [status for status in EngagementStatus if status not in TRACKED_STATUSES]
NO_MENTOR = "no_mentor"  # the filter (people table) and concern (schools table) of ECTs flagged with no mentor


@dataclass
class Headline:
    """A strand's figures: `people` are those judged (`TRACKED_STATUSES`); `others` counts each other
    status ({status: count}, only those with someone) and `no_mentor` the ECTs flagged so."""

    strand: str
    people: int
    on_track: int
    at_risk: int
    off_track: int
    below_threshold: int
    last_week: float | None  # the percent on track to compare with (last week's on the dashboards)
    periods_expected: int = 0
    others: dict = field(default_factory=dict)
    no_mentor: int = 0

    @property
    def registered(self):
        return self.people + sum(self.others.values())

    @property
    def others_shown(self):
        """[(label, count)] of the other statuses, in `EngagementStatus` order."""
        return [(status.label, self.others[status.value]) for status in UNJUDGED_STATUSES if self.others.get(status.value)]

    @property
    def percent(self):
        """Percent of people on track; None while nobody has had a period due (nothing to judge yet)."""
        return Engagement.percent_of(self.on_track, self.people) if self.periods_expected else None

    @property
    def change(self):
        """Points up or down since last week, between the whole percents shown."""
        if self.percent is None or self.last_week is None:
            return None
        return int(shown_percent(self.percent)) - int(shown_percent(self.last_week))

    @property
    def change_size(self):
        return abs(self.change) if self.change is not None else None


@dataclass
class Summary:
    """The top of a dashboard: the headline per strand and the weekly trend."""

    headlines: dict[str, Headline]
    week_labels: list[str]
    series: dict[str, list[float | None]]


COUNTED = ("people", "on_track", "at_risk", "off_track", "below", "expected", "no_mentor", *(s.value for s in UNJUDGED_STATUSES))


def counts(engagements):
    """Per strand: people judged, on track, at risk, off track, below the declaration threshold this
    year, periods expected, ECTs with no mentor and people of each other status (one query)."""
    rows = engagements.values("strand").annotate(
        people=Count("id", filter=Q(status__in=TRACKED_STATUSES)),
        on_track=Count("id", filter=Q(status=EngagementStatus.ON_TRACK)),
        at_risk=Count("id", filter=Q(status=EngagementStatus.AT_RISK)),
        off_track=Count("id", filter=Q(status=EngagementStatus.OFF_TRACK)),
        below=Count("id", filter=BELOW_THRESHOLD),
        expected=Sum("periods_expected"),
        no_mentor=Count("id", filter=Q(no_mentor=True)),
        **{status.value: Count("id", filter=Q(status=status)) for status in UNJUDGED_STATUSES},
    )
    return {row["strand"]: row for row in rows}


def headlines(counts, earlier):
    """{strand: `Headline`} from `counts`, each with its change since `earlier` ({strand: percent on track or None})."""
    result = {}
    for strand in EngagementStrand.values:
        c = counts.get(strand, {})
        result[strand] = Headline(
            strand, c.get("people", 0), c.get("on_track", 0), c.get("at_risk", 0), c.get("off_track", 0), c.get("below", 0),
            earlier.get(strand), c.get("expected") or 0, {s.value: c.get(s.value, 0) for s in UNJUDGED_STATUSES},
            c.get("no_mentor", 0),
        )
    return result


def summary(counts, trend):
    """Headlines (from `counts`, with last week's percent on track from `trend`, a `trend_series`) and the trend."""
    week_labels, series = trend
    return Summary(headlines(counts, {strand: values[-2] for strand, values in series.items()}), week_labels, series)


STRAND_NAMES = {"study": "ECTs on track with study", "coaching": "Mentors on track with coaching"}


def trend_chart(labels, series):
    """What `trend_chart.html` shows of a `trend_series`: the chart (`charts.line_chart`), and the same as a table."""
    named = [(STRAND_NAMES[strand], values) for strand, values in series.items()]
    return {
        "drawing": charts.line_chart("Percent of people on track, week by week", labels, named),
        "labels": labels,
        "rows": [(label, *[values[i] for _, values in named]) for i, label in enumerate(labels)],
        "names": [name for name, _ in named],
        "has_data": any(v is not None for _, values in named for v in values),
    }


def _mondays(today, weeks):
    this_week = monday_of(today)
    return [this_week - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def trend_series(trends, today, weeks=TREND_WEEKS):
    """(week labels, {strand: [percent on track or None per week]}) over the last `weeks` weeks, this week last (one query)."""
    mondays = _mondays(today, weeks)
    rows = (
        trends.filter(strand__in=EngagementStrand.values, week__gte=mondays[0], week__lte=mondays[-1])  # ranges of the (hub, strand, week) index
        .values("strand", "week")
        .annotate(on=Sum("on_track"), n=Sum("people"))
    )
    by_key = {(row["strand"], row["week"]): Engagement.percent_of(row["on"], row["n"]) for row in rows}
    series = {strand: [by_key.get((strand, monday)) for monday in mondays] for strand in EngagementStrand.values}
    return [monday.strftime("%-d %b") for monday in mondays], series


def school_trend(school, computed_at, today):
    """The school's `trend_series`, cached under when its hub's figures were calculated and this week:
    only the engine writes trend rows, and it moves `computed_at` when it does (no caching before the
    first calculation). Numbers and dates only: nothing that can be renamed."""
    if computed_at is None:
        return trend_series(EngagementTrend.objects.filter(school=school), today)
    key = f"engagement:school-trend:{school.pk}:{computed_at.isoformat()}:{monday_of(today)}:{TREND_WEEKS}"
    return _cached(key, lambda: trend_series(EngagementTrend.objects.filter(school=school), today))


def has_people(school, headlines):
    """Whether the school has ECTs or mentors. Stored figures are only for people registered at the
    school (as of the last recompute), so a school with figures needs no query."""
    return any(h.registered for h in headlines.values()) or school.ects.exists() or school.mentors.exists()


@dataclass(frozen=True)
class SchoolState:
    """When the hub's figures were last calculated (None before the first time) and `calendar_state`."""

    computed_at: datetime.datetime | None
    calendar: str


SCHOOL_STATE_SQL = """
SELECT run.computed_at, EXISTS (SELECT 1 FROM schools_halfterm WHERE hub_id = %(hub)s), half.start_date, half.end_date
FROM (SELECT 1) AS one
LEFT JOIN engagement_engagementrun run ON run.hub_id = %(hub)s
LEFT JOIN schools_halfterm half ON half.hub_id = %(hub)s AND half.start_date <= %(sunday)s AND half.end_date >= %(monday)s"""


def school_state(hub, day):
    """The hub's `SchoolState` on `day`, in one statement: the run and the half terms of the week (a
    row each, at least one row)."""
    monday = monday_of(day)
    with connection.cursor() as cursor:
        cursor.execute(SCHOOL_STATE_SQL, {"hub": hub.pk, "monday": monday, "sunday": monday + datetime.timedelta(days=6)})
        rows = cursor.fetchall()
    this_week = [HalfTermDates(_to_date(start), _to_date(end)) for _, _, start, end in rows if start is not None]
    return SchoolState(_to_datetime(rows[0][0]), _calendar(bool(rows[0][1]), this_week, monday))


def calendar_state(hub, day):
    """"term" on a day of a term week, "holiday" between half terms, "no_terms" with no term dates."""
    return school_state(hub, day).calendar


def _calendar(has_terms, this_week, monday):
    """`calendar_state` from whether the hub has term dates and the half terms overlapping the week of `monday`."""
    if not has_terms:
        return "no_terms"
    return "term" if monday in {m for m, _ in term_weeks(this_week)} else "holiday"


# Each sort of the people table: (SQL expression, ascending) in turn; ties (and both ways) by row id.
PERSON_NAME_SQL = "LOWER(p.last_name || ' ' || p.first_name)"
_TRACKED_SQL = ", ".join(f"'{status}'" for status in TRACKED_STATUSES)
SORTS = {
    "name": ((PERSON_NAME_SQL, True),),
    # the judged by periods missed in a row, most first; then everyone else
    "status": ((f"CASE WHEN e.status IN ({_TRACKED_SQL}) THEN e.consecutive_missed ELSE -1 END", False), (PERSON_NAME_SQL, True)),
    "percent": (("COALESCE(e.periods_met * 1000 / NULLIF(e.periods_expected, 0), 1000)", True), (PERSON_NAME_SQL, True)),
    "activity": (("e.last_activity_on", True), (PERSON_NAME_SQL, True)),
}
STATUS_LABELS = dict(EngagementStatus.choices)

PersonRow = namedtuple(
    "PersonRow",
    "strand ect_id ect_code mentor_code cohort current_mentees status no_mentor consecutive_missed periods_met periods_expected "
    "term_met term_expected year_met year_expected last_activity_on first_name last_name email matches person_code person_id",
    defaults=(None, None),  # the person's code and id: the Lead dashboard's row actions (nudges) and events need them, reports do not
)
# A row is an ECT's or a mentor's: the person is the one of whichever is set.
PEOPLE_SQL = """
SELECT e.strand, e.ect_id, ect.code, mentor.code, e.cohort, e.current_mentees, e.status, e.no_mentor, e.consecutive_missed,
  e.periods_met, e.periods_expected, e.term_met, e.term_expected, e.year_met, e.year_expected, e.last_activity_on, p.first_name, p.last_name, u.email,
  {matches} AS matches, p.code, p.id
FROM engagement_engagement e
LEFT JOIN participants_ect ect ON ect.id = e.ect_id
LEFT JOIN participants_mentor mentor ON mentor.id = e.mentor_id
LEFT JOIN participants_person p ON p.id = COALESCE(ect.person_id, mentor.person_id)
LEFT JOIN participants_user u ON u.id = p.user_id
WHERE e.hub_id = %(hub)s AND e.school_id = %(school)s
ORDER BY {order}, e.id"""


def _matches_sql(strand, status, q):
    """(SQL condition, params) of the table's filters; a name word matches as the ORM's `icontains` does."""
    conditions, params = ["1 = 1"], {}
    if strand in EngagementStrand.values:
        conditions.append("e.strand = %(strand)s")
        params["strand"] = strand
    if status in EngagementStatus.values:
        conditions.append("e.status = %(status)s")
        params["status"] = status
    elif status == NO_MENTOR:
        conditions.append("e.no_mentor")
    ops = connection.ops
    contains = connection.operators["icontains"]
    for i, word in enumerate(q.split()):
        names = [ops.lookup_cast("icontains", "CharField") % f"p.{name}" for name in ("first_name", "last_name")]
        conditions.append("(" + " OR ".join(f"{name} {contains % f'%(word{i})s'}" for name in names) + ")")
        params[f"word{i}"] = f"%{ops.prep_for_like_query(word)}%"
    return " AND ".join(conditions), params


def people(school, strand="", status="", q="", sort="status", descending=False):
    """The Lead dashboard's table: ECTs' study and mentors' coaching at one school (`PersonRow`s that
    `person_rows` shows), and the `counts` of all the school's people (whatever the filters).

    A school's people are few, so all its rows are read in one statement, each marked whether it
    matches the filters, and the matching ones paged by the caller. As SQL it costs a fraction of
    the same query through the ORM.
    """
    order = ", ".join(f"{sql} {'ASC' if ascending != descending else 'DESC'}" for sql, ascending in SORTS.get(sort, SORTS["status"]))
    matches, params = _matches_sql(strand, status, q)
    with connection.cursor() as cursor:
        cursor.execute(PEOPLE_SQL.format(matches=matches, order=order), {"hub": school.hub_id, "school": school.pk, **params})
        rows = [PersonRow._make(row) for row in cursor.fetchall()]
    return [row for row in rows if row.matches], counts_of(rows)


def counts_of(rows):
    """`counts` of rows with a person's strand, status and figures (`PersonRow`s, the engine's rows)."""
    result = {}
    for row in rows:
        c = result.setdefault(row.strand, dict.fromkeys(COUNTED, 0))
        c["people"] += row.status in TRACKED_STATUSES
        c[row.status] += 1
        c["below"] += below_threshold(row.year_met, row.year_expected)
        c["expected"] += row.periods_expected
        c["no_mentor"] += bool(row.no_mentor)
    return result


def person_rows(rows, events=None):
    """A page of `people` rows as `_people_rows.html` shows them (a dict each): the name (as
    `Person.__str__` gives it) linking to the person's history, role, status and figures, every
    figure already written as text (rendering numbers and dates in a template localizes each, at a
    cost that shows over hundreds of cells).

    `periods` (`term`) is None when nothing is due yet (this term), `year` when nothing was expected this year; `below`
    marks a year under `DECLARATION_THRESHOLD`. `events`
    ({person id: `events.attendance.Counts`}) adds each person's event attendance ("2 of 3": attended of
    expected so far), None without any.
    """
    urls = {"ect": _url_maker("ect_engagement"), "mentor": _url_maker("mentor_engagement")}
    events = events or {}
    shown = []
    for row in rows:
        item = _person_row(row, urls)
        counts = events.get(row.person_id)
        item["events"] = counts.text if counts is not None and counts.expected else None
        shown.append(item)
    return shown


def _person_row(row, urls):
    if row.ect_id is not None:
        url, role = urls["ect"](_to_uuid(row.ect_code)), f"ECT ({row.cohort})" if row.cohort else "ECT"
    else:
        url, role = urls["mentor"](_to_uuid(row.mentor_code)), "Mentor"
    met, expected = row.periods_met, row.periods_expected
    year_percent = Engagement.percent_of(row.year_met, row.year_expected)
    last_activity = _to_date(row.last_activity_on)
    return {
        "url": url,
        "name": f"{row.first_name} {row.last_name}".strip() or row.email,
        "role": role,
        "no_mentor": row.ect_id is not None and row.no_mentor,
        "status": row.status,
        "status_label": STATUS_LABELS.get(row.status, row.status),
        "consecutive_missed": str(row.consecutive_missed),
        "periods": f"{met} of {expected} ({shown_percent(Engagement.percent_of(met, expected))}%)" if expected else None,
        "term": f"{row.term_met} of {row.term_expected}" if row.term_expected else None,
        "year": None if year_percent is None else f"{shown_percent(year_percent)}%",
        "below": below_threshold(row.year_met, row.year_expected),
        "last_activity": localize(last_activity) if last_activity else None,
        "person_code": _to_uuid(row.person_code) if row.person_code else None,
    }


Figures = namedtuple("Figures", "people on_track at_risk off_track no_mentor")  # a school's `EngagementTrend` counts
NO_FIGURES = Figures(0, 0, 0, 0, 0)


class SchoolFigures(namedtuple("SchoolFigures", "study coaching sparkline")):
    """A school's study and coaching `Figures` in the newest week with figures, and the points of
    its study sparkline (None with too few weeks)."""

    @property
    def at_risk(self):
        return self.study.at_risk + self.coaching.at_risk

    @property
    def off_track(self):
        return self.study.off_track + self.coaching.off_track

    @property
    def study_sort(self):
        return self.study.on_track * 1000 // self.study.people if self.study.people else -1

    @property
    def coaching_sort(self):
        return self.coaching.on_track * 1000 // self.coaching.people if self.coaching.people else -1


SCHOOL_SORTS = {  # a `SchoolFigures` figure to sort by, and whether highest first; ties (and "name") in name order
    "name": (None, False),
    "study": ("study_sort", False),
    "coaching": ("coaching_sort", False),
    "off_track": ("off_track", True),
    "at_risk": ("at_risk", True),
}


# The sorts whose first order puts the highest first (the most missed, the most off track), whichever table.
HIGHEST_FIRST = {key for key, order in SORTS.items() if not order[0][1]} | {key for key, (_, high) in SCHOOL_SORTS.items() if high}


def schools(school_queryset, figures, q="", concern="", sort="name", descending=False):
    """The hub dashboard's table: (id, code, name, URN) of each school, in name order (either way;
    then by id), or filtered and sorted by their `HubFigures`. A hub's schools are few enough to
    filter and sort here; the sort is stable, so ties stay in name order.
    """
    q = q.strip()
    if q:
        school_queryset = school_queryset.filter(Q(name__icontains=q) | Q(urn__startswith=q))
    by_name = school_queryset.order_by("-name" if descending else "name", "id")
    rows = list(by_name.values_list("id", "code", "name", "urn"))
    figure, highest_first = SCHOOL_SORTS.get(sort, SCHOOL_SORTS["name"])
    if concern not in ("off_track", "at_risk", NO_MENTOR) and not figure:
        return rows
    of = {school_id: figures.of(school_id) for school_id, *_ in rows}
    if concern == NO_MENTOR:
        rows = [row for row in rows if of[row[0]].study.no_mentor]
    elif concern == "off_track":
        rows = [row for row in rows if of[row[0]].off_track]
    elif concern == "at_risk":
        rows = [row for row in rows if of[row[0]].at_risk or of[row[0]].off_track]
    if figure:
        rows.sort(key=lambda row: getattr(of[row[0]], figure), reverse=highest_first != descending)
    return rows


@dataclass(frozen=True)
class HubState:
    """What identifies a hub's stored figures: when they were last calculated, how many rows there
    are (the engine writes rows and `EngagementRun` in one transaction; anything else can only
    delete rows, by cascade), the newest week with trend figures, and how many schools there are
    and the newest one's id (a school deleted takes its trend rows with it; one added has none until
    the engine runs)."""

    computed_at: datetime.datetime | None
    engagements: int
    newest_week: datetime.date | None
    schools: int
    newest_school: int | None


HUB_STATE_SQL = """
SELECT (SELECT computed_at FROM engagement_engagementrun WHERE hub_id = %(hub)s),
  (SELECT COUNT(*) FROM engagement_engagement WHERE hub_id = %(hub)s),
  (SELECT MAX(week) FROM engagement_engagementtrend WHERE hub_id = %(hub)s AND strand = 'study'),
  (SELECT MAX(week) FROM engagement_engagementtrend WHERE hub_id = %(hub)s AND strand = 'coaching'),
  (SELECT COUNT(*) FROM schools_school WHERE hub_id = %(hub)s),
  (SELECT MAX(id) FROM schools_school WHERE hub_id = %(hub)s)"""


def hub_state(hub):
    """The hub's `HubState` in one statement of index lookups (each strand's newest week straight from
    the (hub, strand, week) index). As SQL it costs a fraction of the ORM's subqueries."""
    with connection.cursor() as cursor:
        cursor.execute(HUB_STATE_SQL, {"hub": hub.pk})
        computed_at, engagements, study_week, coaching_week, school_count, newest_school = cursor.fetchone()
    newest_week = max((_to_date(week) for week in (study_week, coaching_week) if week), default=None)
    return HubState(_to_datetime(computed_at), engagements, newest_week, school_count, newest_school)


def hub_counts(hub, state):
    """`counts` of all the hub's stored rows, cached under the `HubState` they were read at: read
    after it, so newer rows can only be cached under a state that no longer comes up."""
    key = f"engagement:hub-counts:{hub.pk}:{state.computed_at and state.computed_at.isoformat()}:{state.engagements}"
    return _cached(key, lambda: counts(Engagement.objects.all()))


SPARKLINE_WEEKS = 8


@dataclass(frozen=True)
class HubFigures:
    """The numbers of a hub's stored trend the hub dashboard shows: the chart's `trend_series` and,
    by school id, (study counts, coaching counts, sparkline points): the school's `Figures` in the
    newest week with figures as plain tuples (unpickled on every request, ten times faster than
    namedtuples) and `charts.sparkline_points` of its percent of ECTs on track with study in each
    of the last `SPARKLINE_WEEKS` weeks."""

    trend: tuple
    schools: dict

    def of(self, school_id):
        """The school's `SchoolFigures`."""
        study, coaching, points = self.schools.get(school_id, NO_SCHOOL_FIGURES)
        return SchoolFigures(Figures._make(study), Figures._make(coaching), points)


NO_SCHOOL_FIGURES = (NO_FIGURES, NO_FIGURES, None)


def hub_figures(hub, state, today):
    """The hub's `HubFigures`, cached under its `HubState` and this week (no caching before the first
    calculation). Only the engine writes trend rows, and it moves `computed_at` when it does; a
    school deleted (its trend rows with it) changes the schools' count or newest id. Numbers and
    dates only: names are joined at request time."""
    if state.computed_at is None:
        return read_hub_figures(state.newest_week, today)
    key = (
        f"engagement:hub-figures:{hub.pk}:{state.computed_at.isoformat()}:{state.newest_week}:{state.schools}:"
        f"{state.newest_school}:{monday_of(today)}:{TREND_WEEKS}:{SPARKLINE_WEEKS}"
    )
    return _cached(key, lambda: read_hub_figures(state.newest_week, today))


def read_hub_figures(newest_week, today):
    """`HubFigures` read from the trend rows (two queries; without `newest_week`, the schools' figures are zeros)."""
    mondays = _mondays(today, SPARKLINE_WEEKS)
    wanted = Q(strand="study", week__gte=mondays[0], week__lte=mondays[-1])
    if newest_week:
        wanted |= Q(strand__in=EngagementStrand.values, week=newest_week)
    figures, line_points = {}, {}
    for school_id, strand, week, *counts in EngagementTrend.objects.filter(wanted).values_list(
        "school_id", "strand", "week", "people", "on_track", "at_risk", "off_track", "no_mentor"
    ):
        if week == newest_week:
            figures[school_id, strand] = tuple(counts)
        if strand == "study":
            line_points[school_id, week] = Engagement.percent_of(counts[1], counts[0])
    school_ids = {school_id for school_id, _ in figures} | {school_id for school_id, _ in line_points}
    by_school = {
        school_id: (
            figures.get((school_id, "study"), (0, 0, 0, 0, 0)),
            figures.get((school_id, "coaching"), (0, 0, 0, 0, 0)),
            charts.sparkline_points([line_points.get((school_id, monday)) for monday in mondays]),
        )
        for school_id in school_ids
    }
    return HubFigures(trend_series(EngagementTrend.objects.all(), today), by_school)


def schools_live_counts(hub, on, school_ids):
    """(`events.attendance.counts` per school, `onboarding.never_signed_in_by_school`) of a page of
    the hub dashboard, cached until the hub's people or events change (`ectprogramme.hub_cache`)."""
    school_ids = list(school_ids)
    return cached_until_changed(
        hub.pk, "hub-dashboard", (on, school_ids),
        lambda: (attendance.counts(hub, on, school_ids=school_ids), onboarding.never_signed_in_by_school(school_ids)),
    )


def people_attendance(hub, on, school):
    """`events.attendance.counts` per person at the school (the Lead dashboard's), cached until the
    hub's people or events change."""
    return cached_until_changed(
        hub.pk, "lead-dashboard", (on, school.pk), lambda: attendance.counts(hub, on, school_ids=[school.pk], per="person")
    )


def school_rows(rows, figures, events=None, never_signed_in=None):
    """A page of `schools` rows as `_school_rows.html` shows them (a dict each): link, name, URN,
    percents on track (None with nobody judged) and counts as text, ECTs with no mentor, and the
    points of the study sparkline over the last `SPARKLINE_WEEKS` weeks (None with too few weeks).
    `events` ({school_id: `events.attendance.Counts`}) adds event attendance (attended of expected
    so far, None when nothing is due yet) and open alternatives; `never_signed_in` ({school id:
    count}, `participants.onboarding`) how many people there never signed in."""
    url = _url_maker("lead_dashboard")
    events = events or {}
    shown = []
    for school_id, code, name, urn in rows:
        attendance = events.get(school_id)
        study, coaching, points = of = figures.of(school_id)
        study_percent = shown_percent(Engagement.percent_of(study.on_track, study.people))
        coaching_percent = shown_percent(Engagement.percent_of(coaching.on_track, coaching.people))
        shown.append({
            "url": url(code),
            "name": name,
            "urn": urn,
            "study": f"{study_percent}%" if study_percent else None,
            "study_people": str(study.people),
            "coaching": f"{coaching_percent}%" if coaching_percent else None,
            "coaching_people": str(coaching.people),
            "no_mentor": f"{study.no_mentor} ECT{'s' if study.no_mentor != 1 else ''}" if study.no_mentor else None,
            "at_risk": str(of.at_risk),
            "off_track": str(of.off_track),
            "any_off_track": of.off_track > 0,
            "sparkline": points,
            "sparkline_label": f"{name}: ECTs on track with study over the last {SPARKLINE_WEEKS} weeks",
            "events": attendance.text if attendance is not None and attendance.expected else None,
            "alternatives": str(attendance.open_alternatives) if attendance is not None else "0",
            "never_signed_in": None if never_signed_in is None else str(never_signed_in.get(school_id, 0)),
        })
    return shown

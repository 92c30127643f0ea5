"""What the Lead dashboard (a school) and the hub dashboard (every school) show, read from the
stored engagement figures with a constant number of queries however many people or schools."""

import datetime
import uuid
from collections import namedtuple
from dataclasses import dataclass
from operator import itemgetter

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, Sum, Value
from django.db.models.functions import Coalesce, Concat, Lower, NullIf
from django.urls import reverse

from engagement import charts
from engagement.models import Engagement, EngagementRun, EngagementStatus, EngagementStrand, EngagementTrend
from engagement.periods import HalfTermDates, monday_of, term_weeks
from schools.models import HalfTerm

TREND_WEEKS = 12
COUNTS_CACHE_SECONDS = 60 * 60 * 24  # a day: a hub's figures are recalculated at least nightly
DECLARATION_THRESHOLD = 75  # percent engagement the DfE's declarations need evidence of (2025 cohorts on)


def shown_percent(value):
    """A one-decimal percent as the tables show it: whole, half up (as `floatformat:0` rounds it).

    Tables get their numbers as text: rendering a number in a template localizes it, at a cost that
    shows over hundreds of cells.
    """
    return None if value is None else str(int(value + 0.5))


def _url_maker(name):
    """A function from a code to the URL `name` takes it to: one `reverse`, however many rows."""
    placeholder = str(uuid.UUID(int=0))
    prefix, suffix = reverse(name, args=[placeholder]).split(placeholder)
    return lambda code: f"{prefix}{code}{suffix}"


@dataclass
class Headline:
    strand: str
    people: int
    on_track: int
    at_risk: int
    off_track: int
    below_threshold: int
    last_week: float | None
    periods_expected: int = 0

    @property
    def percent(self):
        """Percent of people on track; None while nobody has had a period due (nothing to judge yet)."""
        return Engagement.percent_of(self.on_track, self.people) if self.periods_expected else None

    @property
    def change(self):
        if self.percent is None or self.last_week is None:
            return None
        return round(self.percent - self.last_week, 1)

    @property
    def change_size(self):
        return abs(self.change) if self.change is not None else None


@dataclass
class Summary:
    """The top of a dashboard: the headline per strand and the weekly trend."""

    headlines: dict[str, Headline]
    week_labels: list[str]
    series: dict[str, list[float | None]]


def counts(engagements):
    """Per strand: people, on track, at risk, off track, below 75% this year and periods expected (one query)."""
    rows = engagements.values("strand").annotate(
        people=Count("id"),
        on_track=Count("id", filter=Q(consecutive_missed=0)),
        at_risk=Count("id", filter=Q(consecutive_missed=1)),
        off_track=Count("id", filter=Q(consecutive_missed__gte=2)),
        below=Count("id", filter=Q(year_expected__gt=0, year_met__lt=F("year_expected") * DECLARATION_THRESHOLD / 100.0)),
        expected=Sum("periods_expected"),
    )
    return {row["strand"]: row for row in rows}


def _counts_of(rows):
    """`counts` of rows already read (the `PERSON_FIELDS` of every row of a school)."""
    result = {}
    for row in rows:
        c = result.setdefault(row["strand"], dict.fromkeys(("people", "on_track", "at_risk", "off_track", "below", "expected"), 0))
        missed = row["consecutive_missed"]
        c["people"] += 1
        c["on_track" if missed == 0 else "at_risk" if missed == 1 else "off_track"] += 1
        c["below"] += row["year_expected"] > 0 and 100 * row["year_met"] < row["year_expected"] * DECLARATION_THRESHOLD
        c["expected"] += row["periods_expected"]
    return result


def summary(counts, trends, today):
    """Headlines (from `counts`, with last week's percent on track from the trend) and the trend (one query)."""
    week_labels, series = trend_series(trends, today)
    headlines = {}
    for strand in EngagementStrand.values:
        c = counts.get(strand, {})
        headlines[strand] = Headline(
            strand, c.get("people", 0), c.get("on_track", 0), c.get("at_risk", 0), c.get("off_track", 0), c.get("below", 0),
            series[strand][-2], c.get("expected") or 0,
        )
    return Summary(headlines, week_labels, series)


def computed_at(hub):
    """When the hub's figures were last calculated (None before the first time)."""
    return EngagementRun.objects.filter(hub=hub).values_list("computed_at", flat=True).first()


def trend_series(trends, today, weeks=TREND_WEEKS):
    """(week labels, {strand: [percent on track or None per week]}) over the last `weeks` weeks, this week last."""
    this_week = monday_of(today)
    mondays = [this_week - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    rows = (
        trends.filter(strand__in=EngagementStrand.values, week__gte=mondays[0], week__lte=this_week)  # ranges of the (hub, strand, week) index
        .values("strand", "week")
        .annotate(on=Sum("on_track"), n=Sum("people"))
    )
    by_key = {(row["strand"], row["week"]): Engagement.percent_of(row["on"], row["n"]) for row in rows}
    series = {strand: [by_key.get((strand, monday)) for monday in mondays] for strand in EngagementStrand.values}
    return [monday.strftime("%-d %b") for monday in mondays], series


def has_people(school, headlines):
    """Whether the school has ECTs or mentors. Stored figures are only for people registered at the
    school (as of the last recompute), so a school with figures needs no query."""
    return any(h.people for h in headlines.values()) or school.ects.exists() or school.mentors.exists()


def calendar_state(hub, day):
    """"term" on a day of a term week, "holiday" between half terms, "no_terms" with no term dates."""
    half_terms = list(HalfTerm.objects.filter(hub=hub).values_list("start_date", "end_date"))
    if not half_terms:
        return "no_terms"
    monday = monday_of(day)
    this_week = [HalfTermDates(start, end) for start, end in half_terms if start <= monday + datetime.timedelta(days=6) and end >= monday]
    return "term" if monday in {m for m, _ in term_weeks(this_week)} else "holiday"


SORTS = {
    "name": ("person_name",),
    "status": ("-consecutive_missed", "person_name"),
    "percent": ("percent_sort", "person_name"),
    "activity": ("last_activity_on", "person_name"),
}


STATUS_LABELS = dict(EngagementStatus.choices)
PERSON_FIELDS = (
    "strand", "ect_id", "ect__code", "mentor__code", "cohort", "current_mentees", "status", "consecutive_missed",
    "periods_met", "periods_expected", "year_met", "year_expected", "last_activity_on",
    "ect__person__user__first_name", "ect__person__user__last_name", "ect__person__user__email",
    "mentor__person__user__first_name", "mentor__person__user__last_name", "mentor__person__user__email",
)


def people(school, strand="", status="", q="", sort="status", descending=False):
    """The Lead dashboard's table: ECTs' study and mentors' coaching at one school, as rows ready to
    show, and the `counts` of all the school's people (whatever the filters).

    A school's people are few, so all its rows are read in one query, each marked whether it
    matches the filters, and the matching ones paged by the caller.
    """
    rows = (
        Engagement.objects.filter(school=school)
        .annotate(
            # A row is an ECT's or a mentor's: the other's (left-joined) names are NULL.
            person_name=Lower(
                Concat(
                    Coalesce("ect__person__user__last_name", "mentor__person__user__last_name"),
                    Value(" "),
                    Coalesce("ect__person__user__first_name", "mentor__person__user__first_name"),
                )
            ),
        )
    )
    if sort == "percent":
        rows = rows.annotate(percent_sort=Coalesce(F("periods_met") * 1000 / NullIf(F("periods_expected"), 0), Value(1000)))
    matches = Q()
    if strand in EngagementStrand.values:
        matches &= Q(strand=strand)
    if status in ("on_track", "at_risk", "off_track"):
        matches &= Q(status=status)
    for word in q.split():
        matches &= (
            Q(ect__person__user__first_name__icontains=word) | Q(ect__person__user__last_name__icontains=word)
            | Q(mentor__person__user__first_name__icontains=word) | Q(mentor__person__user__last_name__icontains=word)
        )
    fields = PERSON_FIELDS
    if matches:
        rows, fields = rows.annotate(matches=ExpressionWrapper(matches, output_field=BooleanField())), (*fields, "matches")
    order = SORTS.get(sort, SORTS["status"])
    if descending:
        order = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in order)
    rows = list(rows.order_by(*order, "id").values(*fields))
    urls = {"ect": _url_maker("ect_engagement"), "mentor": _url_maker("mentor_engagement")}
    shown = [_person_row(row, urls) for row in rows if not matches or row["matches"]]
    return shown, _counts_of(rows)


def _person_row(row, urls):
    """A row as the table shows it: the name (as `User.__str__` gives it), link, status and figures as text."""
    role = "ect" if row["ect_id"] is not None else "mentor"
    first, last, email = (row[f"{role}__person__user__{field}"] for field in ("first_name", "last_name", "email"))
    met, expected = row["periods_met"], row["periods_expected"]
    year_percent = Engagement.percent_of(row["year_met"], row["year_expected"])
    return {
        "is_ect": role == "ect",
        "name": f"{first} {last}".strip() or email,
        "url": urls[role](row[f"{role}__code"]),
        "cohort": row["cohort"],
        "not_observing": row["current_mentees"] == 0,
        "status": row["status"],
        "status_label": STATUS_LABELS.get(row["status"], row["status"]),
        "consecutive_missed": str(row["consecutive_missed"]),
        "periods": f"{met} of {expected} ({shown_percent(Engagement.percent_of(met, expected))}%)" if expected else None,
        "year_percent": shown_percent(year_percent),
        "below_threshold": year_percent is not None and year_percent < DECLARATION_THRESHOLD,
        "last_activity_on": row["last_activity_on"],
    }


Figures = namedtuple("Figures", "people on_track at_risk off_track")  # a school's `EngagementTrend` counts
NO_FIGURES = Figures(0, 0, 0, 0)

SCHOOL_SORTS = {  # a figure to sort by, and whether highest first; ties (and "name") in name order
    "name": (None, False),
    "study": ("study_sort", False),
    "coaching": ("coaching_sort", False),
    "off_track": ("off_track", True),
    "at_risk": ("at_risk", True),
}


def schools(school_queryset, newest_week, q="", concern="", sort="name", descending=False):
    """The hub dashboard's table: each school (in name order, either way; then by id), with its
    figures for the newest week with figures (the engine's per-school counts in `EngagementTrend`):
    no grouping over people at request time.

    In name order the figures are only needed for the page shown (`school_rows` reads them); a
    concern or a sort by a figure reads every school's (one more query). A hub's schools are few
    enough to filter and sort here; the sort is stable, so ties stay in name order.
    """
    q = q.strip()
    if q:
        school_queryset = school_queryset.filter(Q(name__icontains=q) | Q(urn__startswith=q))
    by_name = school_queryset.order_by("-name" if descending else "name", "id")
    rows = [{"id": i, "code": code, "name": name, "urn": urn} for i, code, name, urn in by_name.values_list("id", "code", "name", "urn")]
    figure, highest_first = SCHOOL_SORTS.get(sort, SCHOOL_SORTS["name"])
    if concern not in ("off_track", "at_risk") and not figure:
        return rows
    figures = _figures(EngagementTrend.objects.filter(week=newest_week)) if newest_week else {}
    rows = [_with_figures(row, figures) for row in rows]
    if concern == "off_track":
        rows = [row for row in rows if row["off_track"]]
    elif concern == "at_risk":
        rows = [row for row in rows if row["at_risk"] or row["off_track"]]
    if figure:
        rows.sort(key=itemgetter(figure), reverse=highest_first != descending)
    return rows


@dataclass(frozen=True)
class HubState:
    """What identifies a hub's stored figures: when they were last calculated, how many rows there
    are (the engine writes rows and `EngagementRun` in one transaction; anything else can only
    delete rows, by cascade) and the newest week with trend figures."""

    computed_at: datetime.datetime | None
    engagements: int
    newest_week: datetime.date | None


HUB_STATE_SQL = """
SELECT (SELECT computed_at FROM engagement_engagementrun WHERE hub_id = %(hub)s),
  (SELECT COUNT(*) FROM engagement_engagement WHERE hub_id = %(hub)s),
  (SELECT MAX(week) FROM engagement_engagementtrend WHERE hub_id = %(hub)s AND strand = 'study'),
  (SELECT MAX(week) FROM engagement_engagementtrend WHERE hub_id = %(hub)s AND strand = 'coaching')"""


def hub_state(hub):
    """The hub's `HubState` in one statement of index lookups (each strand's newest week straight from
    the (hub, strand, week) index). As SQL it costs a fraction of the ORM's four subqueries."""
    with connection.cursor() as cursor:
        cursor.execute(HUB_STATE_SQL, {"hub": hub.pk})
        computed_at, engagements, *weeks = cursor.fetchone()
    # SQLite gives dates and times as text
    to_date, to_datetime = EngagementTrend._meta.get_field("week").to_python, EngagementRun._meta.get_field("computed_at").to_python
    return HubState(to_datetime(computed_at), engagements, max((to_date(week) for week in weeks if week), default=None))


def hub_counts(hub, state):
    """`counts` of all the hub's stored rows, cached under the `HubState` they were read at: read
    after it, so newer rows can only be cached under a state that no longer comes up."""
    key = f"engagement:hub-counts:{hub.pk}:{state.computed_at and state.computed_at.isoformat()}:{state.engagements}"
    return cache.get_or_set(key, lambda: counts(Engagement.objects.all()), COUNTS_CACHE_SECONDS)


def _figures(trends):
    """{(school_id, strand): Figures} of trend rows."""
    return {
        (school_id, strand): Figures(*counts)
        for school_id, strand, *counts in trends.values_list("school_id", "strand", "people", "on_track", "at_risk", "off_track")
    }


def _with_figures(row, figures):
    study = figures.get((row["id"], "study"), NO_FIGURES)
    coaching = figures.get((row["id"], "coaching"), NO_FIGURES)
    row.update(
        study=study, coaching=coaching, at_risk=study.at_risk + coaching.at_risk, off_track=study.off_track + coaching.off_track,
        study_sort=study.on_track * 1000 // study.people if study.people else -1,
        coaching_sort=coaching.on_track * 1000 // coaching.people if coaching.people else -1,
    )
    return row


def school_rows(rows, newest_week, today, weeks=8):
    """A page of `schools` rows as the table shows them: link, percents and counts as text, and the
    study sparkline over the last `weeks` weeks (one query: the page's figures and sparklines)."""
    this_week = monday_of(today)
    mondays = [this_week - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    trends = EngagementTrend.objects.filter(school_id__in=[row["id"] for row in rows])
    wanted = Q(strand="study", week__gte=mondays[0])
    if newest_week and not all("study" in row for row in rows):
        wanted |= Q(week=newest_week)
    figures, line_points = {}, {}
    for school_id, strand, week, *counts in trends.filter(wanted).values_list(
        "school_id", "strand", "week", "people", "on_track", "at_risk", "off_track"
    ):
        if week == newest_week:
            figures[school_id, strand] = Figures(*counts)
        if strand == "study":
            line_points[school_id, week] = Engagement.percent_of(counts[1], counts[0])
    url = _url_maker("lead_dashboard")
    shown = []
    for row in rows:
        if "study" not in row:
            row = _with_figures(row, figures)
        study, coaching = row["study"], row["coaching"]
        line = [line_points.get((row["id"], monday)) for monday in mondays]
        shown.append({
            "url": url(row["code"]),
            "name": row["name"],
            "urn": row["urn"],
            "study_percent": shown_percent(Engagement.percent_of(study.on_track, study.people)),
            "ect_count": str(study.people),
            "coaching_percent": shown_percent(Engagement.percent_of(coaching.on_track, coaching.people)),
            "mentor_count": str(coaching.people),
            "at_risk": str(row["at_risk"]),
            "off_track": str(row["off_track"]),
            "sparkline": charts.sparkline(line, f"{row['name']}: ECTs on track with study over the last {weeks} weeks"),
        })
    return shown

"""What the Lead dashboard (a school) and the hub dashboard (every school) show, read from the
stored engagement figures with a constant number of queries however many people or schools."""

import datetime
import uuid
from collections import namedtuple
from dataclasses import dataclass
from operator import itemgetter

from django.db.models import Count, F, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Concat, Lower, NullIf
from django.urls import reverse

from engagement import charts
from engagement.calendar import hub_half_terms
from engagement.models import Engagement, EngagementRun, EngagementStatus, EngagementStrand, EngagementTrend
from engagement.periods import monday_of, term_weeks

TREND_WEEKS = 12
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
    """The top of a dashboard: the headline per strand, the weekly trend and when the figures were computed."""

    headlines: dict[str, Headline]
    week_labels: list[str]
    series: dict[str, list[float | None]]
    computed_at: datetime.datetime | None


def _counts(engagements):
    """Per strand: people, on track, at risk, off track and below 75% this year (one query)."""
    rows = engagements.values("strand").annotate(
        people=Count("id"),
        on_track=Count("id", filter=Q(consecutive_missed=0)),
        at_risk=Count("id", filter=Q(consecutive_missed=1)),
        off_track=Count("id", filter=Q(consecutive_missed__gte=2)),
        below=Count("id", filter=Q(year_expected__gt=0, year_met__lt=F("year_expected") * DECLARATION_THRESHOLD / 100.0)),
        expected=Sum("periods_expected"),
    )
    return {row["strand"]: row for row in rows}


def summary(hub, engagements, trends, today):
    """Headlines (with last week's percent on track, from the trend), the trend and when the hub's
    figures were last calculated, in three queries."""
    counts = _counts(engagements)
    week_labels, series = trend_series(trends, today)
    headlines = {}
    for strand in EngagementStrand.values:
        c = counts.get(strand, {})
        headlines[strand] = Headline(
            strand, c.get("people", 0), c.get("on_track", 0), c.get("at_risk", 0), c.get("off_track", 0), c.get("below", 0),
            series[strand][-2], c.get("expected") or 0,
        )
    computed_at = EngagementRun.objects.filter(hub=hub).values_list("computed_at", flat=True).first()
    return Summary(headlines, week_labels, series, computed_at)


def trend_series(trends, today, weeks=TREND_WEEKS):
    """(week labels, {strand: [percent on track or None per week]}) over the last `weeks` weeks, this week last."""
    this_week = monday_of(today)
    mondays = [this_week - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    rows = (
        trends.filter(week__gte=mondays[0], week__lte=this_week)
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
    half_terms = hub_half_terms(hub)
    if not half_terms:
        return "no_terms"
    return "term" if monday_of(day) in {monday for monday, _ in term_weeks(half_terms)} else "holiday"


SORTS = {
    "name": ("person_name",),
    "status": ("-consecutive_missed", "person_name"),
    "percent": ("percent_sort", "person_name"),
    "activity": ("last_activity_on", "person_name"),
}


STATUS_LABELS = dict(EngagementStatus.choices)
PERSON_FIELDS = (
    "ect_id", "ect__code", "mentor__code", "cohort", "current_mentees", "status", "consecutive_missed", "periods_met",
    "periods_expected", "year_met", "year_expected", "last_activity_on",
    "ect__person__user__first_name", "ect__person__user__last_name", "ect__person__user__email",
    "mentor__person__user__first_name", "mentor__person__user__last_name", "mentor__person__user__email",
)


def people(school, strand="", status="", q="", sort="status", descending=False):
    """The Lead dashboard's table: ECTs' study and mentors' coaching at one school, as rows ready to show.

    A school's people are few, so every matching row is read in one query and paged by the caller.
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
            percent_sort=Coalesce(F("periods_met") * 1000 / NullIf(F("periods_expected"), 0), Value(1000)),
        )
    )
    if strand in EngagementStrand.values:
        rows = rows.filter(strand=strand)
    if status in ("on_track", "at_risk", "off_track"):
        rows = rows.filter(status=status)
    for word in q.split():
        rows = rows.filter(
            Q(ect__person__user__first_name__icontains=word) | Q(ect__person__user__last_name__icontains=word)
            | Q(mentor__person__user__first_name__icontains=word) | Q(mentor__person__user__last_name__icontains=word)
        )
    order = SORTS.get(sort, SORTS["status"])
    if descending:
        order = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in order)
    urls = {"ect": _url_maker("ect_engagement"), "mentor": _url_maker("mentor_engagement")}
    return [_person_row(row, urls) for row in rows.order_by(*order, "id").values(*PERSON_FIELDS)]


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


def schools(school_queryset, q="", concern="", sort="name", descending=False):
    """The hub dashboard's table: each school with its figures for the newest week with figures (the
    engine's per-school counts in `EngagementTrend`): no grouping over people at request time.

    Two queries: the schools in name order (either way; then by id) and the week's figures. A hub's
    schools are few enough to filter by concern and sort by a figure here; the sort is stable, so
    ties stay in that order.
    """
    q = q.strip()
    if q:
        school_queryset = school_queryset.filter(Q(name__icontains=q) | Q(urn__startswith=q))
    newest_week = EngagementTrend.objects.order_by("-week").values("week")[:1]
    figures = {
        (school_id, strand): Figures(*counts)
        for school_id, strand, *counts in EngagementTrend.objects.filter(week=Subquery(newest_week)).values_list(
            "school_id", "strand", "people", "on_track", "at_risk", "off_track"
        )
    }
    rows = []
    by_name = school_queryset.order_by("-name" if descending else "name", "id")
    for school_id, code, name, urn in by_name.values_list("id", "code", "name", "urn"):
        study = figures.get((school_id, "study"), NO_FIGURES)
        coaching = figures.get((school_id, "coaching"), NO_FIGURES)
        rows.append({
            "id": school_id, "code": code, "name": name, "urn": urn, "study": study, "coaching": coaching,
            "at_risk": study.at_risk + coaching.at_risk, "off_track": study.off_track + coaching.off_track,
            "study_sort": study.on_track * 1000 // study.people if study.people else -1,
            "coaching_sort": coaching.on_track * 1000 // coaching.people if coaching.people else -1,
        })
    if concern == "off_track":
        rows = [row for row in rows if row["off_track"]]
    elif concern == "at_risk":
        rows = [row for row in rows if row["at_risk"] or row["off_track"]]
    figure, highest_first = SCHOOL_SORTS.get(sort, SCHOOL_SORTS["name"])
    if figure:
        rows.sort(key=itemgetter(figure), reverse=highest_first != descending)
    return rows


def school_rows(rows, today):
    """A page of `schools` rows as the table shows them: link, percents and counts as text, and the
    study sparkline (one query)."""
    lines = sparklines([row["id"] for row in rows], today)
    url = _url_maker("lead_dashboard")
    return [
        {
            "url": url(row["code"]),
            "name": row["name"],
            "urn": row["urn"],
            "study_percent": shown_percent(Engagement.percent_of(row["study"].on_track, row["study"].people)),
            "ect_count": str(row["study"].people),
            "coaching_percent": shown_percent(Engagement.percent_of(row["coaching"].on_track, row["coaching"].people)),
            "mentor_count": str(row["coaching"].people),
            "at_risk": str(row["at_risk"]),
            "off_track": str(row["off_track"]),
            "sparkline": charts.sparkline(lines[row["id"]], f"{row['name']}: ECTs on track with study over the last 8 weeks"),
        }
        for row in rows
    ]


def sparklines(school_ids, today, weeks=8):
    """{school_id: [study percent on track per week]} for the schools on a page (one query)."""
    this_week = monday_of(today)
    mondays = [this_week - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    values = {}
    for row in EngagementTrend.objects.filter(school_id__in=school_ids, strand="study", week__gte=mondays[0]).values(
        "school_id", "week", "on_track", "people"
    ):
        values[row["school_id"], row["week"]] = Engagement.percent_of(row["on_track"], row["people"])
    return {school_id: [values.get((school_id, monday)) for monday in mondays] for school_id in school_ids}

"""What the Lead dashboard (a school) and the hub dashboard (every school) show, read from the
stored engagement figures with a constant number of queries however many people or schools."""

import datetime
from dataclasses import dataclass

from django.db.models import Case, Count, F, FilteredRelation, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Concat, Lower, NullIf

from engagement.calendar import hub_half_terms
from engagement.models import Engagement, EngagementStrand, EngagementTrend
from engagement.periods import monday_of, term_weeks

TREND_WEEKS = 12
DECLARATION_THRESHOLD = 75  # percent engagement the DfE's declarations need evidence of (2025 cohorts on)


def percent(part, whole):
    return round(100 * part / whole, 1) if whole else None


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
        return percent(self.on_track, self.people) if self.periods_expected else None

    @property
    def change(self):
        if self.percent is None or self.last_week is None:
            return None
        return round(self.percent - self.last_week, 1)

    @property
    def change_size(self):
        return abs(self.change) if self.change is not None else None


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


def headlines(engagements, trends, today):
    """The headline per strand with last week's percent on track (from the trend)."""
    counts = _counts(engagements)
    last_week = monday_of(today) - datetime.timedelta(weeks=1)
    previous = {
        row["strand"]: percent(row["on"], row["n"])
        for row in trends.filter(week=last_week)
        .values("strand")
        .annotate(on=Sum("on_track"), n=Sum("people"))
    }
    result = {}
    for strand in EngagementStrand.values:
        c = counts.get(strand, {})
        result[strand] = Headline(
            strand, c.get("people", 0), c.get("on_track", 0), c.get("at_risk", 0), c.get("off_track", 0), c.get("below", 0),
            previous.get(strand), c.get("expected") or 0,
        )
    return result


def trend_series(trends, today, weeks=TREND_WEEKS):
    """(week labels, {strand: [percent on track or None per week]}) over the last `weeks` weeks."""
    this_week = monday_of(today)
    mondays = [this_week - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    rows = (
        trends.filter(week__gte=mondays[0], week__lte=this_week)
        .values("strand", "week")
        .annotate(on=Sum("on_track"), n=Sum("people"))
    )
    by_key = {(row["strand"], row["week"]): percent(row["on"], row["n"]) for row in rows}
    series = {strand: [by_key.get((strand, monday)) for monday in mondays] for strand in EngagementStrand.values}
    return [monday.strftime("%-d %b") for monday in mondays], series


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


def people(school, strand="", status="", q="", sort="status", descending=False):
    """The Lead dashboard's table: ECTs' study and mentors' coaching at one school."""
    rows = (
        Engagement.objects.filter(school=school)
        .select_related("ect__person__user", "mentor__person__user")
        .annotate(
            # Concat turns NULL names into "" (a mentor row gives " " for the ECT), so Coalesce would never reach the mentor.
            person_name=Lower(
                Case(
                    When(ect__isnull=False, then=Concat("ect__person__user__last_name", Value(" "), "ect__person__user__first_name")),
                    default=Concat("mentor__person__user__last_name", Value(" "), "mentor__person__user__first_name"),
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
    return rows.order_by(*order, "id")


SCHOOL_SORTS = {
    "name": ("name",),
    "study": ("study_pct", "name"),
    "coaching": ("coaching_pct", "name"),
    "off_track": ("-off_track", "name"),
    "at_risk": ("-at_risk", "name"),
}


def latest_week(trends):
    """The newest week with figures (this week's, once the engine has run this week)."""
    return trends.aggregate(latest=Max("week"))["latest"]


def schools(school_queryset, week, q="", concern="", sort="name", descending=False):
    """The hub dashboard's table: each school with its figures for `week` (the engine's per-school
    counts in `EngagementTrend`), by plain joins: no grouping over people at request time."""
    rows = school_queryset.annotate(
        study=FilteredRelation("engagement_trends", condition=Q(engagement_trends__strand="study", engagement_trends__week=week)),
        coaching=FilteredRelation(
            "engagement_trends", condition=Q(engagement_trends__strand="coaching", engagement_trends__week=week)
        ),
    ).annotate(
        ect_count=Coalesce(F("study__people"), 0),
        ects_on_track=Coalesce(F("study__on_track"), 0),
        mentor_count=Coalesce(F("coaching__people"), 0),
        mentors_on_track=Coalesce(F("coaching__on_track"), 0),
        at_risk=Coalesce(F("study__at_risk"), 0) + Coalesce(F("coaching__at_risk"), 0),
        off_track=Coalesce(F("study__off_track"), 0) + Coalesce(F("coaching__off_track"), 0),
        study_pct=Coalesce(F("study__on_track") * 1000 / NullIf(F("study__people"), 0), Value(-1)),
        coaching_pct=Coalesce(F("coaching__on_track") * 1000 / NullIf(F("coaching__people"), 0), Value(-1)),
    )
    q = q.strip()
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(urn__startswith=q))
    if concern == "off_track":
        rows = rows.filter(off_track__gt=0)
    elif concern == "at_risk":
        rows = rows.filter(Q(at_risk__gt=0) | Q(off_track__gt=0))
    order = SCHOOL_SORTS.get(sort, SCHOOL_SORTS["name"])
    if descending:
        order = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in order)
    return rows.order_by(*order, "id")


def sparklines(school_ids, today, weeks=8):
    """{school_id: [study percent on track per week]} for the schools on a page (one query)."""
    this_week = monday_of(today)
    mondays = [this_week - datetime.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    values = {}
    for row in EngagementTrend.objects.filter(school_id__in=school_ids, strand="study", week__gte=mondays[0]).values(
        "school_id", "week", "on_track", "people"
    ):
        values[row["school_id"], row["week"]] = percent(row["on_track"], row["people"])
    return {school_id: [values.get((school_id, monday)) for monday in mondays] for school_id in school_ids}

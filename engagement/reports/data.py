"""The figures of the engagement reports (issue 14): plain dicts for one school's report and for the
hub's, as of a date, that `engagement.reports.pdf` renders.

Every person's figures are the engine's as of the date (`compute.engagement_rows`, what
`manage.py engagement --as-of` prints for that date), shown as the dashboards show them (the same
rows, `dashboards.person_rows` and `school_rows`, and headlines). The weekly trend and the
schools' sparklines are the stored weekly figures the dashboards draw, with the as-of week's point
from the same rows as the headlines. "Start of term" is the first day of the term (autumn, spring
or summer) of the hub's latest half term started by the date; a term's own figures are as of the
Monday after its last week (or the date, for the term under way). The 75% evidence is
`engagement.reports.evidence`'s.

Event attendance comes from `events.attendance` as of the same date: per expected event for a school
(attended, missed, booked, not booked, catch-ups, alternatives), and attended of expected so far with
open alternatives per school for the hub.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q

from ectprogramme.formats import human_date
from engagement import compute, dashboards
from engagement.models import (
    DECLARATION_THRESHOLD, NO_MENTOR_LABEL, TRACKED_STATUSES, Engagement, EngagementStatus, EngagementTrend, below_threshold,
)
from engagement.periods import monday_of
from engagement.reports import evidence
from events import attendance
from participants.cohorts import academic_year_of, cohort_on
from participants.models import ECT, Mentor
from schools.models import TERM_OF_HALF_TERM, HalfTerm, School

ATTENTION_SCHOOLS = 20  # the hub report's list of schools that need attention first
STATUS_LABELS = dict(EngagementStatus.choices)


@dataclass(frozen=True)
class Term:
    """A term (two half terms) of the hub's calendar: its academic year, name and first and last days."""

    academic_year: int
    name: str
    start: datetime.date
    end: datetime.date

    @property
    def label(self):
        return f"{self.name.title()} term {self.academic_year}/{str(self.academic_year + 1)[-2:]}"


def terms(hub, as_of):
    """The terms of the academic year of `as_of` started by that day, in order (one query)."""
    dates = {}
    for name, start, end in HalfTerm.objects.filter(hub=hub, academic_year=academic_year_of(as_of)).values_list(
        "name", "start_date", "end_date"
    ):
        first, last = dates.get(TERM_OF_HALF_TERM[name], (start, end))
        dates[TERM_OF_HALF_TERM[name]] = (min(first, start), max(last, end))
    year = academic_year_of(as_of)
    return sorted((Term(year, name, start, end) for name, (start, end) in dates.items() if start <= as_of), key=lambda t: t.start)


def _term_end_figures_date(term, as_of):
    """The day a term's figures are read as of: the Monday after its last week, or `as_of` if sooner."""
    return min(monday_of(term.end) + datetime.timedelta(days=7), as_of)


def _percents(rows):
    """{strand: percent on track or None} of engine rows, as the headlines count them."""
    return {strand: h.percent for strand, h in dashboards.headlines(dashboards.counts_of(rows), {}).items()}


HEADLINE_FIELDS = (
    "strand", "people", "on_track", "at_risk", "off_track", "below_threshold", "percent", "change", "change_size", "registered",
    "others_shown", "no_mentor", "periods_expected",
)


def _headlines(rows, earlier):
    """{strand: the headline as a dict (what `headline.html` reads)}, each with its change since `earlier`."""
    return {
        strand: {name: getattr(headline, name) for name in HEADLINE_FIELDS}
        for strand, headline in dashboards.headlines(dashboards.counts_of(rows), earlier).items()
    }


def _trend(trend, percents):
    """The trend chart's dict of a `dashboards.trend_series` whose last point (the as-of week's) is `percents`."""
    labels, series = trend
    series = {strand: list(values) for strand, values in series.items()}
    for strand, values in series.items():
        values[-1] = percents.get(strand)
    return dashboards.trend_chart(labels, series)


def _since_term_start(hub, as_of, current_terms, rows_at):
    """(label, {strand: percent on track}) at the start of the current term, or (None, {}) on its first
    day or with no term started."""
    if not current_terms or current_terms[-1].start >= as_of:
        return None, {}
    start = current_terms[-1].start
    return f"since the start of term ({human_date(start)})", _percents(rows_at(start))


def _people(ect_ids, mentor_ids):
    """{("ect"|"mentor", id): (code, first name, last name, e-mail)} (two queries)."""
    fields = ("id", "code", "person__first_name", "person__last_name", "person__user__email")
    people = {("ect", row[0]): row[1:] for row in ECT.objects.filter(id__in=ect_ids).values_list(*fields)}
    people.update({("mentor", row[0]): row[1:] for row in Mentor.objects.filter(id__in=mentor_ids).values_list(*fields)})
    return people


def _person(row):
    """An engine row's person: ("ect", ECT id) or ("mentor", mentor role id)."""
    return ("ect", row.ect_id) if row.ect_id else ("mentor", row.mentor_id)


def _person_rows(rows, as_of):
    """The engine's rows and the same as `dashboards.PersonRow`s, in the Lead dashboard's default
    order: the judged by periods missed in a row (most first), then everyone else; then by name."""
    people = _people({r.ect_id for r in rows if r.ect_id}, {r.mentor_id for r in rows if r.mentor_id})

    def order(r):
        _, first_name, last_name, _ = people[_person(r)]
        return (-r.consecutive_missed if r.status in TRACKED_STATUSES else 1, f"{last_name} {first_name}".lower(), _person(r))

    rows = sorted(rows, key=order)
    shown = []
    for r in rows:
        code, first_name, last_name, email = people[_person(r)]
        shown.append(dashboards.PersonRow(
            r.strand, r.ect_id, code if r.ect_id else None, None if r.ect_id else code,
            (cohort_on(r.cohort_start_year, as_of) or "") if r.ect_id else "", r.current_mentees, r.status, r.no_mentor,
            r.consecutive_missed, r.periods_met, r.periods_expected, r.term_met, r.term_expected, r.year_met, r.year_expected,
            r.last_activity_on, first_name, last_name, email, True,
        ))
    return rows, shown


def _evidence_rows(rows, names):
    """The evidence as the report's table rows, those at risk first: name, role, milestone, strand and figures as text."""
    shown = []
    for e in evidence.at_risk_first(rows):
        percent = dashboards.shown_percent(e.percent)
        shown.append({
            "person": (e.role, e.ect_id or e.mentor_id),
            "name": names[e.role, e.ect_id or e.mentor_id],
            "role": "ECT" if e.ect_id else "Mentor",
            "milestone": e.milestone_label,
            "due": human_date(e.due_on),
            "strand": e.strand.title(),
            "periods": f"{e.periods_met} of {e.periods_expected}" if e.periods_expected else None,
            "percent": f"{percent}%" if percent is not None else None,
            "met_75": e.met_75,
            "at_risk": e.at_risk,
        })
    return shown


def _attention(rows, shown_rows, evidence_rows):
    """The people who need attention first, with why in words: those at risk of missing the 75%
    evidence first, then off track, at risk (most missed in a row first), then below 75% this year."""
    at_risk_evidence = defaultdict(list)
    for row in evidence_rows:
        if row["at_risk"]:
            at_risk_evidence[row["person"]].append(
                f"{row['milestone']} {row['strand'].lower()} evidence at risk: {row['periods']} periods met ({row['percent']})"
            )
    people = []
    for person, shown in zip(rows, shown_rows):
        reasons = at_risk_evidence.get(_person(person), [])
        evidence_first = bool(reasons)
        if person.status in (EngagementStatus.OFF_TRACK, EngagementStatus.AT_RISK):
            missed = person.consecutive_missed
            reasons = [*reasons, f"{STATUS_LABELS[person.status]}: {missed} period{'s' if missed != 1 else ''} missed in a row"]
        if shown["below"]:
            reasons = [*reasons, f"This year {shown['year']}, below {DECLARATION_THRESHOLD}%"]
        if reasons:
            rank = (not evidence_first, person.status != EngagementStatus.OFF_TRACK, person.status != EngagementStatus.AT_RISK,
                    -person.consecutive_missed)
            people.append((rank, {"name": shown["name"], "role": shown["role"], "reasons": reasons}))
    return [person for _, person in sorted(people, key=lambda p: p[0])]


def _school_people(school):
    """The ids of every ECT who was ever at `school` and of its mentor roles (the engine puts each ECT
    at their school of the as-of date)."""
    ect_ids = list(ECT.objects.filter(Q(school=school) | Q(school_periods__school=school)).distinct().values_list("id", flat=True))
    mentor_ids = list(Mentor.objects.filter(school=school).values_list("id", flat=True))
    return ect_ids, mentor_ids


def _hub(hub):
    return {"name": hub.name, "contact_email": hub.contact_email}


def school_report(hub, school, as_of):
    """The school's report as of `as_of`: the hub (name, contact), headlines with the change since
    the start of term, the weekly trend, every ECT and mentor (`dashboards.person_rows`, in the Lead
    dashboard's default order), their 75% evidence, who needs attention first, and `attendance`."""
    ect_ids, mentor_ids = _school_people(school)

    def rows_at(day):
        return [r for r in compute.engagement_rows([hub.id], day, ect_ids, mentor_ids) if r.school_id == school.id]

    rows = rows_at(as_of)
    current_terms = terms(hub, as_of)
    since, earlier = _since_term_start(hub, as_of, current_terms, rows_at)
    rows, person_rows = _person_rows(rows, as_of)
    shown = dashboards.person_rows(person_rows)
    names = {_person(r): s["name"] for r, s in zip(rows, shown)}
    assigned_mentors = set(
        Mentor.objects.filter(assignments__ect_id__in=ect_ids).values_list("id", flat=True)
    ) if ect_ids else set()
    evidence_rows = _evidence_rows(
        [e for e in evidence.evidence(hub, as_of, ect_ids, sorted(set(mentor_ids) | assigned_mentors)) if e.school_id == school.id
         and (e.role, e.ect_id or e.mentor_id) in names],
        names,
    )
    return {
        "hub": _hub(hub),
        "school": {"name": school.name, "urn": school.urn},
        "as_of": as_of,
        "as_of_shown": human_date(as_of),
        "term": current_terms[-1].label if current_terms else None,
        "since": since,
        "headlines": _headlines(rows, earlier),
        "trend": _trend(dashboards.trend_series(EngagementTrend.objects.filter(school=school), as_of), _percents(rows)),
        "people": shown,
        "evidence": evidence_rows,
        "attention": _attention(rows, shown, evidence_rows),
        "attendance": attendance.by_event(attendance.attendance_rows(hub, as_of, school_ids=[school.pk])),
        "threshold": DECLARATION_THRESHOLD,
        "no_mentor_label": NO_MENTOR_LABEL,
    }


def _term_figures(term, day, rows):
    """A term's row of the hub report: per strand, the percent on track and the term's periods met
    of expected (as of `day`), and the people below 75% this year."""
    counts = dashboards.counts_of(rows)
    figures = {}
    for strand, headline in dashboards.headlines(counts, {}).items():
        met = sum(r.term_met for r in rows if r.strand == strand)
        expected = sum(r.term_expected for r in rows if r.strand == strand)
        percent = dashboards.shown_percent(headline.percent)
        figures[strand] = {
            "on_track": f"{percent}% of {headline.people}" if percent is not None else None,
            "periods": f"{met} of {expected} ({dashboards.shown_percent(Engagement.percent_of(met, expected))}%)" if expected else None,
            "below": str(headline.below_threshold),
        }
    return {"label": term.label, "as_of": human_date(day), **figures}


def _school_attention(school_rows, evidence_at_risk):
    """The schools that need attention first, with why in words: the most people at risk of missing
    the 75% evidence, then off track, at risk, below 75% this year, then ECTs with no mentor."""
    ranked = []
    for row in school_rows:
        counts = (evidence_at_risk.get(row["id"], 0), int(row["off_track"]), int(row["at_risk"]), int(row["below"]), row["no_mentor_count"])
        if any(counts):
            reasons = [
                f"{n} {what}" for n, what in zip(counts, (
                    "at risk of missing the 75% evidence", "off track", "at risk", f"below {DECLARATION_THRESHOLD}% this year",
                    "ECTs with no mentor",
                )) if n
            ]
            ranked.append(([-n for n in counts], {"name": row["name"], "urn": row["urn"], "reasons": reasons}))
    return [school for _, school in sorted(ranked, key=lambda r: r[0])][:ATTENTION_SCHOOLS]


def hub_report(hub, as_of):
    """The hub's report as of `as_of`: the hub (name, contact), headlines with the change since the
    start of term, the weekly trend, every school in one table (`dashboards.school_rows`, in name
    order, with the people below 75% this year), the schools that need attention first, the figures
    term by term this academic year, and `attendance`."""

    def rows_at(day):
        return compute.engagement_rows([hub.id], day)

    rows = rows_at(as_of)
    current_terms = terms(hub, as_of)
    since, earlier = _since_term_start(hub, as_of, current_terms, rows_at)
    by_school = defaultdict(list)
    for r in rows:
        by_school[r.school_id].append(r)
    stored = dashboards.read_hub_figures(None, as_of)  # the trend and the sparklines
    figures = {}
    for school_id, school_rows in by_school.items():
        c = dashboards.counts_of(school_rows)
        figures[school_id] = tuple(
            tuple(c.get(strand, {}).get(name, 0) for name in ("people", "on_track", "at_risk", "off_track", "no_mentor"))
            for strand in ("study", "coaching")
        )
    hub_figures = dashboards.HubFigures(stored.trend, {
        school_id: (*figures.get(school_id, (dashboards.NO_FIGURES, dashboards.NO_FIGURES)),
                    stored.schools.get(school_id, dashboards.NO_SCHOOL_FIGURES)[2])
        for school_id in set(figures) | set(stored.schools)
    })
    listed = dashboards.schools(School.objects.filter(hub=hub), hub_figures)
    events = attendance.counts(hub, as_of)
    school_rows = dashboards.school_rows(listed, hub_figures, events)
    for (school_id, *_), row in zip(listed, school_rows):
        below = sum(below_threshold(r.year_met, r.year_expected) for r in by_school.get(school_id, []))
        row.update(id=school_id, below=str(below), no_mentor_count=hub_figures.of(school_id).study.no_mentor)
    evidence_at_risk = defaultdict(int)
    for e in evidence.evidence(hub, as_of):
        evidence_at_risk[e.school_id] += e.at_risk
    term_rows = []
    for term in current_terms:
        day = _term_end_figures_date(term, as_of)
        term_rows.append(_term_figures(term, day, rows if day == as_of else rows_at(day)))
    return {
        "hub": _hub(hub),
        "as_of": as_of,
        "as_of_shown": human_date(as_of),
        "term": current_terms[-1].label if current_terms else None,
        "since": since,
        "headlines": _headlines(rows, earlier),
        "trend": _trend(stored.trend, _percents(rows)),
        "schools": school_rows,
        "attention": _school_attention(school_rows, evidence_at_risk),
        "evidence_at_risk": sum(evidence_at_risk.values()),
        "terms": term_rows,
        "attendance": bool(events),
        "threshold": DECLARATION_THRESHOLD,
        "no_mentor_label": NO_MENTOR_LABEL,
    }

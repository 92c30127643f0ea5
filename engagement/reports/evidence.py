"""The 75% engagement evidence for the DfE's declarations (issue 14, item 3).

From the 2025 cohorts the DfE's `retained-2` declaration (ECTs, in April–July of the first
induction year) and `completed` (ECTs at the end of the second year; mentors at the end of their
one mentoring year) need evidence that the person met 75% engagement
(`engagement.models.DECLARATION_THRESHOLD`). Per person, milestone and strand, over the periods
that count for that milestone, judged as of a date exactly as the engine judges them
(`compute.track_years`): periods expected so far, met, percent and whether it reaches 75%.

- ECT `retained-2`: the first induction year's periods; ECT `completed`: both years'. An ECT has a
  study row and a coaching row for each (coaching: the periods in which they were to be observed,
  those lying wholly inside a mentor assignment), whatever their status: paused stretches and
  periods after leaving are excused, as in the engine.
- Mentor `completed`: the coaching periods of their mentoring year, the academic year in which they
  first coached (the later of their first assignment's start and that mentee's induction start),
  over every mentee; one row per mentor role, ended or not, with an assignment started by the date.
- Only ECTs of cohorts from `FIRST_COHORT` (whose cohort has started by the date) and mentors
  whose mentoring year is from `FIRST_COHORT` have rows: earlier cohorts were not under the rule.
- A milestone is due at the end of the summer term of its year (the hub's last half term of that
  academic year; 31 July without term dates). *At risk*: below 75% on or before that day.
- Nothing expected yet: no percent, and not met (there is nothing to evidence yet).

Set-based: one engine query for the whole hub (or the people asked for), plus the hub's term ends.
"""

import datetime
import json
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Max

from ectprogramme.csv_safety import SafeDictWriter
from engagement import compute
from engagement.models import Engagement, below_threshold
from participants.cohorts import academic_year_of
from participants.models import ECT, Mentor, MentorAssignment
from schools.models import HalfTerm, School

FIRST_COHORT = 2025  # the DfE's rule applies from the 2025 cohorts
RETAINED_2 = "retained-2"
COMPLETED = "completed"
MILESTONE_LABELS = {RETAINED_2: "Retained 2 declaration", COMPLETED: "Completed declaration"}
STRAND_ORDER = ("study", "coaching")


@dataclass(frozen=True)
class Evidence:
    """One person's evidence for one milestone and strand as of `as_of`."""

    school_id: int
    ect_id: int | None
    mentor_id: int | None
    cohort: int  # an ECT's cohort start year; a mentor's mentoring year
    milestone: str
    strand: str
    periods_expected: int
    periods_met: int
    due_on: datetime.date  # the end of the milestone's summer term
    as_of: datetime.date

    @property
    def role(self):
        return "ect" if self.ect_id else "mentor"

    @property
    def percent(self):
        """To one decimal; None when nothing was expected yet."""
        return Engagement.percent_of(self.periods_met, self.periods_expected)

    @property
    def met_75(self):
        """At least `DECLARATION_THRESHOLD` percent of the periods expected so far were met."""
        return self.periods_expected > 0 and not below_threshold(self.periods_met, self.periods_expected)

    @property
    def below(self):
        return below_threshold(self.periods_met, self.periods_expected)

    @property
    def milestone_ahead(self):
        return self.as_of <= self.due_on

    @property
    def at_risk(self):
        """Below 75% with the milestone still ahead: the person can still reach it."""
        return self.below and self.milestone_ahead

    @property
    def milestone_label(self):
        return MILESTONE_LABELS[self.milestone]


def year_ends(hub):
    """A function from an academic year to the last day of its summer term (the hub's last half
    term of that year; 31 July without term dates), from one query."""
    ends = dict(HalfTerm.objects.filter(hub=hub).values_list("academic_year").annotate(Max("end_date")))
    return lambda year: ends.get(year) or datetime.date(year + 1, 7, 31)


def evidence(hub, as_of, ect_ids=None, mentor_ids=None):
    """Every `Evidence` of the hub as of `as_of` (or of the ECTs' and mentors' given: an ECT's
    coaching needs every mentor who mentored them), in milestone and strand order per person."""
    tracks = compute.track_years([hub.id], as_of, ect_ids, mentor_ids)
    year, end_of = academic_year_of(as_of), year_ends(hub)
    rows = []
    of_ect, of_mentor = defaultdict(list), defaultdict(list)  # coaching tracks by mentee and by mentor
    for t in tracks:
        if t.strand == "coaching":
            of_ect[t.ect_id].append(t)
            of_mentor[t.mentor_id].append(t)
    for t in tracks:
        if t.strand != "study" or not FIRST_COHORT <= t.cohort_start_year <= year:
            continue
        for milestone, years, due_on in (
            (RETAINED_2, 1, end_of(t.cohort_start_year)), (COMPLETED, 2, end_of(t.cohort_start_year + 1))
        ):
            for strand, counted in (("study", [t]), ("coaching", of_ect[t.ect_id])):
                expected = sum(sum(c.expected[:years]) for c in counted)
                met = sum(sum(c.met[:years]) for c in counted)
                rows.append(Evidence(t.school_id, t.ect_id, None, t.cohort_start_year, milestone, strand, expected, met, due_on, as_of))
    for mentor_id, mentees in sorted(of_mentor.items()):
        mentoring_year = min(academic_year_of(t.coaching_from) for t in mentees)
        if not FIRST_COHORT <= mentoring_year <= year:
            continue
        # each mentee's induction year that is the mentoring year: the first (0) or the second (1)
        in_year = [(t, mentoring_year - t.cohort_start_year) for t in mentees if mentoring_year - t.cohort_start_year in (0, 1)]
        expected = sum(t.expected[k] for t, k in in_year)
        met = sum(t.met[k] for t, k in in_year)
        rows.append(
            Evidence(mentees[0].school_id, None, mentor_id, mentoring_year, COMPLETED, "coaching", expected, met,
                     end_of(mentoring_year), as_of)
        )
    return rows


def for_ect(ect, as_of):
    """The ECT's `Evidence` (none before the 2025 cohorts)."""
    if ect.cohort_start_year < FIRST_COHORT:
        return []
    mentor_ids = list(MentorAssignment.objects.filter(ect=ect).values_list("mentor_id", flat=True))
    return [row for row in evidence(ect.hub, as_of, [ect.id], mentor_ids) if row.ect_id == ect.id]


def for_mentor(mentor, as_of):
    """The mentor role's `Evidence` (none for a mentoring year before 2025)."""
    return evidence(mentor.hub, as_of, [], [mentor.id])


def by_milestone(rows):
    """[(milestone label, due date, rows in strand order)], retained-2 first."""
    groups = []
    for milestone in (RETAINED_2, COMPLETED):
        shown = sorted((r for r in rows if r.milestone == milestone), key=lambda r: STRAND_ORDER.index(r.strand))
        if shown:
            groups.append((MILESTONE_LABELS[milestone], shown[0].due_on, shown))
    return groups


def at_risk_first(rows):
    """The rows with those at risk first (then below 75%), each group in its given order."""
    return sorted(rows, key=lambda r: (not r.at_risk, not r.below))


# --- The lead provider's export ---------------------------------------------------------------

COLUMNS = [
    "school_urn", "email", "role", "cohort", "milestone", "strand", "periods_expected", "periods_met", "percent", "met_75",
]


def export_rows(hub, as_of):
    """The hub's evidence as the export's rows, sorted by school_urn, email, milestone, strand
    (a few queries whatever the hub's size). An ECT is at their school of the date."""
    rows = evidence(hub, as_of)
    urns = dict(School.objects.filter(id__in={r.school_id for r in rows}).values_list("id", "urn"))
    ect_emails = dict(ECT.objects.filter(id__in={r.ect_id for r in rows if r.ect_id}).values_list("id", "person__user__email"))
    mentor_emails = dict(
        Mentor.objects.filter(id__in={r.mentor_id for r in rows if r.mentor_id}).values_list("id", "person__user__email")
    )
    result = [
        {
            "school_urn": urns[r.school_id],
            "email": ect_emails[r.ect_id] if r.ect_id else mentor_emails[r.mentor_id],
            "role": r.role,
            "cohort": r.cohort,
            "milestone": r.milestone,
            "strand": r.strand,
            "periods_expected": r.periods_expected,
            "periods_met": r.periods_met,
            "percent": r.percent,
            "met_75": r.met_75,
        }
        for r in rows
    ]
    return sorted(result, key=lambda r: (r["school_urn"], r["email"], r["milestone"], r["strand"]))


def write_csv(rows, stream):
    """Percent to one decimal (empty when nothing was expected yet); met_75 `true` or `false`."""
    writer = SafeDictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {**row, "percent": "" if row["percent"] is None else f"{row['percent']:.1f}", "met_75": "true" if row["met_75"] else "false"}
        )


def write_json(rows, stream):
    stream.write(json.dumps(rows, indent=2) + "\n")


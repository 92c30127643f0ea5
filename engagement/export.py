"""The engagement export: one row per person and strand (stable columns, used by hubs' scripts).

`school_urn,email,role,strand,cohort,periods_expected,periods_met,percent,consecutive_missed,status`
sorted by school_urn, email, strand; percent to one decimal (empty when nothing was expected yet),
cohort ECT1/ECT2 for ECTs and empty for mentors. Text a spreadsheet would run as a formula is
written with a leading single quote (`ectprogramme.csv_safety`).
"""

import json

from ectprogramme.csv_safety import SafeDictWriter
from engagement.compute import engagement_rows
from engagement.models import Engagement
from participants.cohorts import cohort_on
from participants.models import ECT, Mentor

COLUMNS = [
    "school_urn", "email", "role", "strand", "cohort", "periods_expected", "periods_met", "percent",
    "consecutive_missed", "status",
]


def _row(urn, email, role, strand, cohort, expected, met, consecutive, status):
    return {
        "school_urn": urn,
        "email": email,
        "role": role,
        "strand": strand,
        "cohort": cohort,
        "periods_expected": expected,
        "periods_met": met,
        "percent": Engagement.percent_of(met, expected),
        "consecutive_missed": consecutive,
        "status": status,
    }


def _people(ect_ids, mentor_ids):
    ects = {
        e.id: (e.school.urn, e.person.user.email)
        for e in ECT.objects.filter(id__in=ect_ids).select_related("school", "person__user")
    }
    mentors = {
        m.id: (m.school.urn, m.person.user.email)
        for m in Mentor.objects.filter(id__in=mentor_ids).select_related("school", "person__user")
    }
    return ects, mentors


def _sorted(rows):
    return sorted(rows, key=lambda r: (r["school_urn"], r["email"], r["strand"]))


def rows_as_of(hub, as_of):
    """Computed fresh by the engine for any date (the hub's calendar must be synced)."""
    computed = engagement_rows([hub.id], as_of)
    ects, mentors = _people([r.ect_id for r in computed if r.ect_id], [r.mentor_id for r in computed if r.mentor_id])
    rows = []
    for r in computed:
        if r.ect_id:
            urn, email = ects[r.ect_id]
            role, cohort = "ect", cohort_on(r.cohort_start_year, as_of) or ""
        else:
            urn, email = mentors[r.mentor_id]
            role, cohort = "mentor", ""
        rows.append(_row(urn, email, role, r.strand, cohort, r.periods_expected, r.periods_met, r.consecutive_missed, r.status))
    return _sorted(rows)


def rows_stored(engagements):
    """From stored `Engagement` rows (what the dashboards show)."""
    engagements = list(engagements)
    ects, mentors = _people([e.ect_id for e in engagements if e.ect_id], [e.mentor_id for e in engagements if e.mentor_id])
    rows = []
    for e in engagements:
        urn, email = ects[e.ect_id] if e.ect_id else mentors[e.mentor_id]
        rows.append(
            _row(
                urn, email, "ect" if e.ect_id else "mentor", e.strand, e.cohort, e.periods_expected, e.periods_met,
                e.consecutive_missed, e.status,
            )
        )
    return _sorted(rows)


def write_csv(rows, stream):
    writer = SafeDictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "percent": "" if row["percent"] is None else f"{row['percent']:.1f}"})


def write_json(rows, stream):
    stream.write(json.dumps(rows, indent=2) + "\n")

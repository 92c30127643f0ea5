"""The engagement engine: every person's figures, computed set-based in the database.

Rules (`../shared/domain/RULES.md` and the engagement issue):

- Periods come from the hub's calendar (`engagement.calendar.sync_calendar`), per cadence.
- A period is *judged* once its last day is before the as-of date; the current period is in
  progress: it counts as met when already met, never as missed.
- An ECT's period is *excused* (neither expected nor missed) when on any day of it the ECT had not
  yet started (before the induction start), had left, completed or was paused (as recorded by the
  as-of date: a status that starts later is not known then). Otherwise it is
  expected, and *met* when the ECT recorded at least one study module dated inside it (any
  module: one studied again, as ECT2s revise year-one modules, counts for the period it is in).
- A mentor's coaching periods follow each mentee's coaching cadence, for the periods lying wholly
  within the mentor assignment and not excused for the mentee; one is met when the mentor
  recorded an observation of that mentee dated inside it.
- Consecutive missed: the expected, judged, unmet periods after the last met one (excused periods
  neither count nor break the run). For a mentor it is the longest such run over their mentees.
  Status (`STATUS_CASE`): an ECT paused, left or completed that day, or not started yet, has that
  status; a mentor with no current mentee is not_mentoring; everyone else is on_track (0),
  at_risk (1) or off_track (2 or more). Every ECT of last year's, this year's and next year's
  cohorts has a row, whatever their status; an ECT not left or completed with no current mentor
  is flagged `no_mentor`.
- "This term" is the term of the hub's latest period started by the as-of date; "this year" the
  academic year of the as-of date.

How (PostgreSQL and SQLite): periods are whole weeks, so all the engine needs of the activity is
each person's weeks with a record per academic year, as a bitmap (`engagement.weeks`, kept by
database triggers as activity is written). Every other set of periods (the hub's, judged, current,
this term's, inside a person's dates, excused) is a bitmap of the same weeks, and each figure is a
popcount of ANDed masks, row by row (`_sql`). `engagement_rows` returns a row per person and
strand; `store` writes what changed into `Engagement`; `period_history` decodes one person's masks
period by period; `track_years` gives each track's counts per induction year (the 75% evidence).
Values inlined into the SQL are only ints and ISO dates produced here, never user text.
"""

import datetime
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from engagement import weeks
from engagement.models import TRACKED_STATUSES, Engagement
from engagement.weeks import EPOCH, FULL, YEAR_BITS, first_week
from engagement.weeks import week as _week
from engagement.weeks import week_from as _week_from
from participants.cohorts import academic_year_of

COLUMNS = (
    "strand", "hub_id", "school_id", "ect_id", "mentor_id", "cohort_start_year", "periods_expected", "periods_met",
    "term_expected", "term_met", "year_expected", "year_met", "consecutive_missed", "last_activity_on", "current_mentees",
    "state", "no_mentor", "status",
)


@dataclass(frozen=True)
class Row:
    strand: str
    hub_id: int
    school_id: int
    ect_id: int | None
    mentor_id: int | None
    cohort_start_year: int | None
    periods_expected: int
    periods_met: int
    term_expected: int
    term_met: int
    year_expected: int
    year_met: int
    consecutive_missed: int
    last_activity_on: datetime.date | None
    current_mentees: int | None
    state: str  # an ECT's status that day (or not_started); a mentor's active or not_mentoring
    no_mentor: bool
    status: str  # `STATUS_CASE`


# A row's `EngagementStatus`: the reason it is not judged, or its consecutive missed periods' verdict.
STATUS_CASE = """CASE WHEN e.state <> 'active' THEN e.state WHEN e.consecutive_missed = 0 THEN 'on_track'
  WHEN e.consecutive_missed = 1 THEN 'at_risk' ELSE 'off_track' END"""


def _with_status(engine):
    """The engine's rows with their status (`STATUS_CASE`)."""
    return f"SELECT e.*, {STATUS_CASE} AS status FROM ({engine}) e"


def _ids(values):
    return ", ".join(str(int(v)) for v in values) or "NULL"


def _people_ctes(hubs, d, year, ect_only, mentor_only, history=False, ended_mentors=False):
    """Who has a row as of the date: ECTs of the cohorts in training and of next year's, whatever
    their status (`state`: their status that day, or not_started before their induction starts),
    at the school they were at that day (their current one before their first school period), and
    current mentor roles. The period history of an ECT reads them whatever their cohort; with
    `ended_mentors`, mentor roles ended by the date count too (their assignments ended with them)."""
    cohorts = "1 = 1" if history else f"t.y IN ({year + 1}, {year}, {year - 1})"
    current_mentors = "" if ended_mentors else f"AND (m.finished_on IS NULL OR m.finished_on > {d})"
    return f"""ect_info AS (
  SELECT e.id AS ect_id, e.hub_id, COALESCE(sp.school_id, e.school_id) AS school_id, e.cohort_start_year AS y,
         e.induction_start_date AS started,
         pv.study_cadence_ect1 AS s1, pv.study_cadence_ect2 AS s2,
         pv.coaching_cadence_ect1 AS c1, pv.coaching_cadence_ect2 AS c2
  FROM participants_ect e JOIN engagement_programmeversion pv ON pv.code = e.programme
  LEFT JOIN participants_ectatschool sp ON sp.ect_id = e.id AND sp.hub_id IN ({hubs}) AND sp.started_on <= {d}
   AND (sp.finished_on IS NULL OR sp.finished_on > {d})
  WHERE e.hub_id IN ({hubs})
),
study_ects AS (
  SELECT t.*, CASE WHEN t.started > {d} OR t.y > {year} OR s.status IS NULL THEN 'not_started' ELSE s.status END AS state,
    EXISTS (SELECT 1 FROM participants_mentorassignment a WHERE a.ect_id = t.ect_id AND a.hub_id IN ({hubs})
            AND a.started_on <= {d} AND (a.finished_on IS NULL OR a.finished_on > {d})) AS has_mentor
  FROM ect_info t
  LEFT JOIN participants_ectstatus s ON s.ect_id = t.ect_id AND s.hub_id IN ({hubs}) AND s.started_on <= {d}
   AND (s.finished_on IS NULL OR s.finished_on > {d})
  WHERE {cohorts} {ect_only}
),
mentors AS (
  SELECT m.id AS mentor_id, m.hub_id, m.school_id FROM participants_mentor m
  WHERE m.hub_id IN ({hubs}) AND m.started_on <= {d} {current_mentors} {mentor_only}
),
assignments AS (
  -- every current mentor, with each assignment started by the date (a mentor with none in a row of NULLs)
  SELECT m.mentor_id, m.hub_id, m.school_id, a.id AS assignment_id, a.ect_id, a.started_on, a.finished_on
  FROM mentors m LEFT JOIN participants_mentorassignment a
    ON a.mentor_id = m.mentor_id AND a.hub_id IN ({hubs}) AND a.started_on <= {d}
),
hub_terms AS (
  SELECT p.hub_id, p.academic_year, p.term FROM engagement_calendarperiod p
  JOIN (SELECT hub_id, MAX(start_date) AS latest FROM engagement_calendarperiod
        WHERE cadence = 'weekly' AND start_date <= {d} AND hub_id IN ({hubs}) GROUP BY hub_id) h
    ON h.hub_id = p.hub_id AND h.latest = p.start_date AND p.cadence = 'weekly'
),"""


TEMPORARY_WEEKS = ("engine_study_weeks", "engine_coaching_weeks")
EXCUSING_STATUSES = ("paused", "left", "completed")  # an ECT's statuses other than active


def _popcount(value):
    """Set bits of a mask."""
    return f"bit_count(CAST({value} AS bit(64)))" if connection.vendor == "postgresql" else f"bit_count({value})"


def _below(k):
    """Bits 0 .. k-1 (k clamped to the year's bits)."""
    clamped = f"GREATEST(0, LEAST({YEAR_BITS}, {k}))" if connection.vendor == "postgresql" else f"max(0, min({YEAR_BITS}, {k}))"
    return f"((CAST(1 AS BIGINT) << {clamped}) - 1)"


def _span(lo, hi):
    """The periods starting in weeks `lo` .. `hi` of the year (inclusive).

    Weeks are bits in reverse, so the periods after the last met one are the bits below its lowest
    set bit: `(m & -m) - 1`.
    """
    return f"({_below(f'{YEAR_BITS} - ({lo})')} & ~{_below(f'{YEAR_BITS - 1} - ({hi})')})"


def _ending_before(week, pairs):
    """The periods whose last week is before week `week` of the year (a fortnight's last week is the one after its first)."""
    return f"(({_span(0, f'{week} - 1')} & ~{pairs}) | ({_span(0, f'{week} - 2')} & {pairs}))"


def _calendar_years(cursor, hub_ids):
    """Every academic year from the hubs' first with term dates to their last."""
    cursor.execute(f"SELECT MIN(academic_year), MAX(academic_year) FROM engagement_calendarperiod WHERE hub_id IN ({_ids(hub_ids)})")
    first, last = cursor.fetchone()
    return list(range(first, last + 1)) if first is not None else []


def _weeks_tables(cursor, hub_ids, as_of, ect_ids, mentor_ids):
    """The weeks with activity to read: the stored ones (`engagement.weeks`), or — when they hold
    activity after `as_of`, a date in the past — temporary ones built from the activity up to it."""
    hubs = _ids(hub_ids)
    d = f"'{as_of.isoformat()}'"
    later = " UNION ALL ".join(
        f"SELECT 1 FROM {table} WHERE last_on > {d} AND hub_id IN ({hubs})" for table in (weeks.STUDY[0], weeks.COACHING[0])
    )
    cursor.execute(f"SELECT EXISTS ({later})")  # from the index on last_on: nothing is later than today
    if not cursor.fetchone()[0]:
        return weeks.STUDY[0], weeks.COACHING[0]
    for table, kind, people in ((TEMPORARY_WEEKS[0], weeks.STUDY, ect_ids), (TEMPORARY_WEEKS[1], weeks.COACHING, mentor_ids)):
        only = f"AND {kind[1].split(',')[0]} IN ({_ids(people)})" if people is not None else ""
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            f"CREATE TEMP TABLE {table} AS {weeks.select_weeks(kind, connection.vendor, f'hub_id IN ({hubs}) AND {kind[3]} <= {d} {only}')}"
        )
        cursor.execute(f"CREATE INDEX {table}_person ON {table} ({kind[1]})")  # the latest record's lookups
    return TEMPORARY_WEEKS


def _two_years(lower_day, upper_day, excused, history):
    """A track's masks for its first (1) and second (2) induction year, from its cohort's calendar
    for both years (c), excused periods (x) and activity (w).

    Counted: the periods inside the track's dates, not excused, and judged or current (expected
    so far). Active: the periods with activity in a week of them (a fortnight's second week
    shifted onto its first). Then the judged, current and this term's periods; for the history
    also the year's periods and those inside the track's dates.
    """
    columns = []
    for k in (1, 2):
        lo = f"{_week_from(lower_day)} - c.first_week{k}"
        inside = f"c.periods{k} & {_span(lo, YEAR_BITS - 1)}"
        if upper_day:
            up = f"CASE WHEN {upper_day} IS NULL THEN {YEAR_BITS + 1} ELSE {_week(upper_day)} - c.first_week{k} END"
            inside += f" & {_ending_before(up, f'c.pairs{k}')}"
        weeks = f"w.{'weeks' if k == 1 else 'next_weeks'}"
        columns += [
            f"COALESCE({inside} & ~COALESCE(x.{excused}{k}, 0) & (c.judged{k} | c.cur{k}), 0) AS counted{k}",
            f"COALESCE({weeks} | (({weeks} << 1) & c.pairs{k}), 0) AS active{k}",
            f"COALESCE(c.judged{k}, 0) AS judged{k}", f"COALESCE(c.cur{k}, 0) AS cur{k}", f"COALESCE(c.term{k}, 0) AS term{k}",
        ]
        if history:
            columns += [f"COALESCE(c.periods{k}, 0) AS periods{k}", f"COALESCE({inside}, 0) AS inside{k}"]
            columns += [f"COALESCE(x.{excused}_{kind}{k}, 0) AS {kind}{k}" for kind in EXCUSING_STATUSES]
    return ",\n    ".join(columns)


def _expected_and_met(k):
    """A year's periods expected so far (counted and judged, or current and met) and met (counted
    and active), as masks of its columns (`_two_years`)."""
    return f"(counted{k} & (judged{k} | active{k}))", f"(counted{k} & active{k})"


def _counts(k):
    """A year's counts from its masks (`_two_years`): periods expected so far and met
    (`_expected_and_met`), both in this term, and the due (counted and judged) periods after the
    last met one."""
    expected, met = _expected_and_met(k)
    return ", ".join(
        [
            f"{_popcount(expected)} AS expected{k}", f"{_popcount(met)} AS met{k}",
            f"{_popcount(f'{expected} & term{k}')} AS term_expected{k}", f"{_popcount(f'{met} & term{k}')} AS term_met{k}",
            f"{_popcount(f'counted{k} & judged{k} & (({met} & -{met}) - 1)')} AS missed_after{k}",
            f"{met} <> 0 AS any_met{k}",
        ]
    )


def _figures(this_year):
    """A track's figures from its two years' counts (`_counts`); the first year is `y`."""
    return {
        "expected": "expected1 + expected2",
        "met": "met1 + met2",
        "term_expected": "term_expected1 + term_expected2",
        "term_met": "term_met1 + term_met2",
        "year_expected": f"CASE WHEN y = {this_year} THEN expected1 WHEN y + 1 = {this_year} THEN expected2 ELSE 0 END",
        "year_met": f"CASE WHEN y = {this_year} THEN met1 WHEN y + 1 = {this_year} THEN met2 ELSE 0 END",
        # the judged periods after the last met one: in the second year if it has a met period, else in both
        "consecutive": "CASE WHEN any_met2 THEN missed_after2 ELSE missed_after1 + missed_after2 END",
    }


def _sql(hub_ids, as_of, years, week_tables, ect_ids=None, mentor_ids=None, final=None, ended_mentors=False):
    """The engine's second phase: one row per person and strand, from the activity bitmaps.

    A track is an ECT's study, or a mentor's coaching of one mentee in one assignment, over the
    ECT's two induction years (each with its cadence). Every set of periods in a year (the hub's
    periods, those judged, the current one, this term's, those inside the track's dates, those
    excused by a pause or leaving, those with activity) is a bitmap of the year's weeks, with a
    fortnight marked at its first week, so each figure is a popcount of ANDed masks, row by row.
    """
    d = f"'{as_of.isoformat()}'"
    year = academic_year_of(as_of)
    hubs = _ids(hub_ids)
    history = final is not None  # the period history reads each year's periods too
    ect_only = f"AND t.ect_id IN ({_ids(ect_ids)})" if ect_ids is not None else ""
    mentor_only = f"AND m.id IN ({_ids(mentor_ids)})" if mentor_ids is not None else ""
    year_values = " UNION ALL ".join(f"SELECT {y}, {first_week(y)}" for y in years or [year])
    lower_coaching = f"CASE WHEN a.started_on > t.started THEN a.started_on ELSE t.started END"
    figures = _figures(year)
    study_weeks, coaching_weeks = week_tables
    hub_weeks = f"hub_id IN ({hubs})"
    # a weeks row holds the person's latest record; one with records only outside the years read has it in another row
    figures_select = f"""SELECT 'study' AS strand, n.hub_id, n.school_id, n.ect_id, NULL AS mentor_id, n.y AS cohort_start_year,
  {figures["expected"]} AS periods_expected, {figures["met"]} AS periods_met,
  {figures["term_expected"]} AS term_expected, {figures["term_met"]} AS term_met,
  {figures["year_expected"]} AS year_expected, {figures["year_met"]} AS year_met,
  {figures["consecutive"]} AS consecutive_missed,
  COALESCE(n.last_on, (SELECT MAX(l.last_on) FROM {study_weeks} l WHERE l.ect_id = n.ect_id)) AS last_activity_on,
  NULL AS current_mentees, n.state, CASE WHEN n.state IN ('left', 'completed') THEN FALSE ELSE NOT n.has_mentor END AS no_mentor
FROM study_counts n
UNION ALL
SELECT 'coaching', o.hub_id, o.school_id, NULL, o.mentor_id, NULL,
  o.expected, o.met, o.term_expected, o.term_met, o.year_expected, o.year_met, o.consecutive,
  COALESCE(o.last_on, (SELECT MAX(l.last_on) FROM {coaching_weeks} l WHERE l.mentor_id = o.mentor_id)),
  o.mentees, CASE WHEN o.mentees = 0 THEN 'not_mentoring' ELSE 'active' END, FALSE
FROM coaching o
"""

    def joins(track, cadence1, cadence2, weeks_table, weeks_on):
        return f"""LEFT JOIN pair_calendar c ON c.hub_id = t.hub_id AND c.cadence1 = t.{cadence1} AND c.cadence2 = t.{cadence2} AND c.y = t.y AND t.y <= {year}
  LEFT JOIN excused x ON x.ect_id = {track}
  LEFT JOIN {weeks_table} w ON {weeks_on} AND w.academic_year = t.y AND w.{hub_weeks}"""

    # the history reads an ECT of any cohort; the figures only the two in training
    study_weeks_on = "w.ect_id = t.ect_id" + ("" if history else f" AND w.academic_year IN ({year - 1}, {year})")
    started, finished = _week("s.started_on"), _week_from("s.finished_on")
    excused_mask = (
        f"c.periods & ~{_ending_before(f'{started} - c.first_week', 'c.pairs')} & CASE WHEN s.finished_on IS NULL "
        f"THEN {FULL} ELSE {_span(0, f'{finished} - c.first_week - 1')} END"
    )
    kinds = [("", "")] + ([(f"_{kind}", f" AND s.status = '{kind}'") for kind in EXCUSING_STATUSES] if history else [])
    excused_columns = ",\n    ".join(
        f"bit_or(CASE WHEN c.year = t.y{'' if k == 1 else ' + 1'} AND c.cadence = t.{cadence}{k}{only} THEN {excused_mask} END)"
        f" AS {name}{kind}{k}"
        for name, cadence in (("study", "s"), ("coaching", "c"))
        for kind, only in kinds
        for k in (1, 2)
    )
    calendar_columns = ", ".join(
        f"c{k}.{column} AS {column}{k}" for k in (1, 2) for column in ("first_week", "periods", "pairs", "judged", "cur", "term")
    )

    return f"""
WITH
{_people_ctes(hubs, d, year, ect_only, mentor_only, history, ended_mentors)}
years (academic_year, first_week) AS ({year_values}),
calendar AS (
  SELECT p.hub_id, p.cadence, p.academic_year AS year, p.first_week,
    bit_or(p.bit) AS periods,
    bit_or(CASE WHEN {_week("p.end_date")} > {_week("p.start_date")} THEN p.bit ELSE 0 END) AS pairs,
    bit_or(CASE WHEN p.end_date < {d} THEN p.bit ELSE 0 END) AS judged,
    bit_or(CASE WHEN p.start_date <= {d} AND p.end_date >= {d} THEN p.bit ELSE 0 END) AS cur,
    bit_or(CASE WHEN ht.hub_id IS NOT NULL THEN p.bit ELSE 0 END) AS term
  FROM (SELECT p.hub_id, p.cadence, p.academic_year, p.term, p.start_date, p.end_date, y.first_week,
          CAST(1 AS BIGINT) << ({YEAR_BITS - 1} - ({_week("p.start_date")} - y.first_week)) AS bit
        FROM engagement_calendarperiod p JOIN years y ON y.academic_year = p.academic_year
        WHERE p.hub_id IN ({hubs})) p
  LEFT JOIN hub_terms ht ON ht.hub_id = p.hub_id AND ht.academic_year = p.academic_year AND ht.term = p.term
  GROUP BY p.hub_id, p.cadence, p.academic_year, p.first_week
),
cadence_pairs (cadence1, cadence2) AS (
  SELECT study_cadence_ect1, study_cadence_ect2 FROM engagement_programmeversion
  UNION SELECT coaching_cadence_ect1, coaching_cadence_ect2 FROM engagement_programmeversion
),
pair_calendar AS (
  -- a cohort's calendar for both induction years (the second only once it has started), in one row
  SELECT k.hub_id, k.cadence1, k.cadence2, k.y, {calendar_columns}
  FROM (SELECT c.hub_id, p.cadence1, p.cadence2, c.year AS y FROM calendar c JOIN cadence_pairs p ON p.cadence1 = c.cadence
        UNION SELECT c.hub_id, p.cadence1, p.cadence2, c.year - 1 FROM calendar c JOIN cadence_pairs p ON p.cadence2 = c.cadence) k
  LEFT JOIN calendar c1 ON c1.hub_id = k.hub_id AND c1.cadence = k.cadence1 AND c1.year = k.y
  LEFT JOIN calendar c2 ON c2.hub_id = k.hub_id AND c2.cadence = k.cadence2 AND c2.year = k.y + 1 AND c2.year <= {year}
),
excused AS (
  -- per ECT, the periods of each induction year's study and coaching cadence touched by a pause
  -- or leaving recorded by the as-of date: ending on or after its start and starting before its end
  SELECT s.ect_id,
    {excused_columns}
  FROM participants_ectstatus s JOIN ect_info t ON t.ect_id = s.ect_id
  JOIN calendar c ON c.hub_id = t.hub_id
  WHERE s.hub_id IN ({hubs}) AND s.status <> 'active' AND s.started_on <= {d} AND c.year IN (t.y, t.y + 1)
  GROUP BY s.ect_id
),
study_years AS MATERIALIZED (
  SELECT t.ect_id, t.hub_id, t.school_id, t.y, t.state, t.has_mentor, w.last_on,
    {_two_years("t.started", None, "study", history)}
  FROM study_ects t
  {joins("t.ect_id", "s1", "s2", study_weeks, study_weeks_on)}
),
study_counts AS (
  SELECT ect_id, hub_id, school_id, y, state, has_mentor, last_on, {_counts(1)}, {_counts(2)} FROM study_years
),
coaching_years AS MATERIALIZED (
  -- every mentee's track, those of a cohort not started yet with no periods
  SELECT a.mentor_id, a.hub_id, a.school_id, a.ect_id, a.assignment_id, t.y, w.last_on,
    CASE WHEN a.assignment_id IS NOT NULL AND (a.finished_on IS NULL OR a.finished_on > {d}) THEN 1 ELSE 0 END AS mentee_now,
    {_two_years(lower_coaching, "a.finished_on", "coaching", history)}
  FROM assignments a LEFT JOIN ect_info t ON t.ect_id = a.ect_id
  {joins("a.ect_id", "c1", "c2", coaching_weeks, f"w.mentor_id = a.mentor_id AND w.ect_id = a.ect_id AND w.academic_year <= {year}")}
),
coaching_counts AS (
  SELECT mentor_id, hub_id, school_id, y, last_on, mentee_now, {_counts(1)}, {_counts(2)} FROM coaching_years
),
coaching AS (
  SELECT mentor_id, hub_id, school_id, SUM(CAST({figures["expected"]} AS integer)) AS expected, SUM(CAST({figures["met"]} AS integer)) AS met,
    SUM(CAST({figures["term_expected"]} AS integer)) AS term_expected, SUM(CAST({figures["term_met"]} AS integer)) AS term_met,
    SUM(CAST({figures["year_expected"]} AS integer)) AS year_expected, SUM(CAST({figures["year_met"]} AS integer)) AS year_met,
    MAX({figures["consecutive"]}) AS consecutive, MAX(last_on) AS last_on, SUM(mentee_now) AS mentees
  FROM coaching_counts GROUP BY mentor_id, hub_id, school_id
)
{final or figures_select}"""


def _date(value):
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


PLANNER_SETTINGS = {"jit": "off", "enable_nestloop": "off", "enable_mergejoin": "off", "enable_sort": "off",
                    "join_collapse_limit": "1", "work_mem": "256MB"}


def _tune(cursor, on=True):
    """PostgreSQL plans the engine's analytic statement best with hash joins and room to hash in memory.

    Its row estimates for the CTEs are far too low, and a nested loop over a hundred thousand
    people would be quadratic; JIT compiling the long statement costs seconds and saves nothing.
    The same holds for comparing its rows with the stored ones. Local to the transaction;
    `on=False` gives the writes after (most nights a few rows, found by index) the server's
    settings back.
    """
    if connection.vendor == "postgresql":
        values = {name: f"'{value}'" if on else "NULL" for name, value in PLANNER_SETTINGS.items()}  # NULL: the default
        cursor.execute("SELECT " + ", ".join(f"set_config('{name}', {value}, true)" for name, value in values.items()))


@contextmanager
def _engine(cursor, hub_ids, as_of, ect_ids=None, mentor_ids=None, final=None, ended_mentors=False):
    """The engine's statement, with any temporary weeks tables it reads made first and dropped after.

    Inside a transaction: on an error the rollback drops the temporary tables.
    """
    _tune(cursor)
    years = _calendar_years(cursor, hub_ids)
    tables = _weeks_tables(cursor, hub_ids, as_of, ect_ids, mentor_ids)
    yield _sql(hub_ids, as_of, years, tables, ect_ids, mentor_ids, final, ended_mentors)
    if tables == TEMPORARY_WEEKS:
        for table in tables:
            cursor.execute(f"DROP TABLE {table}")


@transaction.atomic
def engagement_rows(hub_ids, as_of, ect_ids=None, mentor_ids=None):
    """Every person's figures as of `as_of` (one row per person and strand), computed in one query."""
    with connection.cursor() as cursor, _engine(cursor, hub_ids, as_of, ect_ids, mentor_ids) as engine:
        cursor.execute(_with_status(engine))
        rows = cursor.fetchall()
    result = []
    for values in rows:
        row = dict(zip(COLUMNS, values))
        row["last_activity_on"] = _date(row["last_activity_on"])
        result.append(Row(**{k: (int(v) if isinstance(v, (float, Decimal)) else v) for k, v in row.items()}))
    return result


def _cohort_case(as_of):
    year = academic_year_of(as_of)
    return f"CASE WHEN e.cohort_start_year = {year} THEN 'ECT1' WHEN e.cohort_start_year = {year - 1} THEN 'ECT2' ELSE '' END"


RESULT = "engine_result"
NEW_ROWS = "engine_new_rows"  # the engine's rows for the hubs, what `store` stores
# what a stored row says; rows whose values are unchanged are left as they are
VALUES = (
    "hub_id", "school_id", "cohort", "periods_expected", "periods_met", "term_expected", "term_met", "year_expected",
    "year_met", "consecutive_missed", "status", "no_mentor", "last_activity_on", "current_mentees",
)


def _distinct():
    """The operator comparing rows with NULLs as equal values."""
    return "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"


def _lock(hub_ids):
    """Serialise recomputes of the same hubs (a second concurrent run waits, then redoes the same)."""
    from schools.models import Hub

    list(Hub.objects.select_for_update().filter(id__in=hub_ids).order_by("id").values_list("id", flat=True))


@transaction.atomic
def store(hub_ids, as_of, ect_ids=None, mentor_ids=None, keep_rows=False):
    """Recompute the hubs' people (or only those given) as of `as_of` and store what changed.

    Under a lock on the hubs, the engine's rows (a temporary table, `NEW_ROWS`) are compared with
    the stored ones in one pass and only the differences kept (another); then rows of people no
    longer counted are deleted, changed rows updated and new people's rows inserted. Most nights
    most figures do not change, so little is written; a rerun writes nothing. Returns how many
    rows it wrote (deleted, updated or inserted). With `keep_rows`, `NEW_ROWS` is left for the rest
    of the caller's transaction (which drops it).
    """
    hub_ids = sorted(hub_ids)
    _lock(hub_ids)
    table = "engagement_engagement"
    columns = ", ".join(VALUES)
    differs = _distinct()
    in_scope = f"hub_id IN ({_ids(hub_ids)})"
    if ect_ids is not None or mentor_ids is not None:
        in_scope += f" AND (ect_id IN ({_ids(ect_ids or [])}) OR mentor_id IN ({_ids(mentor_ids or [])}))"
    values = ", ".join(f"r.{c}" for c in VALUES)
    with connection.cursor() as cursor:
        with _engine(cursor, hub_ids, as_of, ect_ids, mentor_ids) as engine:
            cursor.execute(f"DROP TABLE IF EXISTS {NEW_ROWS}")
            cursor.execute(
                f"""CREATE TEMP TABLE {NEW_ROWS} AS
                SELECT COALESCE(e.ect_id, -e.mentor_id) AS person, e.strand, e.ect_id, e.mentor_id, e.hub_id, e.school_id,
                  {_cohort_case(as_of)} AS cohort, e.periods_expected, e.periods_met, e.term_expected, e.term_met,
                  e.year_expected, e.year_met, e.consecutive_missed, {STATUS_CASE} AS status, e.no_mentor,
                  e.last_activity_on, e.current_mentees
                FROM ({engine}) e"""
            )
        cursor.execute(f"DROP TABLE IF EXISTS {RESULT}")
        cursor.execute(
            f"""CREATE TEMP TABLE {RESULT} AS
            SELECT n.*, o.id AS stored_id FROM {NEW_ROWS} n
            FULL JOIN (SELECT id, COALESCE(ect_id, -mentor_id) AS person, {columns} FROM {table} WHERE {in_scope}) o
              ON o.person = n.person
            WHERE n.person IS NULL OR o.id IS NULL
               OR ({", ".join(f"o.{c}" for c in VALUES)}) {differs} ({", ".join(f"n.{c}" for c in VALUES)})"""
        )
        cursor.execute(
            f"""SELECT SUM(CASE WHEN person IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN stored_id IS NULL THEN 1 ELSE 0 END),
              COUNT(*) FROM {RESULT}"""
        )
        gone, new, changed = (int(n or 0) for n in cursor.fetchone())
        writes = [
            (gone, f"DELETE FROM {table} WHERE id IN (SELECT stored_id FROM {RESULT} WHERE person IS NULL)"),
            (
                changed - gone - new,
                f"""UPDATE {table} SET ({columns}) = ({values}) FROM {RESULT} r
                WHERE r.stored_id = {table}.id AND {table}.hub_id IN ({_ids(hub_ids)}) AND r.person IS NOT NULL""",
            ),
            (
                new,
                f"""INSERT INTO {table} (strand, ect_id, mentor_id, {columns})
                SELECT r.strand, r.ect_id, r.mentor_id, {values} FROM {RESULT} r WHERE r.stored_id IS NULL""",
            ),
        ]
        _tune(cursor, on=False)
        for rows, statement in writes:
            if rows:
                cursor.execute(statement)
        cursor.execute(f"DROP TABLE {RESULT}")
        if not keep_rows:
            cursor.execute(f"DROP TABLE {NEW_ROWS}")
    _record_run(hub_ids, as_of)
    return changed


def _record_run(hub_ids, as_of=None):
    """Record when the hubs' figures were calculated (and as of which date, unless only the trend was
    written). Every write of a hub's figures or trend moves `computed_at`, in the same transaction,
    so what is read from them can be cached under it."""
    from django.utils import timezone

    from engagement.models import EngagementRun

    runs = EngagementRun.objects.with_scopes_disabled()
    now = timezone.now()
    if as_of is None:
        runs.filter(hub_id__in=hub_ids).update(computed_at=now)
        return
    runs.filter(hub_id__in=hub_ids).update(as_of=as_of, computed_at=now)
    missing = set(hub_ids) - set(runs.filter(hub_id__in=hub_ids).values_list("hub_id", flat=True))
    runs.bulk_create([EngagementRun(hub_id=hub_id, as_of=as_of, computed_at=now) for hub_id in sorted(missing)])


TREND_SELECT = f"""SELECT e.hub_id, e.school_id, e.strand,
    SUM(CASE WHEN e.status IN ({", ".join(f"'{s}'" for s in TRACKED_STATUSES)}) THEN 1 ELSE 0 END) AS people,
    SUM(CASE WHEN e.status = 'on_track' THEN 1 ELSE 0 END) AS on_track,
    SUM(CASE WHEN e.status = 'at_risk' THEN 1 ELSE 0 END) AS at_risk,
    SUM(CASE WHEN e.status = 'off_track' THEN 1 ELSE 0 END) AS off_track,
    SUM(CASE WHEN e.no_mentor THEN 1 ELSE 0 END) AS no_mentor
  FROM ({{source}}) e GROUP BY e.hub_id, e.school_id, e.strand"""


TREND_FIGURES = ("people", "on_track", "at_risk", "off_track", "no_mentor")
TREND_RESULT = "engine_trend_result"


@transaction.atomic
def store_trend(hub_ids, as_of, from_stored=True, rows=None):
    """Record each school's people on track per strand for the week of `as_of`.

    From the stored `Engagement` rows (today's), or `rows`, a table holding exactly what is stored
    for the hubs (`store`'s `NEW_ROWS`): only points that changed are written, and those of schools
    and strands with nobody left deleted. For past weeks, straight from the engine.
    """
    from engagement.periods import monday_of

    hub_ids = sorted(hub_ids)
    _lock(hub_ids)
    week = monday_of(as_of).isoformat()
    table, hubs = "engagement_engagementtrend", _ids(hub_ids)
    figures = ", ".join(TREND_FIGURES)
    insert = f"INSERT INTO {table} (hub_id, school_id, strand, week, {figures}) SELECT hub_id, school_id, strand, '{week}', {figures} FROM "
    with connection.cursor() as cursor:
        if not from_stored:
            cursor.execute(f"DELETE FROM {table} WHERE hub_id IN ({hubs}) AND week = '{week}'")
            with _engine(cursor, hub_ids, as_of) as source:
                cursor.execute(f"{insert} ({TREND_SELECT.format(source=_with_status(source))}) n")
            _record_run(hub_ids)
            return
        differs = _distinct()
        source = f"SELECT * FROM {rows}" if rows else f"SELECT * FROM engagement_engagement WHERE hub_id IN ({hubs})"
        new, old = (", ".join(f"{side}.{f}" for f in TREND_FIGURES) for side in ("n", "o"))
        _tune(cursor)
        cursor.execute(f"DROP TABLE IF EXISTS {TREND_RESULT}")
        cursor.execute(
            f"""CREATE TEMP TABLE {TREND_RESULT} AS
            SELECT n.*, o.id AS stored_id FROM ({TREND_SELECT.format(source=source)}) n
            FULL JOIN (SELECT id, school_id, strand, {figures} FROM {table}
                       WHERE hub_id IN ({hubs}) AND week = '{week}') o ON o.school_id = n.school_id AND o.strand = n.strand
            WHERE n.school_id IS NULL OR o.id IS NULL OR ({old}) {differs} ({new})"""
        )
        _tune(cursor, on=False)
        cursor.execute(f"DELETE FROM {table} WHERE id IN (SELECT stored_id FROM {TREND_RESULT} WHERE school_id IS NULL)")
        cursor.execute(
            f"""UPDATE {table} SET ({figures}) = ({new}) FROM {TREND_RESULT} n
            WHERE n.stored_id = {table}.id AND n.school_id IS NOT NULL"""
        )
        cursor.execute(f"{insert} {TREND_RESULT} WHERE stored_id IS NULL")
        cursor.execute(f"DROP TABLE {TREND_RESULT}")
    _record_run(hub_ids)


def recompute(hubs, as_of, ect_ids=None, mentor_ids=None):
    """Bring the hubs' calendars up to date, then store their engagement and this week's trend.
    Returns how many figure rows were written."""
    from engagement.calendar import sync_calendar
    from schools.scoping import hub_scope

    for hub in hubs:
        with hub_scope(hub):
            sync_calendar(hub)
    hub_ids = [hub.id for hub in hubs]
    if ect_ids is None and mentor_ids is None:
        return store_hubs(hub_ids, as_of)
    count = store(hub_ids, as_of, ect_ids, mentor_ids)
    store_trend(hub_ids, as_of)
    return count


@transaction.atomic
def _store_with_trend(hub_ids, as_of):
    """Store the hubs' figures, then this week's trend from the same rows, in one transaction."""
    count = store(hub_ids, as_of, keep_rows=True)
    store_trend(hub_ids, as_of, rows=NEW_ROWS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {NEW_ROWS}")
    return count


def store_hubs(hub_ids, as_of, connections=None):
    """Store every person's figures and this week's trend for the hubs; returns how many figure rows it wrote.

    The hubs are split into groups of about as many people each, one per connection
    (`ENGAGEMENT_RECOMPUTE_CONNECTIONS`, default 2), and the groups computed at the same time, each
    in a transaction of its own (a hub's figures are independent of other hubs'). Inside a
    transaction other connections would not see its writes, and SQLite writes one at a time, so
    there it is one group on this connection.
    """
    from django.conf import settings

    hub_ids = sorted(hub_ids)
    connections = connections or settings.ENGAGEMENT_RECOMPUTE_CONNECTIONS
    if connections < 2 or len(hub_ids) < 2 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return _store_with_trend(hub_ids, as_of) if hub_ids else 0
    groups = _balanced_groups(hub_ids, connections)
    with ThreadPoolExecutor(len(groups)) as pool:
        futures = [pool.submit(_on_own_connection, _store_with_trend, group, as_of) for group in groups]
        return sum(future.result() for future in futures)


def _on_own_connection(function, *args):
    """Run `function` in this thread on the thread's own database connection, closed after."""
    try:
        return function(*args)
    finally:
        connection.close()


def _balanced_groups(hub_ids, count):
    """The hubs in at most `count` groups with about as many people (ECTs and mentors) each."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT hub_id, COUNT(*) FROM (SELECT hub_id FROM participants_ect WHERE hub_id IN ({_ids(hub_ids)})
                UNION ALL SELECT hub_id FROM participants_mentor WHERE hub_id IN ({_ids(hub_ids)})) people GROUP BY hub_id"""
        )
        people = dict(cursor.fetchall())
    groups = [[] for _ in range(min(count, len(hub_ids)))]
    sizes = [0] * len(groups)
    for hub_id in sorted(hub_ids, key=lambda h: (-people.get(h, 0), h)):
        smallest = sizes.index(min(sizes))
        groups[smallest].append(hub_id)
        sizes[smallest] += people.get(hub_id, 0) + 1
    return [sorted(group) for group in groups if group]


@dataclass(frozen=True)
class PeriodOutcome:
    strand: str
    track_id: int  # the ECT (study: the ECT itself; coaching: the mentee)
    start: datetime.date
    end: datetime.date
    judged: bool
    excused: bool
    met: bool
    reason: str = ""  # why an excused period is: "not_started" or one of EXCUSING_STATUSES
    upcoming: bool = False  # after the as-of date's period

    @property
    def outcome(self):
        if self.excused:
            return "excused"
        if self.upcoming:
            return "upcoming"
        if self.met:
            return "met"
        return "missed" if self.judged else "in_progress"

    @property
    def reason_label(self):
        return EXCUSED_REASONS.get(self.reason, "")


EXCUSED_REASONS = {
    "not_started": "Before the induction start date",
    "paused": "Paused",
    "left": "Left",
    "completed": "Induction completed",
}
HISTORY_MASKS = ("periods", "inside", "counted", "met", "judged", "cur", *EXCUSING_STATUSES)


def period_history(hub_id, as_of, ect_id=None, mentor_id=None, upcoming=False):
    """One person's periods up to `as_of` with their outcomes, read from the engine's own masks.

    For an ECT (whatever their status or cohort) every study period of their induction years;
    for a mentor each mentee's coaching periods inside the assignment's dates. An excused period
    says why: before the induction start, or the status (paused, left, completed) that touched it.
    With `upcoming`, an ECT's later periods too: excused as far as the statuses known by `as_of`
    say (an open pause or leaving excuses every later period), upcoming otherwise.
    """
    from engagement.models import CalendarPeriod

    masks = ", ".join(f"m.counted{k} & m.active{k}" if name == "met" else f"m.{name}{k}" for k in (1, 2) for name in HISTORY_MASKS)
    if ect_id:
        strand, ects, mentors = "study", [ect_id], []
        final = f"SELECT m.ect_id, t.y, t.s1, t.s2, {masks} FROM study_years m JOIN study_ects t ON t.ect_id = m.ect_id"
    else:
        strand, ects, mentors = "coaching", [], [mentor_id]
        final = f"""SELECT m.ect_id, t.y, t.c1, t.c2, {masks} FROM coaching_years m JOIN ect_info t ON t.ect_id = m.ect_id
            WHERE m.mentor_id = {int(mentor_id)} ORDER BY m.ect_id, m.assignment_id"""
    with transaction.atomic(), connection.cursor() as cursor, _engine(cursor, [hub_id], as_of, ects, mentors, final) as sql:
        cursor.execute(sql)
        tracks = cursor.fetchall()
    periods = {}
    for p in CalendarPeriod.objects.with_scopes_disabled().filter(hub_id=hub_id).order_by("start_date"):
        periods.setdefault((p.cadence, p.academic_year), []).append(p)
    result = []
    for track_id, first_year, cadence1, cadence2, *values in tracks:
        for k, (year, cadence) in enumerate(((first_year, cadence1), (first_year + 1, cadence2))):
            m = dict(zip(HISTORY_MASKS, values[k * len(HISTORY_MASKS) : (k + 1) * len(HISTORY_MASKS)]))
            due = m["judged"] | m["cur"]
            shown = (m["periods"] if strand == "study" else m["inside"]) & (FULL if upcoming else due)
            for p in periods.get((cadence, year), []):
                bit = period_bit(p.start_date, year)
                if not shown & bit:
                    continue
                kinds = [kind for kind in EXCUSING_STATUSES if m[kind] & bit]
                reason = "not_started" if not m["inside"] & bit else (kinds[0] if kinds else "")
                later = not due & bit
                # a period judged or current is counted unless excused; a later one is excused for a reason
                excused = bool(reason) if later else not m["counted"] & bit
                result.append(
                    PeriodOutcome(strand, track_id, p.start_date, p.end_date, bool(m["judged"] & bit), excused,
                                  bool(m["met"] & bit), reason if excused else "", later)
                )
    return result


def period_bit(start, year):
    """The bit of the period starting on `start` (a Monday) in its academic year's masks."""
    return 1 << (YEAR_BITS - 1 - ((start - EPOCH).days // 7 - first_week(year)))


@dataclass(frozen=True)
class TrackYears:
    """A track's periods expected so far and met in each of its two induction years, judged as the
    engine judges them: an ECT's study, or a mentor's coaching of one mentee in one assignment."""

    strand: str
    ect_id: int  # the ECT (study: the ECT itself; coaching: the mentee)
    mentor_id: int | None
    school_id: int  # an ECT's school that day; a mentor role's school
    cohort_start_year: int  # the first induction year; the second is the year after
    coaching_from: datetime.date | None  # coaching: the later of the assignment's start and the mentee's induction start
    expected: tuple[int, int]
    met: tuple[int, int]


def track_years(hub_ids, as_of, ect_ids=None, mentor_ids=None):
    """Every track's `TrackYears` as of `as_of` (or only the ECTs' and mentors' given), in one query.

    ECTs of every cohort started by then, whatever their status; mentor roles started by then,
    ended or not (a mentor's assignments end with the role), with every assignment started by then.
    """
    year = academic_year_of(as_of)
    counts = ", ".join(_popcount(mask) for k in (1, 2) for mask in _expected_and_met(k))
    final = f"""SELECT 'study', m.ect_id, NULL, m.school_id, m.y, NULL, {counts} FROM study_years m WHERE m.y <= {year}
UNION ALL
SELECT 'coaching', m.ect_id, m.mentor_id, m.school_id, m.y, CASE WHEN a.started_on > t.started THEN a.started_on ELSE t.started END,
  {counts}
FROM coaching_years m JOIN assignments a ON a.assignment_id = m.assignment_id JOIN ect_info t ON t.ect_id = m.ect_id
WHERE m.y <= {year}"""
    with transaction.atomic(), connection.cursor() as cursor:
        with _engine(cursor, hub_ids, as_of, ect_ids, mentor_ids, final, ended_mentors=True) as sql:
            cursor.execute(sql)
            rows = cursor.fetchall()
    return [
        TrackYears(strand, ect_id, mentor_id, school_id, int(y), _date(start), (int(e1), int(e2)), (int(m1), int(m2)))
        for strand, ect_id, mentor_id, school_id, y, start, e1, m1, e2, m2 in rows
    ]

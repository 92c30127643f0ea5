"""The engagement engine: every person's figures, computed set-based in the database.

Rules (`../shared/domain/RULES.md` and the engagement issue):

- Periods come from the hub's calendar (`engagement.calendar.sync_calendar`), per cadence.
- A period is *judged* once its last day is before the as-of date; the current period is in
  progress: it counts as met when already met, never as missed.
- An ECT's period is *excused* (neither expected nor missed) when on any day of it the ECT had not
  yet started (before the induction start), had left, completed or was paused (as recorded by the
  as-of date: a status that starts later is not known then). Otherwise it is
  expected, and *met* when the ECT recorded at least one study module dated inside it.
- A mentor's coaching periods follow each mentee's coaching cadence, for the periods lying wholly
  within the mentor assignment and not excused for the mentee; one is met when the mentor
  recorded an observation of that mentee dated inside it.
- Consecutive missed: the expected, judged, unmet periods after the last met one (excused periods
  neither count nor break the run). For a mentor it is the longest such run over their mentees.
  Status: on_track (0), at_risk (1), off_track (2 or more).
- "This term" is the term of the hub's latest period started by the as-of date; "this year" the
  academic year of the as-of date.

`engagement_rows` is one SQL statement (PostgreSQL and SQLite, see `_sql`) returning a row per
person and strand; `store` writes them into `Engagement`; `period_history` lists one person's
periods (`_expanded_sql`, the same rules period by period). Values inlined into the SQL are only ints and
ISO dates produced here, never user text.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from engagement.models import Engagement, EngagementStatus
from participants.cohorts import academic_year_of

COLUMNS = (
    "strand", "hub_id", "school_id", "ect_id", "mentor_id", "cohort_start_year", "periods_expected", "periods_met",
    "term_expected", "term_met", "year_expected", "year_met", "consecutive_missed", "last_activity_on", "current_mentees",
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


def status_for(consecutive_missed):
    if consecutive_missed == 0:
        return EngagementStatus.ON_TRACK
    return EngagementStatus.AT_RISK if consecutive_missed == 1 else EngagementStatus.OFF_TRACK


def _ids(values):
    return ", ".join(str(int(v)) for v in values) or "NULL"


def _people_ctes(hubs, d, year, ect_only, mentor_only):
    """Who counts as of the date: ECTs in training (active or paused) and current mentor roles."""
    return f"""ect_info AS (
  SELECT e.id AS ect_id, e.hub_id, e.school_id, e.cohort_start_year AS y, e.induction_start_date AS started,
         pv.study_cadence_ect1 AS s1, pv.study_cadence_ect2 AS s2,
         pv.coaching_cadence_ect1 AS c1, pv.coaching_cadence_ect2 AS c2
  FROM participants_ect e JOIN engagement_programmeversion pv ON pv.code = e.programme
  WHERE e.hub_id IN ({hubs})
),
study_ects AS (
  SELECT t.* FROM ect_info t
  JOIN participants_ectstatus s ON s.ect_id = t.ect_id AND s.started_on <= {d}
   AND (s.finished_on IS NULL OR s.finished_on > {d}) AND s.status IN ('active', 'paused')
  WHERE t.y IN ({year}, {year - 1}) {ect_only}
),
mentors AS (
  SELECT m.id AS mentor_id, m.hub_id, m.school_id FROM participants_mentor m
  WHERE m.hub_id IN ({hubs}) AND m.started_on <= {d} AND (m.finished_on IS NULL OR m.finished_on > {d}) {mentor_only}
),
assignments AS (
  SELECT a.id AS assignment_id, a.mentor_id, a.ect_id, a.started_on, a.finished_on
  FROM participants_mentorassignment a JOIN mentors m ON m.mentor_id = a.mentor_id
  WHERE a.started_on <= {d}
),
hub_terms AS (
  SELECT p.hub_id, p.academic_year, p.term FROM engagement_calendarperiod p
  JOIN (SELECT hub_id, MAX(start_date) AS latest FROM engagement_calendarperiod
        WHERE cadence = 'weekly' AND start_date <= {d} AND hub_id IN ({hubs}) GROUP BY hub_id) h
    ON h.hub_id = p.hub_id AND h.latest = p.start_date AND p.cadence = 'weekly'
),"""


def _expanded_sql(hub_ids, as_of, ect_ids, mentor_ids, final):
    """Every person's periods one row each (used for one person's period-by-period history).

    The same rules as `_sql`, stated period by period; `final` replaces the closing SELECT.
    """
    d = f"'{as_of.isoformat()}'"
    year = academic_year_of(as_of)
    hubs = _ids(hub_ids)
    ect_only = f"AND t.ect_id IN ({_ids(ect_ids)})" if ect_ids is not None else ""
    mentor_only = f"AND m.id IN ({_ids(mentor_ids)})" if mentor_ids is not None else ""

    def track_periods(cadence_1, cadence_2, source, extra=""):
        """Periods of the two induction years of `source` rows (alias t), each year its cadence."""
        return " UNION ALL ".join(
            f"""SELECT {source}, p.id AS period_id, p.start_date, p.end_date, p.academic_year, p.term, t.started, t.hub_id
                FROM {{src}} JOIN engagement_calendarperiod p
                  ON p.hub_id = t.hub_id AND p.academic_year = t.y + {offset} AND p.cadence = t.{cadence}
                WHERE p.start_date <= {d} {extra}"""
            for offset, cadence in ((0, cadence_1), (1, cadence_2))
        )

    def period_of_day(cadence_1, cadence_2):
        return f"""CASE WHEN (d.academic_year = t.y AND t.{cadence_1} = 'weekly')
                          OR (d.academic_year = t.y + 1 AND t.{cadence_2} = 'weekly')
                        THEN d.weekly_period_id ELSE d.fortnightly_period_id END"""

    study_periods = track_periods("s1", "s2", "t.ect_id AS owner_id, t.ect_id AS track_id").format(src="study_ects t")
    coaching_periods = track_periods(
        "c1", "c2", "a.mentor_id AS owner_id, a.ect_id AS track_id",
        "AND p.start_date >= a.started_on AND (a.finished_on IS NULL OR p.end_date < a.finished_on)",
    ).format(src="assignments a JOIN ect_info t ON t.ect_id = a.ect_id")

    def flags(met_join):
        return f"""SELECT tp.owner_id, tp.track_id, tp.hub_id, tp.period_id, tp.start_date, tp.end_date, tp.academic_year, tp.term,
                  CASE WHEN tp.end_date < {d} THEN 1 ELSE 0 END AS judged,
                  CASE WHEN tp.start_date < tp.started OR x.period_id IS NOT NULL THEN 1 ELSE 0 END AS excused,
                  CASE WHEN mt.period_id IS NOT NULL THEN 1 ELSE 0 END AS met
                FROM {{periods}} tp
                LEFT JOIN excused x ON x.ect_id = {{ect}} AND x.period_id = tp.period_id
                LEFT JOIN {met_join}"""

    return f"""
WITH
{_people_ctes(hubs, d, year, ect_only, mentor_only)}
excused AS (
  SELECT DISTINCT s.ect_id, p.id AS period_id
  FROM participants_ectstatus s JOIN ect_info t ON t.ect_id = s.ect_id
  JOIN engagement_calendarperiod p ON p.hub_id = t.hub_id AND p.start_date <= {d}
   AND s.started_on <= p.end_date AND (s.finished_on IS NULL OR s.finished_on > p.start_date)
  WHERE s.status <> 'active' AND s.started_on <= {d}
),
study_periods AS ({study_periods}),
coaching_periods AS ({coaching_periods}),
study_met AS (
  SELECT r.ect_id, {period_of_day("s1", "s2")} AS period_id, MAX(r.done_on) AS last_on
  FROM engagement_studyrecord r JOIN study_ects t ON t.ect_id = r.ect_id
  LEFT JOIN engagement_calendarday d ON d.hub_id = t.hub_id AND d.day = r.done_on
  WHERE r.done_on <= {d}
  GROUP BY r.ect_id, {period_of_day("s1", "s2")}
),
coaching_met AS (
  SELECT c.mentor_id, c.ect_id, {period_of_day("c1", "c2")} AS period_id, MAX(c.observed_on) AS last_on
  FROM engagement_coachingcycle c JOIN mentors m ON m.mentor_id = c.mentor_id
  JOIN ect_info t ON t.ect_id = c.ect_id
  LEFT JOIN engagement_calendarday d ON d.hub_id = t.hub_id AND d.day = c.observed_on
  WHERE c.observed_on <= {d}
  GROUP BY c.mentor_id, c.ect_id, {period_of_day("c1", "c2")}
),
term_periods AS (
  SELECT p.id FROM engagement_calendarperiod p
  JOIN hub_terms ht ON ht.hub_id = p.hub_id AND ht.academic_year = p.academic_year AND ht.term = p.term
),
period_rows AS (
  SELECT 'study' AS strand, f.* FROM ({flags("study_met mt ON mt.ect_id = tp.owner_id AND mt.period_id = tp.period_id").format(periods="study_periods", ect="tp.owner_id")}) f
  UNION ALL
  SELECT 'coaching' AS strand, f.* FROM ({flags("coaching_met mt ON mt.mentor_id = tp.owner_id AND mt.ect_id = tp.track_id AND mt.period_id = tp.period_id").format(periods="coaching_periods", ect="tp.track_id")}) f
),
counted AS (
  SELECT r.*,
    MAX(CASE WHEN r.met = 1 AND r.excused = 0 THEN r.start_date END)
      OVER (PARTITION BY r.strand, r.owner_id, r.track_id) AS last_met,
    CASE WHEN r.academic_year = {year} THEN 1 ELSE 0 END AS this_year,
    CASE WHEN r.period_id IN (SELECT id FROM term_periods) THEN 1 ELSE 0 END AS this_term
  FROM period_rows r
)
{final}"""


def _sql(hub_ids, as_of, ect_ids=None, mentor_ids=None):
    """The engine: one row per person and strand, without expanding people into their periods.

    Each person's periods are *segments*: one per induction year (with that year's cadence), and
    for a mentor one per mentee and assignment. In the materialised calendar a segment's periods
    are a run of consecutive seqs [lo, hi], so how many are judged is arithmetic on seqs found by
    equality joins (`CalendarDay`). Only activity (grouped to the periods it meets) and the few
    excused periods (pauses, leavers) are rows. Consecutive missed = judged periods after the last
    met one, less the excused among them.
    """
    d = f"'{as_of.isoformat()}'"
    year = academic_year_of(as_of)
    hubs = _ids(hub_ids)
    ect_only = f"AND t.ect_id IN ({_ids(ect_ids)})" if ect_ids is not None else ""
    mentor_only = f"AND m.id IN ({_ids(mentor_ids)})" if mentor_ids is not None else ""

    def by_cadence(column, alias="d", cadence="s.cadence"):
        return f"CASE WHEN {cadence} = 'weekly' THEN {alias}.weekly_{column} ELSE {alias}.fortnightly_{column} END"

    def bigger(a, b):
        return f"CASE WHEN {a} > {b} THEN {a} ELSE {b} END"

    def smaller(a, b):
        return f"CASE WHEN {a} < {b} THEN {a} ELSE {b} END"

    def distinct_count(value, base, condition):
        """How many distinct `value`s meet `condition`: a hashable bitmap aggregate on PostgreSQL
        (values lie within 64 of `base`: one academic year's periods), COUNT(DISTINCT) elsewhere."""
        if connection.vendor == "postgresql":
            return f"COALESCE(bit_count(bit_or(CASE WHEN {condition} THEN 1::bigint << ({value} - {base}) END)::bit(64)), 0)"
        return f"COUNT(DISTINCT CASE WHEN {condition} THEN {value} END)"

    return f"""
WITH
{_people_ctes(hubs, d, year, ect_only, mentor_only)}
bounds AS (
  SELECT p.hub_id, p.cadence, MAX(p.seq) AS max_seq, MIN(c.first_day) AS first_day, MIN(c.last_day) AS last_day
  FROM engagement_calendarperiod p
  JOIN (SELECT hub_id, MIN(day) AS first_day, MAX(day) AS last_day FROM engagement_calendarday
        WHERE hub_id IN ({hubs}) GROUP BY hub_id) c ON c.hub_id = p.hub_id
  WHERE p.hub_id IN ({hubs}) GROUP BY p.hub_id, p.cadence
),
as_of AS (
  SELECT b.hub_id, b.cadence, {by_cadence("seq", cadence="b.cadence")} AS cur,
    COALESCE({by_cadence("done", cadence="b.cadence")}, CASE WHEN {d} > b.last_day THEN b.max_seq ELSE 0 END) AS done
  FROM bounds b LEFT JOIN engagement_calendarday d ON d.hub_id = b.hub_id AND d.day = {d}
),
year_seqs AS (
  SELECT hub_id, cadence, academic_year, MIN(seq) AS first_seq, MAX(seq) AS last_seq
  FROM engagement_calendarperiod WHERE hub_id IN ({hubs}) GROUP BY hub_id, cadence, academic_year
),
term_seqs AS (
  SELECT p.hub_id, p.cadence, MIN(p.seq) AS t_lo, MAX(p.seq) AS t_hi FROM engagement_calendarperiod p
  JOIN hub_terms ht ON ht.hub_id = p.hub_id AND ht.academic_year = p.academic_year AND ht.term = p.term
  GROUP BY p.hub_id, p.cadence
),
raw_segments AS (
  SELECT 'study' AS strand, t.ect_id AS owner_id, t.ect_id AS track_id, 0 AS part, 1 AS seg, t.hub_id, t.s1 AS cadence,
    t.y AS year, t.started AS lower_day, CAST(NULL AS DATE) AS upper_day FROM study_ects t
  UNION ALL
  SELECT 'study', t.ect_id, t.ect_id, 0, 2, t.hub_id, t.s2, t.y + 1, t.started, CAST(NULL AS DATE) FROM study_ects t
  UNION ALL
  SELECT 'coaching', a.mentor_id, a.ect_id, a.assignment_id, 1, t.hub_id, t.c1, t.y, {bigger("a.started_on", "t.started")}, a.finished_on
  FROM assignments a JOIN ect_info t ON t.ect_id = a.ect_id
  UNION ALL
  SELECT 'coaching', a.mentor_id, a.ect_id, a.assignment_id, 2, t.hub_id, t.c2, t.y + 1, {bigger("a.started_on", "t.started")}, a.finished_on
  FROM assignments a JOIN ect_info t ON t.ect_id = a.ect_id
),
windows AS (
  SELECT s.strand, s.owner_id, s.track_id, s.part, s.seg, s.hub_id, s.cadence, s.year,
    ys.first_seq AS year_first, ys.last_seq AS year_last, a.cur, a.done, ts.t_lo, ts.t_hi,
    COALESCE({by_cadence("next", "dl")}, CASE WHEN s.lower_day < b.first_day THEN 1 ELSE b.max_seq + 1 END) AS next_seq,
    CASE WHEN s.upper_day IS NULL THEN b.max_seq
         ELSE COALESCE({by_cadence("done", "du")}, CASE WHEN s.upper_day > b.last_day THEN b.max_seq ELSE 0 END) END AS upper_seq
  FROM raw_segments s
  JOIN bounds b ON b.hub_id = s.hub_id AND b.cadence = s.cadence
  JOIN as_of a ON a.hub_id = s.hub_id AND a.cadence = s.cadence
  JOIN year_seqs ys ON ys.hub_id = s.hub_id AND ys.cadence = s.cadence AND ys.academic_year = s.year
  LEFT JOIN term_seqs ts ON ts.hub_id = s.hub_id AND ts.cadence = s.cadence
  LEFT JOIN engagement_calendarday dl ON dl.hub_id = s.hub_id AND dl.day = s.lower_day
  LEFT JOIN engagement_calendarday du ON du.hub_id = s.hub_id AND du.day = s.upper_day
),
segments AS (
  SELECT w.*, {smaller("w.hi_win", "w.done")} AS hi_j,
    CASE WHEN w.cur IS NOT NULL AND w.cur >= w.lo AND w.cur <= w.hi_win THEN w.cur END AS cur_in,
    ROW_NUMBER() OVER (ORDER BY w.strand, w.owner_id, w.track_id, w.part, w.seg) AS segment_id
  FROM (SELECT x.*, {bigger("x.year_first", "x.next_seq")} AS lo, {smaller("x.year_last", "x.upper_seq")} AS hi_win
        FROM windows x) w
),
excused AS (
  SELECT DISTINCT s.ect_id, p.cadence, p.seq
  FROM participants_ectstatus s JOIN ect_info t ON t.ect_id = s.ect_id
  JOIN engagement_calendarperiod p ON p.hub_id = t.hub_id AND p.start_date <= {d}
   AND s.started_on <= p.end_date AND (s.finished_on IS NULL OR s.finished_on > p.start_date)
  WHERE s.status <> 'active' AND s.started_on <= {d}
),
inactive AS (
  -- each non-active status as the seqs it touches per cadence: periods ending on or after its start
  -- and starting before its end (cf. `excused`), for the row-level check on activity
  SELECT s.ect_id, b.cadence,
    COALESCE({by_cadence("done", "ds", "b.cadence")}, CASE WHEN s.started_on > b.last_day THEN b.max_seq ELSE 0 END) + 1 AS first_seq,
    CASE WHEN s.finished_on IS NULL THEN b.max_seq
         ELSE COALESCE({by_cadence("next", "df", "b.cadence")}, CASE WHEN s.finished_on < b.first_day THEN 1 ELSE b.max_seq + 1 END) - 1
    END AS last_seq
  FROM participants_ectstatus s JOIN ect_info t ON t.ect_id = s.ect_id
  JOIN bounds b ON b.hub_id = t.hub_id
  LEFT JOIN engagement_calendarday ds ON ds.hub_id = t.hub_id AND ds.day = s.started_on
  LEFT JOIN engagement_calendarday df ON df.hub_id = t.hub_id AND df.day = s.finished_on
  WHERE s.status <> 'active' AND s.started_on <= {d}
),
segment_met AS (
  SELECT a.segment_id,
    {distinct_count("a.seq", "a.lo", "a.counts = 1")} AS met,
    {distinct_count("a.seq", "a.lo", "a.counts = 1 AND a.seq >= a.t_lo AND a.seq <= a.t_hi")} AS term_met,
    MAX(CASE WHEN a.counts = 1 THEN a.seq END) AS last_seq,
    MAX(CASE WHEN a.counts = 1 AND a.seq = a.cur_in THEN 1 ELSE 0 END) AS cur_met,
    MAX(a.day) AS last_on
  FROM (
    SELECT g.segment_id, g.lo, g.t_lo, g.t_hi, g.cur_in, r.day, {by_cadence("seq", cadence="g.cadence")} AS seq,
      CASE WHEN i.ect_id IS NULL AND {by_cadence("seq", cadence="g.cadence")} >= g.lo
            AND ({by_cadence("seq", cadence="g.cadence")} <= g.hi_j OR {by_cadence("seq", cadence="g.cadence")} = g.cur_in)
           THEN 1 ELSE 0 END AS counts
    FROM (
      SELECT 'study' AS strand, hub_id, ect_id AS owner_id, ect_id AS track_id, done_on AS day
      FROM engagement_studyrecord WHERE hub_id IN ({hubs}) AND done_on <= {d}
      UNION ALL
      SELECT 'coaching', hub_id, mentor_id, ect_id, observed_on
      FROM engagement_coachingcycle WHERE hub_id IN ({hubs}) AND observed_on <= {d}
    ) r
    JOIN engagement_calendarday d ON d.hub_id = r.hub_id AND d.day = r.day
    JOIN segments g ON g.strand = r.strand AND g.owner_id = r.owner_id AND g.track_id = r.track_id AND g.year = d.academic_year
    LEFT JOIN inactive i ON i.ect_id = r.track_id AND i.cadence = g.cadence
     AND {by_cadence("seq", cadence="g.cadence")} >= i.first_seq AND {by_cadence("seq", cadence="g.cadence")} <= i.last_seq
  ) a
  GROUP BY a.segment_id
),
track_last AS (
  SELECT g.strand, g.owner_id, g.track_id, g.part, MAX(g.seg * 1000000 + m.last_seq) AS pos
  FROM segment_met m JOIN segments g ON g.segment_id = m.segment_id
  WHERE m.last_seq IS NOT NULL GROUP BY g.strand, g.owner_id, g.track_id, g.part
),
scored AS (
  SELECT g.*, COALESCE(sm.met, 0) AS met, COALESCE(sm.term_met, 0) AS term_met, COALESCE(sm.cur_met, 0) AS cur_met,
    tl.pos / 1000000 AS met_seg, tl.pos % 1000000 AS met_seq,
    CASE WHEN g.hi_j >= g.lo THEN g.hi_j - g.lo + 1 ELSE 0 END AS judged,
    CASE WHEN g.t_lo IS NULL THEN 0
         WHEN {smaller("g.hi_j", "g.t_hi")} >= {bigger("g.lo", "g.t_lo")}
         THEN {smaller("g.hi_j", "g.t_hi")} - {bigger("g.lo", "g.t_lo")} + 1 ELSE 0 END AS term_judged
  FROM segments g
  LEFT JOIN segment_met sm ON sm.segment_id = g.segment_id
  LEFT JOIN track_last tl ON tl.strand = g.strand AND tl.owner_id = g.owner_id AND tl.track_id = g.track_id AND tl.part = g.part
),
segment_excused AS (
  SELECT g.strand, g.owner_id, g.track_id, g.part, g.seg,
    SUM(CASE WHEN x.seq <= g.hi_j THEN 1 ELSE 0 END) AS judged,
    SUM(CASE WHEN x.seq <= g.hi_j AND (g.met_seg IS NULL OR g.seg > g.met_seg OR (g.seg = g.met_seg AND x.seq > g.met_seq))
             THEN 1 ELSE 0 END) AS after_last_met,
    SUM(CASE WHEN x.seq <= g.hi_j AND x.seq >= g.t_lo AND x.seq <= g.t_hi THEN 1 ELSE 0 END) AS term_judged
  FROM scored g JOIN excused x ON x.ect_id = g.track_id AND x.cadence = g.cadence AND x.seq >= g.lo AND x.seq <= g.hi_win
  GROUP BY g.strand, g.owner_id, g.track_id, g.part, g.seg
),
segment_figures AS (
  SELECT g.strand, g.owner_id, g.track_id, g.part,
    g.judged - COALESCE(x.judged, 0) + g.cur_met AS expected,
    g.met,
    g.term_judged - COALESCE(x.term_judged, 0)
      + CASE WHEN g.cur_met = 1 AND g.cur_in >= g.t_lo AND g.cur_in <= g.t_hi THEN 1 ELSE 0 END AS term_expected,
    g.term_met,
    CASE WHEN g.year = {year} THEN g.judged - COALESCE(x.judged, 0) + g.cur_met ELSE 0 END AS year_expected,
    CASE WHEN g.year = {year} THEN g.met ELSE 0 END AS year_met,
    CASE WHEN g.met_seg IS NULL OR g.seg > g.met_seg THEN g.judged
         WHEN g.seg = g.met_seg AND g.hi_j > g.met_seq THEN g.hi_j - g.met_seq ELSE 0 END
      - COALESCE(x.after_last_met, 0) AS missed_after
  FROM scored g LEFT JOIN segment_excused x ON x.strand = g.strand AND x.owner_id = g.owner_id
   AND x.track_id = g.track_id AND x.part = g.part AND x.seg = g.seg
),
track_figures AS (
  SELECT strand, owner_id, SUM(expected) AS expected, SUM(met) AS met, SUM(term_expected) AS term_expected,
    SUM(term_met) AS term_met, SUM(year_expected) AS year_expected, SUM(year_met) AS year_met,
    SUM(missed_after) AS consecutive
  FROM segment_figures GROUP BY strand, owner_id, track_id, part
),
per_owner AS (
  SELECT strand, owner_id, SUM(expected) AS expected, SUM(met) AS met, SUM(term_expected) AS term_expected,
    SUM(term_met) AS term_met, SUM(year_expected) AS year_expected, SUM(year_met) AS year_met,
    MAX(consecutive) AS consecutive
  FROM track_figures GROUP BY strand, owner_id
),
last_activity AS (
  SELECT g.strand, g.owner_id, MAX(m.last_on) AS last_on FROM segment_met m JOIN segments g ON g.segment_id = m.segment_id
  GROUP BY g.strand, g.owner_id
),
mentees_now AS (
  SELECT mentor_id, COUNT(*) AS mentees FROM assignments WHERE finished_on IS NULL OR finished_on > {d} GROUP BY mentor_id
)
SELECT 'study' AS strand, t.hub_id, t.school_id, t.ect_id, NULL AS mentor_id, t.y AS cohort_start_year,
  COALESCE(o.expected, 0) AS periods_expected, COALESCE(o.met, 0) AS periods_met,
  COALESCE(o.term_expected, 0) AS term_expected, COALESCE(o.term_met, 0) AS term_met,
  COALESCE(o.year_expected, 0) AS year_expected, COALESCE(o.year_met, 0) AS year_met,
  COALESCE(o.consecutive, 0) AS consecutive_missed, la.last_on AS last_activity_on, NULL AS current_mentees
FROM study_ects t
LEFT JOIN per_owner o ON o.strand = 'study' AND o.owner_id = t.ect_id
LEFT JOIN last_activity la ON la.strand = 'study' AND la.owner_id = t.ect_id
UNION ALL
SELECT 'coaching', m.hub_id, m.school_id, NULL, m.mentor_id, NULL,
  COALESCE(o.expected, 0), COALESCE(o.met, 0), COALESCE(o.term_expected, 0), COALESCE(o.term_met, 0),
  COALESCE(o.year_expected, 0), COALESCE(o.year_met, 0), COALESCE(o.consecutive, 0), la.last_on, COALESCE(mn.mentees, 0)
FROM mentors m
LEFT JOIN per_owner o ON o.strand = 'coaching' AND o.owner_id = m.mentor_id
LEFT JOIN last_activity la ON la.strand = 'coaching' AND la.owner_id = m.mentor_id
LEFT JOIN mentees_now mn ON mn.mentor_id = m.mentor_id
"""


def _date(value):
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def _tune(cursor):
    """PostgreSQL plans this analytic statement best with hash joins and room to hash in memory.

    Its row estimates for the CTEs are far too low (ranges over dates), and a nested loop over
    millions of activity rows would be quadratic; JIT compiling the long statement costs seconds
    and saves nothing. Local to the transaction.
    """
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL join_collapse_limit = 1")
        cursor.execute("SET LOCAL work_mem = '256MB'")


@transaction.atomic
def engagement_rows(hub_ids, as_of, ect_ids=None, mentor_ids=None):
    """Every person's figures as of `as_of` (one row per person and strand), computed in one query."""
    with connection.cursor() as cursor:
        _tune(cursor)
        cursor.execute(_sql(hub_ids, as_of, ect_ids, mentor_ids))
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


STATUS_CASE = "CASE WHEN e.consecutive_missed = 0 THEN 'on_track' WHEN e.consecutive_missed = 1 THEN 'at_risk' ELSE 'off_track' END"
STORED = (
    "hub_id, school_id, strand, ect_id, mentor_id, as_of, cohort, periods_expected, periods_met, term_expected, "
    "term_met, year_expected, year_met, consecutive_missed, status, last_activity_on, current_mentees, computed_at"
)


def _lock(hub_ids):
    """Serialise recomputes of the same hubs (a second concurrent run waits, then redoes the same)."""
    from schools.models import Hub

    list(Hub.objects.select_for_update().filter(id__in=hub_ids).order_by("id").values_list("id", flat=True))


@transaction.atomic
def store(hub_ids, as_of, ect_ids=None, mentor_ids=None):
    """Recompute and store `Engagement` rows for the hubs (or only the given people) as of `as_of`.

    Idempotent: the affected rows are replaced in one transaction under a lock on the hubs.
    """
    hub_ids = sorted(hub_ids)
    _lock(hub_ids)
    doomed = Engagement.objects.with_scopes_disabled().filter(hub_id__in=hub_ids)
    if ect_ids is not None or mentor_ids is not None:
        from django.db.models import Q

        doomed = doomed.filter(Q(ect_id__in=ect_ids or []) | Q(mentor_id__in=mentor_ids or []))
    doomed.delete()
    engine = _sql(hub_ids, as_of, ect_ids, mentor_ids)
    with connection.cursor() as cursor:
        _tune(cursor)
        cursor.execute(
            f"""INSERT INTO engagement_engagement ({STORED})
            SELECT e.hub_id, e.school_id, e.strand, e.ect_id, e.mentor_id, '{as_of.isoformat()}', {_cohort_case(as_of)},
              e.periods_expected, e.periods_met, e.term_expected, e.term_met, e.year_expected, e.year_met,
              e.consecutive_missed, {STATUS_CASE}, e.last_activity_on, e.current_mentees, CURRENT_TIMESTAMP
            FROM ({engine}) e"""
        )
        return cursor.rowcount


TREND_SELECT = """SELECT e.hub_id, e.school_id, e.strand, '{week}', COUNT(*),
    SUM(CASE WHEN e.consecutive_missed = 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.consecutive_missed = 1 THEN 1 ELSE 0 END),
    SUM(CASE WHEN e.consecutive_missed >= 2 THEN 1 ELSE 0 END)
  FROM ({source}) e GROUP BY e.hub_id, e.school_id, e.strand"""


@transaction.atomic
def store_trend(hub_ids, as_of, from_stored=True):
    """Record each school's people on track per strand for the week of `as_of`.

    From the stored `Engagement` rows (today's), or — for past weeks — straight from the engine.
    """
    from engagement.models import EngagementTrend
    from engagement.periods import monday_of

    hub_ids = sorted(hub_ids)
    _lock(hub_ids)
    week = monday_of(as_of)
    EngagementTrend.objects.with_scopes_disabled().filter(hub_id__in=hub_ids, week=week).delete()
    source = (
        f"SELECT * FROM engagement_engagement WHERE hub_id IN ({_ids(hub_ids)})" if from_stored else _sql(hub_ids, as_of)
    )
    with connection.cursor() as cursor:
        _tune(cursor)
        cursor.execute(
            "INSERT INTO engagement_engagementtrend (hub_id, school_id, strand, week, people, on_track, at_risk, off_track) "
            + TREND_SELECT.format(week=week.isoformat(), source=source)
        )


def recompute(hubs, as_of, ect_ids=None, mentor_ids=None):
    """Bring the hubs' calendars up to date, then store their engagement and this week's trend."""
    from engagement.calendar import sync_calendar
    from schools.scoping import hub_scope

    for hub in hubs:
        with hub_scope(hub):
            sync_calendar(hub)
    hub_ids = [hub.id for hub in hubs]
    count = store(hub_ids, as_of, ect_ids, mentor_ids)
    store_trend(hub_ids, as_of)
    return count


@dataclass(frozen=True)
class PeriodOutcome:
    strand: str
    track_id: int  # the ECT (study: the ECT itself; coaching: the mentee)
    start: datetime.date
    end: datetime.date
    judged: bool
    excused: bool
    met: bool

    @property
    def outcome(self):
        if self.excused:
            return "excused"
        if self.met:
            return "met"
        return "missed" if self.judged else "in_progress"


def period_history(hub_id, as_of, ect_id=None, mentor_id=None):
    """One person's periods up to `as_of` with their outcomes, as the engine judged them."""
    strand, owner = ("study", ect_id) if ect_id else ("coaching", mentor_id)
    final = f"""SELECT strand, track_id, start_date, end_date, judged, excused, met FROM counted
        WHERE strand = '{strand}' AND owner_id = {int(owner)} ORDER BY track_id, start_date"""
    sql = _expanded_sql([hub_id], as_of, [ect_id] if ect_id else [], [mentor_id] if mentor_id else [], final)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [
            PeriodOutcome(r[0], r[1], _date(r[2]), _date(r[3]), bool(r[4]), bool(r[5]), bool(r[6])) for r in cursor.fetchall()
        ]

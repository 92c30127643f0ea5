"""Build the benchmark data sets in PostgreSQL (server-side SQL, so millions of rows take seconds).

- national: 90 hubs, 20,000 schools, 60,000 ECTs (cohorts 2024 and 2025, both programmes),
  50,000 mentors, 20,000 induction tutors, term dates for 2024/25 and 2025/26, and two years of
  study and coaching activity (about 5 million rows) up to the as-of date;
- hub: one hub ("bench-hub") with 400 schools and 2,000 ECTs, for the dashboards.

Engagement varies per person (most study and are observed in ~90% of periods, one in ten in about
half, some stopped a few weeks ago; a few ECTs are paused or have left). Then the engine computes
every figure and the hub's weekly trend for the last 12 weeks.

    uv run python bench/generate.py [--as-of 2026-07-10] [--scale 1.0]
"""

import argparse
import datetime
import time

from common import setup

TERMS = [  # 2024/25 and 2025/26 (../shared/data/term_dates_example.csv)
    (2024, "autumn1", "2024-09-03", "2024-10-25"), (2024, "autumn2", "2024-11-04", "2024-12-20"),
    (2024, "spring1", "2025-01-06", "2025-02-14"), (2024, "spring2", "2025-02-24", "2025-04-04"),
    (2024, "summer1", "2025-04-22", "2025-05-23"), (2024, "summer2", "2025-06-02", "2025-07-22"),
    (2025, "autumn1", "2025-09-03", "2025-10-24"), (2025, "autumn2", "2025-11-03", "2025-12-19"),
    (2025, "spring1", "2026-01-05", "2026-02-13"), (2025, "spring2", "2026-02-23", "2026-03-27"),
    (2025, "summer1", "2026-04-13", "2026-05-22"), (2025, "summer2", "2026-06-01", "2026-07-21"),
]


def build(cursor, prefix, hubs, schools, ects, mentors, urn_base, as_of):
    """One data set: hubs named `{prefix}-N`; every row made by set-based SQL."""
    run = cursor.execute
    d = f"DATE '{as_of.isoformat()}'"
    run(f"""INSERT INTO schools_hub (slug, name, code, created_at, contact_email)
        SELECT '{prefix}-' || i, 'Bench hub {prefix} ' || i, gen_random_uuid(), now(), '' FROM generate_series(1, {hubs}) i""")
    run(f"""CREATE TEMP TABLE b_hub ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY id) AS n, id FROM schools_hub WHERE slug LIKE '{prefix}-%'""")
    run(f"""INSERT INTO schools_halfterm (academic_year, name, start_date, end_date, hub_id)
        SELECT t.y, t.name, t.s::date, t.e::date, h.id FROM b_hub h,
        (VALUES {", ".join(f"({y}, '{n}', '{s}', '{e}')" for y, n, s, e in TERMS)}) AS t(y, name, s, e)""")
    run(f"""INSERT INTO schools_school (code, urn, name, created_at, hub_id)
        SELECT gen_random_uuid(), ({urn_base} + g.n)::text, 'Bench school ' || g.n, now(), h.id
        FROM generate_series(1, {schools}) g(n) JOIN b_hub h ON h.n = ((g.n - 1) % {hubs}) + 1""")
    run(f"""CREATE TEMP TABLE b_school ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY id) AS n, id, hub_id FROM schools_school
        WHERE urn::int BETWEEN {urn_base + 1} AND {urn_base + schools}""")
    for role, count in (("ect", ects), ("mentor", mentors), ("tutor", schools)):
        run(f"""INSERT INTO participants_user (password, is_superuser, email, first_name, last_name, is_active, is_staff, date_joined)
            SELECT '!', false, '{prefix}-{role}-' || n || '@bench.example.org', initcap('{role}'), 'Number ' || n, true, false, now()
            FROM generate_series(1, {count}) n""")
        run(f"""CREATE TEMP TABLE b_{role} ON COMMIT DROP AS
            SELECT g.n, u.id AS user_id, s.id AS school_id, s.hub_id, NULL::bigint AS person_id
            FROM generate_series(1, {count}) g(n)
            JOIN participants_user u ON u.email = '{prefix}-{role}-' || g.n || '@bench.example.org'
            JOIN b_school s ON s.n = ((g.n - 1) % {schools}) + 1""")
        run(f"""INSERT INTO participants_person (code, first_name, last_name, hub_role, trn, created_at, confirmed_at, hub_id, user_id)
            SELECT gen_random_uuid(), u.first_name, u.last_name, '', '', now(), now(), b.hub_id, b.user_id
            FROM b_{role} b JOIN participants_user u ON u.id = b.user_id""")
        run(f"UPDATE b_{role} b SET person_id = p.id FROM participants_person p WHERE p.user_id = b.user_id")
    run("""INSERT INTO participants_inductiontutor (started_on, finished_on, code, hub_id, school_id, person_id)
        SELECT DATE '2024-09-01', NULL, gen_random_uuid(), hub_id, school_id, person_id FROM b_tutor""")
    run("""INSERT INTO participants_mentor (started_on, finished_on, code, hub_id, school_id, person_id, previously_trained)
        SELECT DATE '2024-09-01', NULL, gen_random_uuid(), hub_id, school_id, person_id, false FROM b_mentor""")
    # ECTs: odd n cohort 2024 (ECF 2021), even n cohort 2025 (a quarter ECF 2021, the rest ECTE 2025)
    run("""INSERT INTO participants_ect (code, programme, cohort_start_year, induction_start_date, fte, created_at, hub_id, school_id, person_id)
        SELECT gen_random_uuid(),
          CASE WHEN n % 2 = 1 OR n % 8 = 0 THEN 'ecf2021' ELSE 'ecte2025' END,
          CASE WHEN n % 2 = 1 THEN 2024 ELSE 2025 END,
          make_date(CASE WHEN n % 2 = 1 THEN 2024 ELSE 2025 END, 9, 1 + (n % 4)),
          CASE WHEN n % 25 = 0 THEN 0.6 ELSE 1.0 END, now(), hub_id, school_id, person_id
        FROM b_ect""")
    run("""CREATE TEMP TABLE b_ects ON COMMIT DROP AS
        SELECT b.n, e.id, e.hub_id, e.school_id, e.induction_start_date FROM b_ect b JOIN participants_ect e ON e.person_id = b.person_id""")
    run("""INSERT INTO participants_ectatschool (started_on, finished_on, ect_id, hub_id, school_id)
        SELECT induction_start_date, NULL, id, hub_id, school_id FROM b_ects""")
    # Statuses: everyone active from induction; 1 in 33 paused 40 days ago; 1 in 50 left 60 days ago
    run(f"""INSERT INTO participants_ectstatus (started_on, finished_on, status, note, ect_id, hub_id)
        SELECT induction_start_date,
          CASE WHEN n % 33 = 0 THEN {d} - 40 WHEN n % 50 = 7 THEN {d} - 60 END, 'active', '', id, hub_id FROM b_ects""")
    run(f"""INSERT INTO participants_ectstatus (started_on, finished_on, status, note, ect_id, hub_id)
        SELECT CASE WHEN n % 33 = 0 THEN {d} - 40 ELSE {d} - 60 END, NULL,
          CASE WHEN n % 33 = 0 THEN 'paused' ELSE 'left' END, '', id, hub_id
        FROM b_ects WHERE n % 33 = 0 OR n % 50 = 7""")
    # Each ECT is mentored by one of their school's mentors
    run("""CREATE TEMP TABLE b_mentors ON COMMIT DROP AS
        SELECT m.id, m.school_id, row_number() OVER (PARTITION BY m.school_id ORDER BY m.id) - 1 AS k,
               count(*) OVER (PARTITION BY m.school_id) AS c
        FROM participants_mentor m JOIN b_school s ON s.id = m.school_id""")
    run(f"""INSERT INTO participants_mentorassignment (started_on, finished_on, ect_id, hub_id, mentor_id)
        SELECT e.induction_start_date, NULL, e.id, e.hub_id, m.id
        FROM b_ects e JOIN b_mentors m ON m.school_id = e.school_id AND m.k = ((e.n - 1) / {schools}) % m.c""")


def activity(cursor, as_of):
    """Study and coaching over each person's periods up to `as_of`, from the materialised calendar."""
    run = cursor.execute
    d = f"DATE '{as_of.isoformat()}'"

    def chance(key):
        return f"((hashtext({key}) & 1023) / 1024.0)"

    # per-person reliability: most 0.92, one in ten 0.5, one in twenty stopped 3 weeks ago
    run(f"""CREATE TEMP TABLE b_track ON COMMIT DROP AS
        SELECT e.id AS ect_id, e.hub_id, e.cohort_start_year AS y, e.induction_start_date AS started,
          pv.study_cadence_ect1 AS s1, pv.study_cadence_ect2 AS s2, pv.coaching_cadence_ect1 AS c1,
          pv.coaching_cadence_ect2 AS c2, pv.id AS programme_id,
          CASE WHEN e.id % 10 = 0 THEN 0.5 ELSE 0.92 END AS p,
          CASE WHEN e.id % 20 = 3 THEN {d} - 21 ELSE {d} END AS until
        FROM participants_ect e JOIN engagement_programmeversion pv ON pv.code = e.programme""")
    run(f"""INSERT INTO engagement_studyrecord (done_on, source, created_at, ect_id, hub_id, module_id, recorded_by_id)
        SELECT x.day, 'import', now(), x.ect_id, x.hub_id, m.id, NULL FROM (
          SELECT t.ect_id, t.hub_id, t.programme_id, t.p, t.until, p.academic_year - t.y + 1 AS year,
            row_number() OVER (PARTITION BY t.ect_id, p.academic_year ORDER BY p.start_date) AS k,
            GREATEST(p.start_date + (abs(hashtext(t.ect_id || ':' || p.id)) % 5), t.started) AS day, p.id AS period_id
          FROM b_track t JOIN engagement_calendarperiod p ON p.hub_id = t.hub_id AND (
            (p.academic_year = t.y AND p.cadence = t.s1) OR (p.academic_year = t.y + 1 AND p.cadence = t.s2))
          WHERE p.start_date <= {d}
        ) x JOIN engagement_module m ON m.programme_id = x.programme_id AND m.year = x.year AND m."order" = x.k
        WHERE x.day <= x.until AND {chance("x.ect_id || '/' || x.period_id")} < x.p""")
    run(f"""INSERT INTO engagement_coachingcycle (code, observed_on, observation_minutes, class_subject, focus, observation_notes,
          feedback_on, action_step, model_shown, practice, next_steps, pastoral, source, created_at, updated_at, unlocked_until,
          ect_id, hub_id, mentor_id)
        SELECT gen_random_uuid(), x.day, 15, '', '', '', CASE WHEN x.day < {d} THEN x.day + 1 END, '', '', '', '', false,
          'import', now(), now(), NULL, x.ect_id, x.hub_id, x.mentor_id FROM (
          SELECT a.mentor_id, t.ect_id, t.hub_id, t.p, t.until, p.id AS period_id,
            GREATEST(p.start_date + (abs(hashtext(a.mentor_id || ':' || p.id)) % 5), a.started_on) AS day
          FROM participants_mentorassignment a JOIN b_track t ON t.ect_id = a.ect_id
          JOIN engagement_calendarperiod p ON p.hub_id = t.hub_id AND (
            (p.academic_year = t.y AND p.cadence = t.c1) OR (p.academic_year = t.y + 1 AND p.cadence = t.c2))
          WHERE p.start_date <= {d}
        ) x WHERE x.day <= x.until AND {chance("x.mentor_id || '~' || x.period_id")} < x.p""")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--as-of", default="2026-07-10", type=datetime.date.fromisoformat)
    parser.add_argument("--scale", default=1.0, type=float, help="shrink or grow the national set (1.0 = the issue's sizes)")
    args = parser.parse_args()
    setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from engagement import compute
    from engagement.calendar import sync_calendar
    from schools.models import Hub
    from schools.scoping import hub_scope, scopes_disabled

    started = time.perf_counter()
    with connection.cursor() as cursor:  # start from an empty database (data migrations included)
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    s = args.scale
    with transaction.atomic(), connection.cursor() as cursor:
        build(cursor, "nat", 90, int(20_000 * s), int(60_000 * s), int(50_000 * s), 1_000_000, args.as_of)
    with transaction.atomic(), connection.cursor() as cursor:
        build(cursor, "bench", 1, 400, 2_000, 1_700, 2_000_000, args.as_of)
    hubs = list(Hub.objects.all())
    for hub in hubs:
        with hub_scope(hub):
            sync_calendar(hub)
    with transaction.atomic(), connection.cursor() as cursor:
        activity(cursor, args.as_of)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would, however the server is configured
    print(f"built in {time.perf_counter() - started:.1f} s")
    with scopes_disabled():
        compute.store([hub.id for hub in hubs], args.as_of)
        hub = Hub.objects.get(slug="bench-1")
        for weeks_ago in range(11, 0, -1):
            compute.store_trend([hub.id], args.as_of - datetime.timedelta(weeks=weeks_ago), from_stored=False)
        compute.store_trend([hub.id], args.as_of)
    with connection.cursor() as cursor:
        for table in ("schools_hub", "schools_school", "participants_ect", "participants_mentor", "participants_mentorassignment",
                      "engagement_studyrecord", "engagement_coachingcycle", "engagement_engagement", "engagement_engagementtrend"):
            cursor.execute(f"SELECT count(*) FROM {table}")
            print(f"{table:32} {cursor.fetchone()[0]:>10,}")
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()

"""Recompute every person's engagement in the national set, against a raw GROUP BY of the same rows.

Figures, each the median of three runs after a warm-up, in the same run on the same database
(vacuumed and analysed first):

- raw GROUP BY: the activity rows counted per person, written into a temporary table;
- nightly recompute: `compute.store_hubs` of every hub, as the nightly job runs it (the figures
  computed from the weeks with activity, which triggers keep as activity is written, compared
  with the stored ones and only changed rows written, then this week's trend from the same rows;
  the hubs split over ENGAGEMENT_RECOMPUTE_CONNECTIONS connections at once), and the same on one
  connection;
- recompute rewriting every row: the same after every stored row was made to differ (as on the
  night after a period ends, when everyone's periods expected move on, or when a year starts),
  the table vacuumed first as autovacuum would between two nights;
- rebuilding the weeks with activity from every activity row (what the triggers save the
  nightly run; done once, when they were installed).

    uv run python bench/generate.py && uv run python bench/recompute.py [--as-of 2026-07-10]
"""

import argparse
import datetime
import statistics

from common import setup, timed

BASELINE = """CREATE TEMP TABLE bench_group_by AS
  SELECT ect_id AS id, COUNT(*) AS n FROM engagement_studyrecord GROUP BY ect_id
  UNION ALL
  SELECT mentor_id, COUNT(*) FROM engagement_coachingcycle GROUP BY mentor_id"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--as-of", default="2026-07-10", type=datetime.date.fromisoformat)
    args = parser.parse_args()
    setup()
    from django.conf import settings
    from django.db import connection, transaction

    from engagement import compute, weeks
    from schools.models import Hub

    hub_ids = list(Hub.objects.values_list("id", flat=True))
    with connection.cursor() as cursor:
        # as autovacuum keeps a production database: statistics and visibility maps up to date (the
        # GROUP BY can then read the activity through index-only scans)
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT (SELECT COUNT(*) FROM engagement_studyrecord), (SELECT COUNT(*) FROM engagement_coachingcycle)")
        study, coaching = cursor.fetchone()

    def baseline():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(BASELINE)
            cursor.execute("SELECT COUNT(*) FROM bench_group_by")
            groups = cursor.fetchone()[0]
            cursor.execute("DROP TABLE bench_group_by")
        return groups

    def recompute():
        return compute.store_hubs(hub_ids, args.as_of)

    def on_one_connection():
        return compute.store_hubs(hub_ids, args.as_of, connections=1)

    def rewrite():
        """Seconds of a recompute after every stored row was made to differ (then vacuumed, as
        autovacuum would between two nights)."""
        with connection.cursor() as cursor:
            cursor.execute("UPDATE engagement_engagement SET periods_met = periods_met + 1000")
            cursor.execute("VACUUM engagement_engagement")
        return timed(recompute)[0]

    def rebuild_weeks():
        with transaction.atomic(), connection.cursor() as cursor:
            weeks.rebuild(cursor)

    baseline(), recompute()  # warm the caches
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM engagement_engagement")
        people = cursor.fetchone()[0]
    base_s, groups = timed(baseline, repeat=3)
    nightly_s, _ = timed(recompute, repeat=3)
    single_s, _ = timed(on_one_connection, repeat=3)
    rewrite_s = statistics.median(rewrite() for _ in range(3))
    rebuild_s, _ = timed(rebuild_weeks)
    print(f"activity rows              {study + coaching:>12,}  ({study:,} study, {coaching:,} coaching)")
    print(f"hubs                       {len(hub_ids):>12,}")
    print(f"raw GROUP BY               {base_s:>12.2f} s  ({groups:,} groups)")
    print(f"nightly recompute          {nightly_s:>12.2f} s  ({people:,} people and strands)   {nightly_s / base_s:5.2f} x")
    print(f"  the same on one connection{single_s:>12.2f} s                                      {single_s / base_s:5.2f} x")
    print(f"recompute, every row new   {rewrite_s:>12.2f} s  (all {people:,} rows rewritten)      {rewrite_s / base_s:5.2f} x")
    print(f"rebuild weeks from activity{rebuild_s:>12.2f} s  (once, when the triggers are installed)")
    print(f"connections at once        {settings.ENGAGEMENT_RECOMPUTE_CONNECTIONS:>12}")
    print("target: recompute <= 3x the raw GROUP BY, and < 30 s")


if __name__ == "__main__":
    main()

"""Recompute every person's engagement in the national set, against a raw GROUP BY of the same rows.

Both write their result (the GROUP BY into a temporary table, the engine into `Engagement`), and
each is timed as the median of three runs after a warm-up, in the same run on the same database.

    uv run python bench/generate.py && uv run python bench/recompute.py [--as-of 2026-07-10]
"""

import argparse
import datetime

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
    from django.db import connection, transaction

    from engagement import compute
    from schools.models import Hub

    hub_ids = list(Hub.objects.values_list("id", flat=True))
    with connection.cursor() as cursor:
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
        return compute.store(hub_ids, args.as_of)

    baseline(), recompute()  # warm the caches
    base_s, groups = timed(baseline, repeat=3)
    engine_s, people = timed(recompute, repeat=3)
    print(f"activity rows            {study + coaching:>12,}  ({study:,} study, {coaching:,} coaching)")
    print(f"hubs                     {len(hub_ids):>12,}")
    print(f"raw GROUP BY             {base_s:>12.2f} s  ({groups:,} groups)")
    print(f"engagement recompute     {engine_s:>12.2f} s  ({people:,} people and strands stored)")
    print(f"ratio                    {engine_s / base_s:>12.2f} x  (target <= 3x, and < 30 s)")


if __name__ == "__main__":
    main()

"""The 75% engagement evidence of the 400-school hub ("bench-1" of the hub-scale set), as
`manage.py evidence` computes it: the engine's per-track year counts for the whole hub
(`evidence.evidence`), then the export's rows with school URNs and e-mails (`evidence.export_rows`)
and the CSV. Seconds (median of the runs after a warm-up), queries and peak Python memory.
Run `bench/generate.py` first.

    uv run python bench/evidence.py [--as-of 2026-07-10] [--runs 5]
"""

import argparse
import datetime
import io
import tracemalloc

from common import setup, timed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--as-of", default="2026-07-10", type=datetime.date.fromisoformat)
    parser.add_argument("--runs", default=5, type=int)
    args = parser.parse_args()
    setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from engagement.calendar import sync_calendar
    from engagement.reports import evidence
    from schools.models import Hub
    from schools.scoping import hub_scope

    hub = Hub.objects.get(slug="bench-1")

    def export():
        stream = io.StringIO()
        evidence.write_csv(evidence.export_rows(hub, args.as_of), stream)
        return stream.getvalue()

    with hub_scope(hub):
        sync_calendar(hub)
        with CaptureQueriesContext(connection) as queries:
            rows = evidence.evidence(hub, args.as_of)
            csv = export()
        tracemalloc.start()
        export()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        compute_seconds, _ = timed(lambda: evidence.evidence(hub, args.as_of), repeat=args.runs)
        export_seconds, _ = timed(export, repeat=args.runs)
        schools = hub.schools.count()
    people = len({(r.ect_id, r.mentor_id) for r in rows})
    print(f"hub bench-1: {schools} schools, as of {args.as_of}: {len(rows):,} evidence rows for {people:,} people")
    print(f"{'step':46} {'seconds':>8}")
    print(f"{'evidence (the engine, whole hub)':46} {compute_seconds:8.3f}")
    print(f"{'manage.py evidence: rows, URNs, e-mails, CSV':46} {export_seconds:8.3f}")
    print(f"queries (evidence, then the export again): {len(queries)}; CSV {len(csv):,} bytes; "
          f"peak Python memory of the export {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()

"""The nightly nudge run over the national data set, against the engine's nightly recompute.

Every hub of the set (`bench/generate.py`) is run as the nightly job runs hubs due at the same time
(`nudges.sending.run_hubs`: the engine's figures of every hub in one query, then per hub
plan from the engine's figures, decide, record), and every e-mail made is sent with Django's
in-memory e-mail backend (`send_emails`: a batch claimed in one statement, each e-mail sent and
marked sent on its own). Figures, in the same run on the same database:

- nightly recompute: `compute.store_hubs` of every hub (median of three after a warm-up);
- nudge run: planning (the engine's figures, planning, deciding), recording (rendering the
  e-mails, inserting the rows) and sending every message, from no nudges at all;
- rerun: the same again (it must find no new message).

    BENCH_DATABASE_URL=postgres://…/ect_bench uv run python bench/nudges.py [--as-of 2026-07-10]
"""

import argparse
import datetime
import os
import time
from collections import Counter

from common import setup, timed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--as-of", default="2026-07-10", type=datetime.date.fromisoformat)
    args = parser.parse_args()
    setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection

    from engagement import compute
    from nudges import sending
    from nudges.models import Nudge
    from schools.models import Hub

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)  # the nudges tables, if the set was built before them
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE nudges_nudge, nudges_nudgeemail, nudges_hubnudgesettings, nudges_optout, nudges_schoolpause")
        cursor.execute("VACUUM ANALYZE")
    hubs = list(Hub.objects.order_by("id"))
    hub_ids = [hub.id for hub in hubs]

    compute.store_hubs(hub_ids, args.as_of)  # warm the caches
    nightly_s, _ = timed(lambda: compute.store_hubs(hub_ids, args.as_of), repeat=3)

    def nudge_run():
        made, statuses = 0, Counter()
        mail.outbox = []
        start = time.perf_counter()
        results = sending.run_hubs(hubs, args.as_of)
        run_s = time.perf_counter() - start
        recording_s = sum(result.recording_s for result in results.values())
        start = time.perf_counter()
        for result in results.values():
            made += result.new
            statuses.update(sending.send_emails([email.pk for email in result.emails]).values())
        return made, statuses, (run_s - recording_s, recording_s, time.perf_counter() - start)

    first_s, (made, sent, (planning_s, recording_s, sending_s)) = timed(nudge_run)
    outcomes = Counter(Nudge.objects.with_scopes_disabled().values_list("status", flat=True))
    rules = Counter(Nudge.objects.with_scopes_disabled().values_list("rule", flat=True))
    delivered = len(mail.outbox)
    rerun_s, (again, resent, (replanning_s, _, _)) = timed(nudge_run)
    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT COUNT(*) FROM participants_ect), (SELECT COUNT(*) FROM participants_mentor)")
        ects, mentors = cursor.fetchone()
    print(f"hubs                       {len(hubs):>10,}   ({ects:,} ECTs, {mentors:,} mentors), as of {args.as_of}")
    print(f"nightly recompute          {nightly_s:>10.2f} s")
    print(f"nudge run                  {first_s:>10.2f} s   {first_s / nightly_s:5.2f} x the recompute")
    print(f"  planning                 {planning_s:>10.2f} s   (the engine's figures, planning, deciding)")
    print(f"  recording                {recording_s:>10.2f} s   (rendering the e-mails, inserting the rows)")
    print(f"  sending                  {sending_s:>10.2f} s")
    print(f"  messages recorded        {made:>10,}   {dict(sorted(outcomes.items()))}")
    print(f"  by rule                  {'':>10}   {dict(sorted(rules.items()))}")
    print(f"  e-mails sent             {delivered:>10,}   {dict(sent)}")
    print(f"rerun                      {rerun_s:>10.2f} s   {again:,} new messages, {sum(resent.values()):,} e-mails"
          f"   (planning {replanning_s:.2f} s)")
    print("target: the nudge run < 60 s; the rerun finds 0 new messages")
    print(f"load average               {' '.join(f'{load:.2f}' for load in os.getloadavg())}")


if __name__ == "__main__":
    main()

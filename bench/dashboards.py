"""Server time of the Lead dashboard and the hub dashboard (400 schools) on the hub-scale set.

Each page is requested 200 times in-process through the whole middleware stack (sessions, sign-in,
tenancy) after a warm-up, the pages taking turns in runs of 20 requests; p50/p95 are compared with a
trivial view on the same stack in the same run; each dashboard is timed again as the first load
after a change in the hub, which counts event attendance and who never signed in afresh
(`ectprogramme.hub_cache`). Run `bench/generate.py` first. The first run gives
the hub a year of conferences and clinics in the academic year of today (`bench/event_data.py`:
sessions, bookings, the registers taken so far, catch-ups and alternatives), so that both dashboards
count event attendance as a hub's would.

The database is vacuumed and analysed first, as autovacuum keeps a production database (it is off
on the benchmark machines, and other benchmarks' rewrites bloat the trend and figures tables):
statistics and visibility maps up to date, so the dashboards' counts read their indexes only.

    uv run python bench/dashboards.py [--requests 200]
"""

import argparse
import datetime

import event_data
from common import setup, time_in_turns


AFTER_CHANGE = "after a change: {}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", default=200, type=int)
    args = parser.parse_args()
    setup()
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from ectprogramme.hub_cache import hub_changed

    from participants import services
    from participants.models import HubRole, InductionTutor
    from schools.models import Hub
    from schools.scoping import hub_scope

    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from events.models import Session
    from participants.cohorts import academic_year_of

    call_command("collectstatic", interactive=False, verbosity=0)  # production static files (DEBUG is off)
    hub = Hub.objects.get(slug="bench-1")
    today = timezone.localdate()
    year = academic_year_of(today)
    with hub_scope(hub), transaction.atomic():
        if not Session.objects.filter(date__gte=datetime.date(year, 9, 1), date__lt=datetime.date(year + 1, 9, 1)).exists():
            made = event_data.year_of_events(hub, year, registers_until=today)
            print(f"gave the hub a year of events: {made[0]} sessions, {made[1]} bookings")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    settings.ROOT_URLCONF = "urls"
    with hub_scope(hub):
        staff = services.get_or_create_person(hub, "bench-staff@bench.example.org", "Bench", "Staff")
        services.set_hub_role(staff, HubRole.STAFF, actor=None)
        if not Authenticator.objects.filter(user=staff.user).exists():  # hub staff must use two factors
            TOTP.activate(staff.user, generate_totp_secret())
        tutor = InductionTutor.objects.select_related("school", "person__user").order_by("id").first()
        schools = hub.schools.count()
    lead_url, hub_name = f"/schools/{tutor.school.code}/engagement/", f"hub dashboard ({schools} schools)"
    pages = [
        ("trivial view", staff.user, "/bench/trivial/"),
        ("Lead dashboard", tutor.person.user, lead_url),
        (hub_name, staff.user, "/hub/engagement/"),
        (AFTER_CHANGE.format("Lead dashboard"), tutor.person.user, lead_url),
        (AFTER_CHANGE.format("hub dashboard"), staff.user, "/hub/engagement/"),
    ]
    clients, requests, queries = {}, {}, {}
    for name, user, url in pages:
        client = clients[name] = Client()
        client.force_login(user)
        if name.startswith(AFTER_CHANGE.format("")):
            requests[name] = lambda client=client, url=url: (hub_changed(hub.pk), client.get(url))[1]
        else:
            requests[name] = lambda client=client, url=url: client.get(url)
        for _ in range(10):
            assert requests[name]().status_code == 200, url
        connection.force_debug_cursor = True
        connection.queries_log.clear()
        requests[name]()
        queries[name] = len(connection.queries)
        connection.force_debug_cursor = False
    timed = time_in_turns(requests, args.requests)
    results = {name: (*timed[name], queries[name]) for name, _, _ in pages}
    trivial_p50, trivial_p95, _ = results["trivial view"]
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'x trivial p50':>14} {'x trivial p95':>14}")
    for name, (p50, p95, count) in results.items():
        print(f"{name:34} {p50:8.1f} {p95:8.1f} {count:8} {p50 / trivial_p50:14.2f} {p95 / trivial_p95:14.2f}")
    print("target: each dashboard <= 5x the trivial view (the first load after a change in the hub counts")
    print("event attendance and who never signed in afresh: `ectprogramme.hub_cache`)")


if __name__ == "__main__":
    main()

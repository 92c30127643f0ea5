"""Events at hub scale: a hub of 400 schools and 2,000 ECTs with a full year of sessions.

The data lives in a database of its own (BENCH_EVENTS_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/ect_bench_events), built on first run (or with --build) by
`bench/generate.py`'s `build` for one hub, then the events catalogue, four sessions of every event
in 2025/26 and bookings for about two thirds of the people expected at each ECT event.

Figures printed:
- pages: each requested `--requests` times in-process through the whole middleware stack after a
  warm-up (taking turns in runs of 20), p50/p95 against a trivial view on the same stack (target ≤ 5×). Add a page to `PAGES`.
- booking race: 300 people try to book a 250-place session at once (`--workers` threads, each with
  its own connection and real transactions, started together by a barrier); whoever finds it full
  joins the waiting list. Must end with exactly 250 booked and 50 waiting.

    uv run python bench/events.py [--build] [--requests 200] [--workers 60]
"""

import argparse
import datetime
import importlib
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

# This file has the app's name: import the app's package first, so that `events` is always the app.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
importlib.import_module("events")

import event_data  # noqa: E402
from common import percentile, setup, time_in_turns  # noqa: E402

AS_OF = datetime.date(2025, 10, 1)
YEAR = 2025
HUB_SLUG = "bench-1"
RACE_EVENT, RACE_SESSION, RACE_PLACES, RACE_PEOPLE = "ecf2021-ect2-clinic-5", "RACE-250", 250, 300
PAGE_EVENT = "ecf2021-ect2-clinic-5"


def build():
    """Empty the database, migrate, and make the hub, its people and a year of events."""
    from django.core.management import call_command
    from django.db import connection, transaction

    import generate
    from schools.models import Hub
    from schools.scoping import hub_scope

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    with transaction.atomic(), connection.cursor() as cursor:
        generate.build(cursor, "bench", 1, 400, 2_000, 1_700, 2_000_000, AS_OF)
    hub = Hub.objects.get(slug=HUB_SLUG)
    with hub_scope(hub), transaction.atomic():
        made = event_data.year_of_events(hub, YEAR)
        print(f"{made[0]} sessions, {made[1]} bookings")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"built in {time.perf_counter() - started:.1f} s")


def _staff(hub):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from participants import services
    from participants.models import HubRole

    staff = services.get_or_create_person(hub, "bench-staff@bench.example.org", "Bench", "Staff")
    services.set_hub_role(staff, HubRole.STAFF, actor=None)
    if not Authenticator.objects.filter(user=staff.user).exists():  # hub staff must use two factors
        TOTP.activate(staff.user, generate_totp_secret())
    return staff


def pages(hub, staff):
    """(name, user, url) of each page to time; the trivial view first."""
    from events.models import Event

    event = Event.objects.get(hub=hub, event_code=PAGE_EVENT)
    return [
        ("trivial view", staff.user, "/bench/trivial/"),
        (f"who has not booked ({PAGE_EVENT}, 400 schools)", staff.user, f"/events/{event.code}/not-booked/"),
    ]


def time_pages(hub, staff, requests):
    from django.test import Client

    listed = pages(hub, staff)
    clients = {}
    for name, user, url in listed:
        client = clients[name] = Client()
        client.force_login(user)
        for _ in range(10):
            assert client.get(url).status_code == 200, url
    results = time_in_turns({name: lambda name=name, url=url: clients[name].get(url) for name, _, url in listed}, requests)
    base50, base95 = results["trivial view"]
    for name, (p50, p95) in results.items():
        print(f"{name:55} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({p50 / base50:5.1f}× / {p95 / base95:5.1f}× trivial)")


def booking_race(hub, workers):
    """300 people, one 250-place session, all at once: exactly 250 booked and 50 waiting."""
    from django.db import connection

    from events import booking
    from events.expected import expected_people
    from events.models import Booking, Event, Session
    from schools.scoping import scopes_disabled

    event = Event.objects.get(hub=hub, event_code=RACE_EVENT)
    session = Session.objects.filter(hub=hub, session_code=RACE_SESSION).first()
    if session is not None:
        Booking.objects.filter(session=session).delete()
    else:
        day = datetime.date(YEAR + 1, 2, 4)
        session = Session.objects.create(
            hub=hub, event=event, session_code=RACE_SESSION, date=day, start_time=datetime.time(16), end_time=datetime.time(17),
            venue="Bench centre", capacity=RACE_PLACES, booking_deadline=day - datetime.timedelta(days=7),
        )
    taken = Booking.objects.filter(event=event).values("person_id")
    people = list(expected_people(event, session.date).exclude(pk__in=taken).order_by("pk")[:RACE_PEOPLE])
    assert len(people) == RACE_PEOPLE, f"only {len(people)} people free to race"
    barrier = threading.Barrier(min(workers, RACE_PEOPLE))
    outcomes = []

    def attempt(person):
        try:
            with scopes_disabled():
                try:
                    barrier.wait(timeout=10)  # each batch of `workers` attempts starts together
                except threading.BrokenBarrierError:
                    pass
                start = time.perf_counter()
                try:
                    booking.book(session, person, by_staff=True)
                    outcome = "booked"
                except booking.SessionFull:
                    booking.join_waiting_list(session, person, by_staff=True)
                    outcome = "waiting"
                outcomes.append((outcome, time.perf_counter() - start))
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(attempt, people))
    elapsed = time.perf_counter() - started
    counts = {status: Booking.objects.filter(session=session, status=status).count() for status in ("booked", "offered", "waiting")}
    told = sum(1 for outcome, _ in outcomes if outcome == "waiting")
    latencies = [seconds for _, seconds in outcomes]
    print(
        f"booking race: {RACE_PEOPLE} attempts on {RACE_PLACES} places, {workers} threads, {elapsed:.2f} s: "
        f"{counts['booked']} booked, {counts['waiting']} waiting, {counts['offered']} offered ({told} told it was full); "
        f"per attempt p50 {percentile(latencies, 50) * 1000:.0f} ms, p95 {percentile(latencies, 95) * 1000:.0f} ms"
    )
    assert counts == {"booked": RACE_PLACES, "offered": 0, "waiting": RACE_PEOPLE - RACE_PLACES}, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", action="store_true", help="rebuild the data set")
    parser.add_argument("--requests", default=200, type=int)
    parser.add_argument("--workers", default=60, type=int, help="threads (database connections) for the booking race")
    args = parser.parse_args()
    # A database of its own: the build drops its schema, so never the dashboards' BENCH_DATABASE_URL.
    os.environ["BENCH_DATABASE_URL"] = os.environ.get("BENCH_EVENTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ect_bench_events")
    # Booking e-mails are sent in-process to memory: the race measures the database, not a mail server.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from schools.models import Hub
    from schools.scoping import hub_scope, scopes_disabled

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('events_session') IS NOT NULL")
        built = cursor.fetchone()[0]
    if args.build or not built or not Hub.objects.filter(slug=HUB_SLUG).exists():
        build()
    call_command("collectstatic", interactive=False, verbosity=0)  # production static files (DEBUG is off)
    settings.ROOT_URLCONF = "urls"
    hub = Hub.objects.get(slug=HUB_SLUG)
    with hub_scope(hub):
        staff = _staff(hub)
    with scopes_disabled():
        time_pages(hub, staff, args.requests)
        booking_race(hub, args.workers)


if __name__ == "__main__":
    main()

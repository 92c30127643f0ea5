"""Server time of the register page of a 300-person session, and of one tap on it (htmx).

The page shows the session's counts and its first 25 people by name (htmx loads the next 25 as
they scroll into view; a name filter finds anyone), so its cost does not grow with the session.

Builds (once) a hub of 30 schools with 300 ECTs all booked on one clinic session, half of them
already marked, in a database of its own (default `ect_bench_registers`; BENCH_DATABASE_URL
overrides it). Each page is requested in-process through the whole middleware stack after a
warm-up, taking turns in runs of 20; p50/p95 are compared with a trivial view on the same stack in
the same run, with the queries each request makes.

    uv run python bench/registers.py [--requests 200] [--people 300]
"""

import argparse
import datetime
import os

os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ect_bench_registers")

from common import setup, time_in_turns  # noqa: E402

SLUG = "bench-registers"


def build(people):
    """The hub, its schools, `people` ECTs booked on one clinic session (half marked attended)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from events.catalogue import sync_catalogue
    from events.models import Booking, Event, Session
    from participants import services
    from participants.models import ECT, ECTAtSchool, ECTStatus, HubRole, Person, User
    from schools.models import Hub, School
    from schools.scoping import hub_scope

    hub, _ = Hub.objects.get_or_create(slug=SLUG, defaults={"name": "Registers Bench Hub"})
    with hub_scope(hub):
        staff = services.get_or_create_person(hub, "register-staff@bench.example.org", "Bench", "Staff")
        services.set_hub_role(staff, HubRole.STAFF, actor=None)
        if not Authenticator.objects.filter(user=staff.user).exists():
            TOTP.activate(staff.user, generate_totp_secret())
        sync_catalogue(hub)
        clinic = Event.objects.get(hub=hub, event_code="ecte2025-ect1-clinic-1")
        session = Session.objects.filter(hub=hub, session_code="BENCH-REGISTER").first()
        if session is None or session.bookings.count() != people:
            start = datetime.date(2025, 9, 1)
            schools = School.objects.bulk_create(
                [School(hub=hub, urn=f"9{n:05d}", name=f"Bench School {n}") for n in range(30)], ignore_conflicts=True
            )
            schools = list(School.objects.filter(hub=hub).order_by("pk"))
            users = User.objects.bulk_create(
                [User(email=f"register-ect{n}@bench.example.org", first_name="", last_name="") for n in range(people)],
                ignore_conflicts=True,
            )
            users = list(User.objects.filter(email__startswith="register-ect", email__endswith="@bench.example.org").order_by("pk"))[:people]
            Person.objects.bulk_create(
                [Person(hub=hub, user=user, first_name=f"Ect{n}", last_name=f"Bench{n:04d}") for n, user in enumerate(users)],
                ignore_conflicts=True,
            )
            persons = list(Person.objects.filter(hub=hub, user__in=users).order_by("pk"))
            existing = set(ECT.objects.filter(hub=hub).values_list("person_id", flat=True))
            ects = ECT.objects.bulk_create([
                ECT(hub=hub, person=person, school=schools[n % len(schools)], programme="ecte2025", cohort_start_year=2025,
                    induction_start_date=start)
                for n, person in enumerate(persons) if person.pk not in existing
            ])
            ECTAtSchool.objects.bulk_create([ECTAtSchool(hub=hub, ect=ect, school=ect.school, started_on=start) for ect in ects])
            ECTStatus.objects.bulk_create([ECTStatus(hub=hub, ect=ect, status="active", started_on=start) for ect in ects])
            if session is None:
                session = Session.objects.create(
                    hub=hub, event=clinic, session_code="BENCH-REGISTER", date=datetime.date(2025, 11, 12),
                    start_time=datetime.time(16), end_time=datetime.time(17), venue="Bench Hall", capacity=people,
                    booking_deadline=datetime.date(2025, 11, 5),
                )
            Booking.objects.filter(session=session).delete()
            Booking.objects.bulk_create([
                Booking(hub=hub, session=session, event=clinic, person=person, attendance="attended" if n % 2 else "")
                for n, person in enumerate(persons)
            ])
        first = session.bookings.order_by("pk").first()
    return staff.user, session, first


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", default=200, type=int)
    parser.add_argument("--people", default=300, type=int)
    args = parser.parse_args()
    setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # production static files (DEBUG is off)
    user, session, first = build(args.people)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    settings.ROOT_URLCONF = "urls"
    register = f"/events/sessions/{session.code}/register/"
    tap = {"booking": str(first.code), "attendance": "attended"}  # the same tap every time: an idempotent set
    pages = [
        ("trivial view", "get", "/bench/trivial/", None, {}),
        (f"register page ({args.people} people)", "get", register, None, {}),
        ("one tap (htmx row)", "post", register, tap, {"HX-Request": "true"}),
    ]
    client = Client()
    client.force_login(user)
    queries = {}
    for name, method, url, data, headers in pages:
        send = getattr(client, method)
        for _ in range(10):
            assert send(url, data, headers=headers).status_code == 200, url
        connection.force_debug_cursor = True
        connection.queries_log.clear()
        send(url, data, headers=headers)
        queries[name] = len(connection.queries)
        connection.force_debug_cursor = False
    requests = {
        name: lambda method=method, url=url, data=data, headers=headers: getattr(client, method)(url, data, headers=headers)
        for name, method, url, data, headers in pages
    }
    timed = time_in_turns(requests, args.requests)
    results = {name: (*timed[name], queries[name]) for name, *_ in pages}
    trivial_p50, trivial_p95, _ = results["trivial view"]
    print(f"{'page':30} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'x trivial p50':>14} {'x trivial p95':>14}")
    for name, (p50, p95, count) in results.items():
        print(f"{name:30} {p50:8.1f} {p95:8.1f} {count:8} {p50 / trivial_p50:14.2f} {p95 / trivial_p95:14.2f}")
    print("target: the register page <= 5x the trivial view")


if __name__ == "__main__":
    main()

"""Run by `tests/test_demo_on_sqlite.py` (`python -m tests.demo_pages EMAIL…`) in a process of its own, on the SQLite demo database:
every demo login opens each page of its navigation and the pages those link to (people, schools,
ECTs), and every answer is a 200. Prints what it opened; exits non-zero on the first failure."""

import os
import re
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ectprogramme.settings")
django.setup()

from django.test import Client  # noqa: E402

from participants.models import User  # noqa: E402

LINK = re.compile(r'href="(/(?:people|schools|ects|mentors|hub|mentoring|events)[^"#?]*)"')


def main(emails):
    opened = 0
    for email in emails:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(email=email))
        home = client.get("/", follow=True)
        assert home.status_code == 200, f"{email}: / answered {home.status_code}"
        paths = sorted(set(LINK.findall(home.content.decode())))[:25]
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, f"{email}: {path} answered {response.status_code}"
            for more in sorted(set(LINK.findall(response.content.decode())) - set(paths))[:15]:
                answer = client.get(more)
                assert answer.status_code in (200, 405), f"{email}: {more} (from {path}) answered {answer.status_code}"
                opened += 1
            opened += 1
        for path in event_follow_up_pages(email):
            response = client.get(path)
            assert response.status_code == 200, f"{email}: {path} answered {response.status_code}"
            opened += 1
    print(f"opened {opened} pages")


def event_follow_up_pages(email):
    """Registers (hub staff and facilitators), alternatives and catch-ups (hub staff), a tutor's
    school's catch-ups and alternatives, and a person's own catch-ups: deeper than the crawl goes."""
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from events.models import Alternative, CatchUp, Session
    from participants.models import InductionTutor, Person

    paths = []
    with scopes_disabled():
        for person in Person.objects.filter(user__email=email):
            if person.hub_role in ("staff", "admin", "facilitator"):
                for session in Session.objects.filter(hub=person.hub, bookings__isnull=False, date__lte=timezone.localdate()).distinct():
                    base = f"/events/sessions/{session.code}/register/"
                    paths += [base, f"{base}absent/", f"{base}walk-in/?q=a"]
            if person.hub_role in ("staff", "admin"):
                paths.append("/events/alternatives/")
                paths += [f"/events/alternatives/{code}/" for code in Alternative.objects.filter(hub=person.hub).values_list("code", flat=True)]
                paths += [f"/events/catch-ups/{code}/" for code in CatchUp.objects.filter(hub=person.hub).values_list("code", flat=True)]
            for school in InductionTutor.objects.filter(person=person, finished_on__isnull=True).values_list("school__code", flat=True):
                paths += [f"/events/schools/{school}/catch-ups/", f"/events/schools/{school}/alternatives/"]
            paths += [f"/events/catch-ups/{code}/" for code in CatchUp.objects.filter(person=person).values_list("code", flat=True)]
    return paths


if __name__ == "__main__":
    main(sys.argv[1:])

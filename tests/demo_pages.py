"""Run by `tests/test_demo_on_sqlite.py` (`python -m tests.demo_pages EMAIL…`) in a process of its own, on the SQLite demo database:
every demo login opens each page of its navigation and the pages those link to (people, schools,
ECTs), the nudge pages of its role, and every answer is a 200; the reports (PDF) listed on the
reports pages it opens download. Prints what it opened; exits non-zero on the first failure."""

import os
import re
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ectprogramme.settings")
django.setup()

from django.test import Client  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

from nudges.models import Nudge  # noqa: E402
from nudges.optout import make_token  # noqa: E402
from participants.models import ECT, InductionTutor, Person, User  # noqa: E402

PAIRING = re.compile(r"^/schools/[^/]+/mentors/pair/$")  # "ECTs without a mentor": the demo has one
DOWNLOAD = re.compile(r'href="(/reports/[0-9a-f-]+/download/)"')
BOOK_SCHOOL = re.compile(r"^/events/[^/]+/schools/[^/]+/book/$")  # "Book them" on who has not booked
UPLOAD = re.compile(r"^/hub/imports/[^/]+/$")  # an uploaded file's preview or result: the demo has both
LINK = re.compile(r'href="(/(?:people|schools|ects|mentors|hub|mentoring|events)[^"#?]*)"')


def _download_reports(client, email, page, downloaded):
    """Download each report listed on a reports page; note the distinct reports by kind."""
    for path in sorted(set(DOWNLOAD.findall(page))):
        response = client.get(path)
        assert response.status_code == 200, f"{email}: {path} answered {response.status_code}"
        assert b"".join(response.streaming_content).startswith(b"%PDF-"), f"{email}: {path} is not a PDF"
        downloaded["hub" if "engagement-report-demo-" in response["Content-Disposition"] else "school"].add(path)


def main(emails):
    opened = 0
    pairing_pages = 0
    downloaded = {"hub": set(), "school": set()}
    upload_pages = set()
    booking_forms = 0
    for email in emails:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(email=email))
        home = client.get("/", follow=True)
        assert home.status_code == 200, f"{email}: / answered {home.status_code}"
        paths = sorted(set(LINK.findall(home.content.decode())))[:25]
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, f"{email}: {path} answered {response.status_code}"
            if path.endswith("/reports/"):
                _download_reports(client, email, response.content.decode(), downloaded)
            links = set(LINK.findall(response.content.decode())) - set(paths)
            for more in sorted(links)[:15]:
                answer = client.get(more)
                assert answer.status_code in (200, 405), f"{email}: {more} (from {path}) answered {answer.status_code}"
                if more.endswith("/reports/"):
                    _download_reports(client, email, answer.content.decode(), downloaded)
                opened += 1
            for more in sorted(link for link in links if UPLOAD.match(link)):
                answer = client.get(more)
                assert answer.status_code == 200, f"{email}: {more} (from {path}) answered {answer.status_code}"
                page = answer.content.decode()
                upload_pages |= {"preview"} if "Nothing has been written yet" in page else {"result"} if "people created:" in page else set()
                download = client.get(f"{more}file/")
                assert download.status_code == 200 and download.content.startswith(b"full_name,"), f"{email}: {more}file/"
                opened += 2
            for more in sorted(link for link in links if PAIRING.match(link)):
                answer = client.get(more)
                assert answer.status_code == 200, f"{email}: {more} (from {path}) answered {answer.status_code}"
                pairing_pages += "O&#x27;Donnell" in answer.content.decode()
                opened += 1
            opened += 1
        person = Person.objects.with_scopes_disabled().filter(user__email=email).select_related("hub").first()
        unsubscribe = [f"/nudges/unsubscribe/{make_token(person)}/"] if person is not None else []  # it asks before changing anything
        for path in [*unsubscribe, *_nudge_pages(email), *event_follow_up_pages(email), *_onboarding_and_timeline_pages(email)]:
            response = client.get(path)
            assert response.status_code == 200, f"{email}: {path} answered {response.status_code}"
            opened += 1
            for more in sorted(link for link in LINK.findall(response.content.decode()) if BOOK_SCHOOL.match(link))[:3]:
                answer = client.get(more)
                assert answer.status_code == 200, f"{email}: {more} (from {path}) answered {answer.status_code}"
                booking_forms += 1
                opened += 1
    assert pairing_pages, "no login reached a school's ECTs without a mentor"
    assert booking_forms, "no login reached a school's booking form from who has not booked"
    assert upload_pages == {"preview", "result"}, f"hub staff reached only {upload_pages or 'no'} uploaded files' pages"
    print(f"opened {opened} pages; downloaded {len(downloaded['hub'])} hub report and {len(downloaded['school'])} school report")


def _nudge_pages(email):
    """The nudge pages each login may open, whether or not a link to them came first: hub staff the
    outbox (filtered), a message of each status, the settings, who opted out; a tutor their school's
    pause and a manual nudge and praise to one of their ECTs."""
    with scopes_disabled():
        person = User.objects.get(email=email).people.get()
        if person.is_hub_staff:
            messages = [Nudge.objects.filter(hub=person.hub, status=status).first() for status in ("sent", "capped", "suppressed")]
            assert all(messages), "the demo hub has a sent, a capped and a suppressed nudge"
            return ["/hub/nudges/", "/hub/nudges/?status=capped&rule=missed_study", "/hub/nudges/settings/",
                    "/hub/nudges/opted-out/", *(f"/hub/nudges/{message.code}/" for message in messages)]
        paths = []
        for tutor in InductionTutor.objects.filter(person=person, finished_on__isnull=True):
            paths.append(f"/schools/{tutor.school.code}/nudges/pause/")
            ect = ECT.objects.filter(school=tutor.school, statuses__finished_on__isnull=True, statuses__status="active").first()
            if ect is not None:
                paths += [f"/people/{ect.person.code}/nudge/", f"/people/{ect.person.code}/nudge/?kind=praise"]
        return paths


def _onboarding_and_timeline_pages(email):
    """Hub staff and tutors: the Onboarding page (everyone, and who never signed in); everyone with
    people to see: an ECT's timeline filtered by each kind, its second page, and with htmx."""
    from participants import timeline

    with scopes_disabled():
        person = User.objects.get(email=email).people.get()
        paths = []
        if person.is_hub_staff or InductionTutor.objects.filter(person=person, finished_on__isnull=True).exists():
            paths += ["/onboarding/", "/onboarding/?never=1", "/onboarding/?page=2"]
        ect = ECT.objects.filter(hub=person.hub).first() if person.is_hub_staff else None
        if ect is not None:
            base = f"/people/{ect.person.code}/"
            paths += [f"{base}?page=2", *(f"{base}?kind={kind}" for kind, _ in timeline.kinds())]
        return paths


def event_follow_up_pages(email):
    """Registers (hub staff and facilitators), alternatives and catch-ups (hub staff), a tutor's
    school's catch-ups and alternatives, and a person's own catch-ups: deeper than the crawl goes."""
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from events.models import Alternative, CatchUp, Event, Session
    from participants.models import InductionTutor, Person

    paths = []
    with scopes_disabled():
        for person in Person.objects.filter(user__email=email):
            if person.hub_role in ("staff", "admin", "facilitator"):
                for session in Session.objects.filter(hub=person.hub, bookings__isnull=False, date__lte=timezone.localdate()).distinct():
                    base = f"/events/sessions/{session.code}/register/"
                    paths += [base, f"{base}absent/", f"{base}walk-in/?q=a"]
            if person.hub_role in ("staff", "admin") or InductionTutor.objects.filter(person=person, finished_on__isnull=True).exists():
                events = Event.objects.filter(hub=person.hub, sessions__isnull=False).distinct()
                paths += [f"/events/{code}/not-booked/" for code in events.values_list("code", flat=True)]
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

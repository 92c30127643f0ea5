"""Run by `tests/test_demo_on_sqlite.py` (`python -m tests.demo_pages EMAIL…`) in a process of its own, on the SQLite demo database:
every demo login opens each page of its navigation and the pages those link to (people, schools,
ECTs), and every answer is a 200; the reports (PDF) listed on the reports pages it opens download.
Prints what it opened; exits non-zero on the first failure."""

import os
import re
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ectprogramme.settings")
django.setup()

from django.test import Client  # noqa: E402

from nudges.optout import make_token  # noqa: E402
from participants.models import Person, User  # noqa: E402

DOWNLOAD = re.compile(r'href="(/reports/[0-9a-f-]+/download/)"')
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
    downloaded = {"hub": set(), "school": set()}
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
            for more in sorted(set(LINK.findall(response.content.decode())) - set(paths))[:15]:
                answer = client.get(more)
                assert answer.status_code in (200, 405), f"{email}: {more} (from {path}) answered {answer.status_code}"
                if more.endswith("/reports/"):
                    _download_reports(client, email, answer.content.decode(), downloaded)
                opened += 1
            opened += 1
        person = Person.objects.with_scopes_disabled().filter(user__email=email).select_related("hub").first()
        if person is not None:  # the unsubscribe link of their nudge e-mails (it asks before changing anything)
            path = f"/nudges/unsubscribe/{make_token(person)}/"
            response = client.get(path)
            assert response.status_code == 200, f"{email}: {path} answered {response.status_code}"
            opened += 1
    print(f"opened {opened} pages; downloaded {len(downloaded['hub'])} hub report and {len(downloaded['school'])} school report")


if __name__ == "__main__":
    main(sys.argv[1:])

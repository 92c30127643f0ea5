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

from nudges.optout import make_token  # noqa: E402
from participants.models import Person, User  # noqa: E402

PAIRING = re.compile(r"^/schools/[^/]+/mentors/pair/$")  # "ECTs without a mentor": the demo has one
UPLOAD = re.compile(r"^/hub/imports/[^/]+/$")  # an uploaded file's preview or result: the demo has both
LINK = re.compile(r'href="(/(?:people|schools|ects|mentors|hub|mentoring|events)[^"#?]*)"')


def main(emails):
    opened = 0
    pairing_pages = 0
    upload_pages = set()
    for email in emails:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(email=email))
        home = client.get("/", follow=True)
        assert home.status_code == 200, f"{email}: / answered {home.status_code}"
        paths = sorted(set(LINK.findall(home.content.decode())))[:25]
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, f"{email}: {path} answered {response.status_code}"
            links = set(LINK.findall(response.content.decode())) - set(paths)
            for more in sorted(links)[:15]:
                answer = client.get(more)
                assert answer.status_code in (200, 405), f"{email}: {more} (from {path}) answered {answer.status_code}"
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
        if person is not None:  # the unsubscribe link of their nudge e-mails (it asks before changing anything)
            path = f"/nudges/unsubscribe/{make_token(person)}/"
            response = client.get(path)
            assert response.status_code == 200, f"{email}: {path} answered {response.status_code}"
            opened += 1
    assert pairing_pages, "no login reached a school's ECTs without a mentor"
    assert upload_pages == {"preview", "result"}, f"hub staff reached only {upload_pages or 'no'} uploaded files' pages"
    print(f"opened {opened} pages")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The fast paths of a big run: e-mails rendered once per shape and filled per e-mail give exactly
what Django's templates give, and a batch claim never hands one e-mail to two workers at once."""

import threading
import uuid

import pytest
from django.core import mail
from django.db import connection, connections, transaction

from nudges import rendering, sending
from nudges.models import EmailStatus, Nudge, NudgeEmail, RuleSetting
from schools.scoping import scopes_disabled
from tests import factories
from tests.nudges.conftest import D, studied

pytestmark = pytest.mark.django_db

AWKWARD = 'Tom & "Jo" <b>O\'Neil</b>'


def _nudge(place, rule, recipient, about=None, school_of=None, **details):
    return Nudge(hub=place.hub, key=f"{rule}:{uuid.uuid4()}", rule=rule, recipient=recipient, about=about, school=school_of,
                 details=details)


def _groups(place):
    """One group of nudges per rule, with names and wording that need escaping and several items."""
    ect = place.ect("sam@north.example.org")
    ect.person.first_name = AWKWARD
    other = place.ect("ana@north.example.org")
    mentor = place.mentor("mo@north.example.org")
    tutor = place.tutor.person
    period = {"period_start": "2025-09-29", "period_name": "fortnight"}
    people = [{"name": AWKWARD, "role": "ECT", "missed": 3, "ect": str(ect.code)},
              {"name": "Ana Example", "role": "ECT", "missed": 2, "ect": str(other.code)},
              {"name": "Morgan Smith", "role": "Mentor", "missed": 2, "mentor": str(mentor.code)}]
    return [
        [_nudge(place, "missed_study", ect.person, ect.person, place.school, ect=str(ect.code), **period)],
        [_nudge(place, "missed_observation", mentor.person, p.person, place.school, ect=str(p.code), **period) for p in (ect, other)],
        [_nudge(place, "missed_observation", mentor.person, ect.person, place.school, ect=str(ect.code), **period)],
        [_nudge(place, "escalation", tutor, None, place.school, week="2025-W41", people=people, school=str(place.school.code))],
        [_nudge(place, "at_risk_75", tutor, p.person, place.school, percent=60, threshold=75, weeks_left=4, ect=str(p.code))
         for p in (ect, other)],
        [_nudge(place, "praise", ect.person, ect.person, place.school, strand="study", streak=6, streak_start="2025-09-01",
                period_name="fortnight", ect=str(ect.code))],
        [_nudge(place, "manual_nudge", ect.person, ect.person, None, sender_name=AWKWARD)],
        [_nudge(place, "manual_praise", other.person, other.person, None, sender_name="Tess Tutor")],
    ]


@pytest.mark.parametrize("custom", [False, True])
def test_each_rule_is_rendered_as_django_renders_it(place, custom):
    with scopes_disabled():
        groups = _groups(place)
        setting = None
        if custom:  # a hub's own wording: placeholders, paragraphs, characters to escape
            setting = RuleSetting(hub=place.hub, rule="missed_study", subject="Hi {first_name} & co",
                                  body="Dear {first_name},\n\n<i>Study</i> for the {period}.\nThanks & bye\n\n\nThe hub")
        people = {p.pk: p for group in groups for n in group for p in (n.recipient, n.about) if p}
        renderer = rendering.Renderer({"hub": place.hub})
        for _ in range(3):  # the first of each shape is checked against Django, the others only filled
            for group in groups:
                first = group[0]
                first.personal_line = "Shall we talk on Friday?\n\nTess" if first.rule == "manual_nudge" else ""
                automatic = not first.rule.startswith("manual")
                rule_setting = setting if first.rule == "missed_study" else None
                args = (place.hub, first.rule, first.recipient, group, people, {place.school.pk: place.school}, rule_setting,
                        automatic)
                slow = sending.render(*args, unsubscribe="https://example.org/u/x&y" if automatic else None)
                fast = sending.render(*args, renderer=renderer, unsubscribe="https://example.org/u/x&y" if automatic else None)
                assert fast == slow
        assert all(renderer.shapes.values())  # every shape was filled, none left to Django


def test_a_template_the_markers_cannot_follow_is_left_to_django(place, monkeypatch):
    with scopes_disabled():
        group = _groups(place)[0]
    original = rendering.get_template

    class Upper:  # a template that changes its values (as a filter would): markers are lost
        def __init__(self, template):
            self.template = template

        def render(self, context):
            return self.template.render(context).upper()

    monkeypatch.setattr(rendering, "get_template", lambda name: Upper(original(name)))
    renderer = rendering.Renderer({"hub": place.hub})
    values = {"first_name": "Sam", "link": "https://example.org/a", "link_label": "Go", "subject": "Hi", "body": "Hello\n\nthere"}
    first = renderer.render("nudge-missed_study", values)
    second = renderer.render("nudge-missed_study", {**values, "first_name": "Ana", "body": "Other\n\ntext"})
    assert list(renderer.shapes.values()) == [False]
    assert "OTHER" in second[1] and "OTHER" not in first[1]
    assert second == rendering.render_with_django("nudge-missed_study", {"hub": place.hub, **values, "first_name": "Ana",
                                                                         "body": "Other\n\ntext", "items": []})


def test_a_run_stores_each_emails_headers_and_sends_with_them(place):
    ect = place.ect("sam@north.example.org", cohort=2024, start=D(2024, 9, 2))
    studied(ect, D(2025, 9, 3), D(2025, 9, 17))
    [email] = sending.run(place.hub, D(2025, 10, 13)).emails
    stored = NudgeEmail.objects.with_scopes_disabled().get(pk=email.pk)
    assert stored.headers["Message-ID"] == f"<nudge-{stored.code}@localhost>"
    assert stored.headers["List-Unsubscribe"] == f"<{stored.text_body.split('To stop these automatic reminders: ')[1].split()[0]}>"
    assert stored.to_address == ect.person.user.email
    assert sending.send_emails([email.pk]) == {email.pk: "sent"}
    assert mail.outbox[0].extra_headers == stored.headers and mail.outbox[0].reply_to == ["hello@north.example.org"]
    stored.refresh_from_db()
    assert (stored.status, stored.attempts, stored.nudges.get().status) == ("sent", 1, "sent")
    assert sending.send_emails([email.pk]) == {} and len(mail.outbox) == 1


def _queued(count):
    with scopes_disabled():
        hub = factories.HubFactory(slug="north")
        person = factories.PersonFactory(hub=hub)
        return [factories.NudgeEmailFactory(recipient=person).pk for _ in range(count)]


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_never_get_the_same_email():
    ids = _queued(10)
    claimed, errors = {}, []
    holding, done = threading.Event(), threading.Event()

    def first_worker():  # claims 4 and keeps its transaction open while the second claims
        try:
            with transaction.atomic():
                claimed["first"] = [e.pk for e in sending.claim_batch(ids, 4)]
                holding.set()
                done.wait(10)
        except Exception as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
            holding.set()
        finally:
            connections.close_all()

    worker = threading.Thread(target=first_worker)
    worker.start()
    assert holding.wait(10)
    second = [e.pk for e in sending.claim_batch(ids, 10)]  # does not wait for the first: skips its rows
    done.set()
    worker.join(10)
    assert not errors
    assert len(claimed["first"]) == 4 and len(second) == 6
    assert set(claimed["first"]).isdisjoint(second) and set(claimed["first"]) | set(second) == set(ids)
    assert sending.claim_batch(ids, 10) == []  # all claimed (and not yet abandoned)
    statuses = NudgeEmail.objects.with_scopes_disabled().values_list("status", "attempts")
    assert set(statuses) == {(EmailStatus.SENDING, 1)}
    assert connection.vendor == "postgresql"


@pytest.mark.django_db(transaction=True)
def test_workers_racing_over_the_same_emails_send_each_once():
    ids = _queued(60)
    results, errors = [], []

    def worker():
        try:
            results.append(sending.send_emails(ids, batch=7))
        except Exception as error:  # noqa: BLE001 (reported by the test)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    sent = [email_id for result in results for email_id in result]
    assert sorted(sent) == sorted(ids)
    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        f"<nudge-{code}@localhost>" for code in NudgeEmail.objects.with_scopes_disabled().values_list("code", flat=True)
    )
    assert set(NudgeEmail.objects.with_scopes_disabled().values_list("status", flat=True)) == {"sent"}

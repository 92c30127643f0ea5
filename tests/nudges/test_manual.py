"""A tutor's manual nudge or praise: preview, personal line, sent once, recorded, and only to their own people."""

import datetime
import uuid

import pytest
from django.core import mail
from django_scopes import scopes_disabled

from nudges.models import EmailStatus, Nudge, NudgeEmail, NudgeStatus
from participants.models import ECTStatus
from tests import factories

HTMX = {"HX-Request": "true"}


def _url(person):
    return f"/people/{person.code}/nudge/"


def test_a_tutor_previews_a_nudge_with_the_default_wording(world, client):
    client.force_login(world.tutor.person.user)
    page = client.get(_url(world.ect.person)).content.decode()
    tutor = world.tutor.person
    assert f"A note from {tutor.first_name} {tutor.last_name}" in page  # the subject
    assert f"Hello {world.ect.person.first_name}," in page
    assert f"/ects/{world.ect.code}/study/" in page  # the link to act on
    assert "To stop these automatic reminders" not in page  # not automatic: no unsubscribe
    assert "has opted out" not in page


def test_the_preview_uses_the_hubs_own_wording_and_the_personal_line(world, client):
    with scopes_disabled():
        factories.RuleSettingFactory(hub=world.hub, rule="manual_praise", subject="Bravo {first_name}!", body="{sender_name} says: brilliant.")
    client.force_login(world.tutor.person.user)
    page = client.post(_url(world.ect.person), {"kind": "praise", "personal_line": "Your lesson on fractions was great."}, headers=HTMX).content.decode()
    assert "<form" not in page  # the preview only
    assert f"Bravo {world.ect.person.first_name}!" in page
    assert f"{world.tutor.person.first_name} {world.tutor.person.last_name} says: brilliant." in page
    assert "Your lesson on fractions was great." in page
    with scopes_disabled():
        assert not Nudge.objects.exists()  # a preview sends nothing


def test_the_preview_says_an_opted_out_person_still_gets_a_tutors_message(world, client):
    with scopes_disabled():
        factories.OptOutFactory(person=world.ect.person)
    client.force_login(world.tutor.person.user)
    page = client.get(_url(world.ect.person)).content.decode()
    assert "has opted out of automatic nudges. A message you send yourself still reaches them." in page


def test_sending_records_a_nudge_sends_one_email_and_shows_it_on_the_timeline(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.tutor.person.user)
    token = str(uuid.uuid4())
    data = {"kind": "nudge", "personal_line": "Shall we catch up on Friday?", "form_token": token,
            "next": f"/schools/{world.school.code}/engagement/"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(world.ect.person), data)
    assert response.status_code == 302 and response["Location"] == f"/schools/{world.school.code}/engagement/"
    with scopes_disabled():
        nudge = Nudge.objects.get()
        assert (nudge.rule, nudge.recipient, nudge.about, nudge.school, nudge.created_by) == (
            "manual_nudge", world.ect.person, world.ect.person, world.school, world.tutor.person.user)
        assert nudge.status == NudgeStatus.SENT and nudge.personal_line == "Shall we catch up on Friday?"
        assert nudge.email.status == EmailStatus.SENT and not nudge.email.automatic
    (sent,) = mail.outbox
    assert sent.to == [world.ect.person.user.email]
    assert "Shall we catch up on Friday?" in sent.body
    assert "List-Unsubscribe" not in sent.extra_headers

    client.force_login(world.staff.user)
    page = client.get(f"/people/{world.ect.person.code}/").content.decode()
    assert "E-mail “Nudge from a tutor” to them: sent" in page
    assert f"by {world.tutor.person.first_name} {world.tutor.person.last_name}" in page


def test_a_double_post_sends_one_email(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.tutor.person.user)
    data = {"kind": "praise", "personal_line": "", "form_token": str(uuid.uuid4())}
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(_url(world.ect.person), data, follow=True)
        assert "Praise is on its way" in response.content.decode()
    with scopes_disabled():
        assert Nudge.objects.count() == 1 and NudgeEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def test_a_manual_message_ignores_the_weekly_cap_and_the_schools_pause(world, client, django_capture_on_commit_callbacks):
    with scopes_disabled():
        factories.SchoolPauseFactory(school=world.school, until=datetime.date.today() + datetime.timedelta(days=30))
        email = factories.NudgeEmailFactory(recipient=world.mentor.person, status="sent", rule="missed_observation", run_on=datetime.date.today())
        factories.NudgeFactory(recipient=world.mentor.person, rule="missed_observation", status="sent", email=email)
    client.force_login(world.tutor.person.user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(world.mentor.person), {"kind": "nudge", "form_token": str(uuid.uuid4())})
    assert [m.to for m in mail.outbox] == [[world.mentor.person.user.email]]
    assert "/mentoring/" in mail.outbox[0].body  # a mentor is sent to their mentees


def test_a_message_without_a_kind_is_refused_and_the_form_shown_again(world, client):
    client.force_login(world.tutor.person.user)
    response = client.post(_url(world.ect.person), {"personal_line": "Hello", "form_token": str(uuid.uuid4())})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    with scopes_disabled():
        assert not Nudge.objects.exists()


def test_hub_staff_nudge_anyone_in_training_or_mentoring(world, client, django_capture_on_commit_callbacks):
    client.force_login(world.staff.user)
    for person in (world.sibling_ect.person, world.sibling_mentor.person):
        assert client.get(_url(person)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_url(world.sibling_ect.person), {"kind": "praise", "form_token": str(uuid.uuid4())})
    with scopes_disabled():
        assert Nudge.objects.get().school == world.sibling_school


@pytest.mark.parametrize(
    ("who", "whom"),
    [
        ("tutor", "sibling_ect"),  # another school's ECT
        ("tutor", "sibling_mentor"),
        ("tutor", "tutor"),  # not an ECT or a mentor
        ("mentor", "ect"),  # a mentor does not nudge their mentee
        ("ect", "ect"),
        ("staff", "staff"),
        ("staff", "other_ect"),  # another hub
    ],
)
def test_only_a_persons_own_tutors_and_hub_staff_may_nudge_them(world, client, who, whom):
    viewer = getattr(world, who)
    client.force_login(getattr(viewer, "person", viewer).user)
    target = getattr(world, whom)
    target = getattr(target, "person", target)
    assert client.get(_url(target)).status_code == 404
    assert client.post(_url(target), {"kind": "nudge", "form_token": str(uuid.uuid4())}).status_code == 404
    with scopes_disabled():
        assert not Nudge.objects.exists()


def test_an_ect_who_has_left_is_not_nudged(world, client):
    with scopes_disabled():
        status = ECTStatus.objects.get(ect=world.ect)
        status.finished_on = datetime.date(2025, 11, 1)
        status.save()
        ECTStatus.objects.create(hub=world.hub, ect=world.ect, status="left", started_on=datetime.date(2025, 11, 1))
    client.force_login(world.tutor.person.user)
    assert client.get(_url(world.ect.person)).status_code == 404
    assert "Send a nudge" not in client.get(f"/people/{world.ect.person.code}/").content.decode()


def test_the_persons_page_offers_nudge_and_praise_to_their_tutor(world, client):
    client.force_login(world.tutor.person.user)
    page = client.get(f"/people/{world.ect.person.code}/").content.decode()
    assert f'href="/people/{world.ect.person.code}/nudge/?kind=nudge"' in page
    assert f'href="/people/{world.ect.person.code}/nudge/?kind=praise"' in page
    client.force_login(world.mentor.person.user)
    assert "Send a nudge" not in client.get(f"/people/{world.ect.person.code}/").content.decode()

"""Set-up e-mails are sent once, by a real Celery worker on the embedded broker."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection
from django_scopes import scopes_disabled

from participants import services
from participants.models import Invitation
from participants.setup_emails import send_invitation
from schools.scoping import hub_scope


def test_an_invitation_is_sent_once_even_if_the_task_runs_twice(world, mailoutbox, django_capture_on_commit_callbacks):
    with hub_scope(world.hub), django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite(world.ect.person, world.tutor.person.user)
    assert len(mailoutbox) == 1
    assert send_invitation(invitation.pk) is False
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [world.ect.person.user.email]
    assert world.hub.name in message.subject
    assert "/accounts/password/reset/key/" in message.body
    assert message.alternatives and "<a href=" in message.alternatives[0][0]


def test_the_set_up_link_lets_the_person_choose_a_password(world, client, mailoutbox, django_capture_on_commit_callbacks):
    with hub_scope(world.hub), django_capture_on_commit_callbacks(execute=True):
        services.invite(world.ect.person, None)
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/password/reset/key/" in line)
    path = link.replace(settings.SITE_URL, "")
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": "a-New-pass-phrase-2026", "password2": "a-New-pass-phrase-2026"},
    )
    assert response.status_code == 302
    world.ect.person.user.refresh_from_db()
    assert world.ect.person.user.check_password("a-New-pass-phrase-2026")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_set_up_email(tmp_path, world_committed):
    """Queue through the filesystem broker; a real `celery worker` process sends the e-mail."""
    broker = tmp_path / "celery"
    mail_dir = tmp_path / "mail"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "CELERY_DATA_DIR": str(broker),
        "CELERY_BROKER_URL": "filesystem://localhost/",
        "SITE_URL": "http://127.0.0.1:8123",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
    }
    with hub_scope(world_committed.hub):
        invitation = Invitation.objects.create(hub=world_committed.hub, person=world_committed.ect.person)
    enqueue = (
        "import django; django.setup();"
        "from participants.tasks import send_setup_email;"
        f"send_setup_email.delay({invitation.pk}); send_setup_email.delay({invitation.pk})"
    )
    subprocess.run([sys.executable, "-c", enqueue], cwd=settings.BASE_DIR, env=env, check=True, timeout=60)
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "ectprogramme", "worker", "--pool=solo", "--loglevel=warning"],
        cwd=settings.BASE_DIR,
        env={**env, "EMAIL_FILE_PATH": str(mail_dir)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with scopes_disabled():
                invitation.refresh_from_db()
            if invitation.sent_at and mail_dir.exists() and any(mail_dir.iterdir()):
                break
            time.sleep(0.5)
        time.sleep(2)  # let the duplicate message be consumed too
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert invitation.sent_at is not None
    messages = [path.read_text() for path in mail_dir.iterdir()]
    assert len(messages) == 1
    assert world_committed.ect.person.user.email in messages[0]
    assert "http://127.0.0.1:8123/accounts/password/reset/key/" in messages[0]  # the address the app runs on


def _database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def test_a_tutor_sends_set_up_emails_to_everyone_at_their_school_who_never_signed_in(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    with scopes_disabled():
        type(world.mentor.person).objects.filter(pk=world.mentor.person.pk).update(last_signed_in_at=timezone.now())
    client.force_login(world.tutor.person.user)  # signing in records the tutor's sign-in with the hub
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/schools/{world.school.code}/setup-emails/")
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.ect.person.user.email, world.unmentored_ect.person.user.email]
    )


def test_a_mentor_cannot_send_a_schools_set_up_emails(world, client, mailoutbox):
    client.force_login(world.mentor.person.user)
    assert client.post(f"/schools/{world.school.code}/setup-emails/").status_code == 404
    assert mailoutbox == []


def _send_from_person_page(client, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/people/{person.code}/setup-email/", follow=True).content.decode()


def test_a_set_up_email_is_not_re_sent_within_minutes(world, client, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(world.tutor.person.user)
    page = _send_from_person_page(client, world.ect.person, django_capture_on_commit_callbacks)
    assert "A set-up e-mail is on its way" in page
    page = _send_from_person_page(client, world.ect.person, django_capture_on_commit_callbacks)
    assert f"A set-up e-mail was sent to {world.ect.person.user.email} a moment ago; another can be sent from" in page
    assert len(mailoutbox) == 1
    with scopes_disabled():
        assert Invitation.objects.filter(person=world.ect.person).count() == 1


def test_at_most_three_set_up_emails_a_day_go_to_one_person(world, client, mailoutbox, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    client.force_login(world.tutor.person.user)
    for hours_ago in (5, 3):
        with scopes_disabled():
            invitation = Invitation.objects.create(hub=world.hub, person=world.ect.person, sent_at=timezone.now())
            Invitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - timedelta(hours=hours_ago))
    assert "is on its way" in _send_from_person_page(client, world.ect.person, django_capture_on_commit_callbacks)
    with scopes_disabled():
        Invitation.objects.filter(person=world.ect.person, created_at__gt=timezone.now() - timedelta(hours=1)).update(
            created_at=timezone.now() - timedelta(hours=1)
        )
    page = _send_from_person_page(client, world.ect.person, django_capture_on_commit_callbacks)
    assert "has been sent 3 set-up e-mails in the last 24 hours" in page
    assert len(mailoutbox) == 1


def test_sending_to_everyone_never_signed_in_skips_people_e_mailed_recently(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(world.tutor.person.user)
    _send_from_person_page(client, world.ect.person, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(f"/schools/{world.school.code}/setup-emails/", follow=True).content.decode()
    assert "on their way to 2 people who have never signed in" in page  # the other ECT and the mentor
    assert "1 person was skipped: e-mailed too recently" in page
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        [world.ect.person.user.email, world.unmentored_ect.person.user.email, world.mentor.person.user.email]
    )

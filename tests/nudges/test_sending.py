"""Sending exactly once: claim-then-send, retries and failures recorded, RFC 8058 headers, the
nightly run per hub at its send time, the sweep, and the unsubscribe link."""

import datetime
import smtplib

import pytest
from celery.exceptions import Retry
from django.core import mail, signing
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from engagement.models import EngagementRun
from nudges import nightly, sending
from nudges.models import HubNudgeSettings, Nudge, NudgeEmail, OptOut
from nudges.optout import make_token
from nudges.tasks import send_nudge_batch, send_nudge_email
from schools.scoping import hub_scope
from tests import factories
from tests.nudges.conftest import D, send_nudges, studied

pytestmark = pytest.mark.django_db


class FlakyBackend(EmailBackend):
    """Refuses the first `failures` messages with an SMTP error, then delivers to the outbox."""

    failures = 0

    def send_messages(self, messages):
        if FlakyBackend.failures > 0:
            FlakyBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def queued(place, unscoped):
    """One automatic e-mail made by a run, not yet sent."""
    ect = place.ect("sam@north.example.org", cohort=2024, start=D(2024, 9, 2))
    studied(ect, D(2025, 9, 3), D(2025, 9, 17))
    result = sending.run(place.hub, D(2025, 10, 13))
    [email] = result.emails
    return email


def test_an_email_is_sent_once_however_often_it_is_asked_for(queued):
    assert sending.send_email(queued.pk) == "sent"
    assert sending.send_email(queued.pk) is None
    send_nudge_email.delay(queued.pk)
    assert len(mail.outbox) == 1
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.nudges.get().status) == ("sent", 1, "sent")


def test_automatic_nudges_carry_one_click_unsubscribe_and_reply_to_the_hub(queued):
    sending.send_email(queued.pk)
    [message] = mail.outbox
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http") and "/nudges/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["Message-ID"] == f"<nudge-{queued.code}@localhost>"
    assert message.reply_to == ["hello@north.example.org"]
    assert "North Hub" in message.body and "Why you got this" in message.body
    assert message.alternatives[0][1] == "text/html"


def test_a_manual_nudge_has_no_unsubscribe_header(place, unscoped):
    person = place.ect("sam@north.example.org").person
    with hub_scope(place.hub):
        nudge = Nudge.objects.create(hub=place.hub, key="manual:1", rule="manual_nudge", recipient=person, about=person,
                                     details={"sender_name": "Tess Tutor"}, personal_line="Shall we talk on Friday?")
        [email] = sending.compose(place.hub, [nudge], D(2025, 10, 13), automatic=False)
    sending.send_email(email.pk)
    [message] = mail.outbox
    assert "List-Unsubscribe" not in message.extra_headers
    assert "Shall we talk on Friday?" in message.body and message.subject == "A note from Tess Tutor"


def test_smtp_errors_are_retried_with_backoff_then_sent(queued, settings):
    settings.EMAIL_BACKEND = "tests.nudges.test_sending.FlakyBackend"
    FlakyBackend.failures = 2
    waits = []
    for retries in (0, 1):
        with pytest.raises(Retry) as retry:
            send_nudge_email.apply(args=(queued.pk,), retries=retries, throw=True)
        waits.append(retry.value.when)
        queued.refresh_from_db()
        assert (queued.status, queued.error) == ("queued", "SMTPServerDisconnected: Connection unexpectedly closed")
    assert waits == [30, 60]
    send_nudge_email.apply(args=(queued.pk,), retries=2, throw=True)
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, len(mail.outbox)) == ("sent", 3, 1)


def test_the_last_retry_records_the_failure(queued, settings):
    settings.EMAIL_BACKEND = "tests.nudges.test_sending.FlakyBackend"
    FlakyBackend.failures = 1
    send_nudge_email.apply(args=(queued.pk,), retries=send_nudge_email.max_retries, throw=True)
    queued.refresh_from_db()
    assert queued.status == "failed" and queued.nudges.get().status == "failed"


def test_a_send_that_keeps_failing_is_recorded_with_its_error(queued, settings):
    settings.EMAIL_BACKEND = "tests.nudges.test_sending.FlakyBackend"
    FlakyBackend.failures = 1
    with pytest.raises(smtplib.SMTPServerDisconnected):
        sending.send_email(queued.pk, last_attempt=False)
    queued.refresh_from_db()
    assert (queued.status, queued.error) == ("queued", "SMTPServerDisconnected: Connection unexpectedly closed")
    FlakyBackend.failures = 1
    assert sending.send_email(queued.pk, last_attempt=True) == "failed"
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.nudges.get().status) == ("failed", 2, "failed")
    assert sending.send_email(queued.pk) is None and mail.outbox == []


def test_the_command_prints_failed_when_the_server_refuses(place, unscoped, settings):
    settings.EMAIL_BACKEND = "tests.nudges.test_sending.FlakyBackend"
    FlakyBackend.failures = 1
    ect = place.ect("sam@north.example.org", cohort=2024, start=D(2024, 9, 2))
    studied(ect, D(2025, 9, 3), D(2025, 9, 17))
    assert send_nudges(place.hub, D(2025, 10, 13))[0] == "missed_study,sam@north.example.org,sam@north.example.org,failed"


def test_a_claim_abandoned_by_a_dead_worker_is_claimed_again_and_swept(queued, settings):
    settings.NUDGE_CLAIM_TIMEOUT = 60
    now = timezone.now()
    assert sending.claim(queued.pk, now)  # a worker claimed it, then died
    assert not sending.claim(queued.pk, now + datetime.timedelta(seconds=30))
    assert sending.unsent(now + datetime.timedelta(seconds=30)) == []
    assert sending.unsent(now + datetime.timedelta(seconds=61)) == [queued.pk]
    NudgeEmail.objects.with_scopes_disabled().filter(pk=queued.pk).update(claimed_at=now - datetime.timedelta(seconds=61))
    assert nightly.send_unsent() == 1
    assert len(mail.outbox) == 1


def test_a_queued_email_whose_task_was_lost_is_swept(queued):
    NudgeEmail.objects.with_scopes_disabled().filter(pk=queued.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=6))
    assert nightly.send_unsent() == 1 and nightly.send_unsent() == 0
    assert len(mail.outbox) == 1


def test_each_hub_runs_once_a_day_at_its_send_time_after_the_recompute(place, outsider, unscoped, django_capture_on_commit_callbacks):
    ect = place.ect("sam@north.example.org", cohort=2024, start=D(2024, 9, 2))
    studied(ect, D(2025, 9, 3), D(2025, 9, 17))
    monday = datetime.datetime(2025, 10, 13, 15, 0, tzinfo=datetime.timezone.utc)  # 16:00 in London
    EngagementRun.objects.create(hub=place.hub, as_of=D(2025, 10, 13), computed_at=monday)
    assert nightly.run_due_hubs(monday - datetime.timedelta(minutes=15)) == []  # before the send time
    with django_capture_on_commit_callbacks(execute=True):
        assert nightly.run_due_hubs(monday) == [place.hub.pk]  # the outsider's figures are not as of today
    assert HubNudgeSettings.objects.get(hub=place.hub).last_run_on == D(2025, 10, 13)
    assert len(mail.outbox) == 1
    assert nightly.run_due_hubs(monday + datetime.timedelta(minutes=15)) == []
    assert nightly.run_hubs([place.hub.pk], "2025-10-13") == 0


# --- Unsubscribe -------------------------------------------------------------------------------------


def test_the_unsubscribe_link_asks_first_then_opts_out(client, place, unscoped):
    person = place.ect("sam@north.example.org").person
    url = f"/nudges/unsubscribe/{make_token(person)}/"
    page = client.get(url)
    assert page.status_code == 200 and b"Stop automatic reminders" in page.content
    assert not OptOut.objects.exists()
    done = client.post(url)
    assert b"Automatic reminders stopped" in done.content and b"induction tutor" in done.content
    assert OptOut.objects.get().via == "link"
    assert client.post(url).status_code == 200 and OptOut.objects.count() == 1
    assert "Stopped automatic nudges" in person.changes.get().summary


def test_one_click_unsubscribe_needs_no_session_or_csrf_token(place, unscoped):
    from django.test import Client

    person = place.ect("sam@north.example.org").person
    response = Client(enforce_csrf_checks=True).post(
        f"/nudges/unsubscribe/{make_token(person)}/", "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and OptOut.objects.get().via == "header"


def test_a_token_naming_another_hubs_person_does_nothing(client, place, outsider, unscoped):
    stranger = outsider.ect("sam@south.example.org").person
    mixed = signing.dumps({"hub": str(place.hub.code), "person": str(stranger.code)}, salt="nudges.unsubscribe", compress=True)
    forged = signing.dumps({"hub": str(outsider.hub.code), "person": str(stranger.code)}, salt="forged")
    for token in (mixed, forged, "nonsense"):
        assert client.get(f"/nudges/unsubscribe/{token}/").status_code == 404
        assert client.post(f"/nudges/unsubscribe/{token}/").status_code == 404
    assert not OptOut.objects.exists()


def test_an_opted_out_person_still_gets_a_tutors_own_nudge(place, unscoped):
    person = place.ect("sam@north.example.org").person
    factories.OptOutFactory(person=person)
    with hub_scope(place.hub):
        nudge = Nudge.objects.create(hub=place.hub, key="manual:2", rule="manual_praise", recipient=person)
        [email] = sending.compose(place.hub, [nudge], D(2025, 10, 13), automatic=False)
    assert sending.send_email(email.pk) == "sent"


# --- The nightly batch path --------------------------------------------------------------------------


class FailsOnceAtBackend(EmailBackend):
    """Refuses the `nth` message it is given (once), delivering the rest to the outbox."""

    nth = 0
    seen = 0

    def send_messages(self, messages):
        FailsOnceAtBackend.seen += 1
        if FailsOnceAtBackend.seen == FailsOnceAtBackend.nth:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def batch(unscoped, settings):
    """Five queued e-mails of one hub, and a backend that refuses the third message once."""
    hub = factories.HubFactory(slug="north")
    emails = [factories.NudgeEmailFactory(recipient__hub=hub, recipient__user__email=f"p{n}@north.example.org") for n in range(5)]
    for email in emails:
        factories.NudgeFactory(recipient=email.recipient, email=email)
    settings.EMAIL_BACKEND = "tests.nudges.test_sending.FailsOnceAtBackend"
    FailsOnceAtBackend.nth, FailsOnceAtBackend.seen = 3, 0
    return [email.pk for email in emails]


def _statuses(ids):
    return list(NudgeEmail.objects.filter(pk__in=ids).order_by("pk").values_list("status", flat=True))


def test_the_nightly_run_queues_a_handful_of_batch_tasks(batch, monkeypatch):
    from nudges import tasks

    queued = []
    monkeypatch.setattr(nightly, "TASK_BATCH", 2)
    monkeypatch.setattr(tasks.send_nudge_batch, "apply_async", lambda args, **options: queued.append(args[0]))
    assert nightly.queue_batches(batch) == 3
    assert queued == [batch[:2], batch[2:4], batch[4:]]


def test_a_batch_cut_short_by_an_smtp_error_is_retried_with_backoff_and_sends_each_email_once(batch):
    with pytest.raises(Retry) as retry:
        send_nudge_batch.apply(args=(batch,), retries=0, throw=True)
    assert retry.value.when == 30
    assert _statuses(batch) == ["sent", "sent", "queued", "queued", "queued"]
    assert NudgeEmail.objects.get(pk=batch[2]).error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert list(Nudge.objects.order_by("email_id").values_list("status", flat=True)) == ["sent", "sent", "planned", "planned", "planned"]
    assert send_nudge_batch.apply(args=(batch,), retries=1, throw=True).get() == {"sent": 3}
    assert send_nudge_batch.apply(args=(batch,), retries=2, throw=True).get() == {}
    assert sorted(m.to[0] for m in mail.outbox) == [f"p{n}@north.example.org" for n in range(5)]
    assert set(Nudge.objects.values_list("status", flat=True)) == {"sent"}


def test_the_last_attempt_of_a_batch_records_the_failure_and_sends_the_rest(batch):
    result = send_nudge_batch.apply(args=(batch,), retries=send_nudge_batch.max_retries, throw=True).get()
    assert result == {"sent": 4, "failed": 1}
    assert _statuses(batch) == ["sent", "sent", "failed", "sent", "sent"]
    assert Nudge.objects.get(email_id=batch[2]).status == "failed"


def test_a_batch_skips_what_another_worker_has_claimed_or_sent(batch):
    FailsOnceAtBackend.nth = 0
    assert sending.send_email(batch[0]) == "sent"
    assert sending.claim(batch[1])  # another worker is sending it now
    assert send_nudge_batch.apply(args=(batch,), throw=True).get() == {"sent": 3}
    assert _statuses(batch) == ["sent", "sending", "sent", "sent", "sent"]
    assert len(mail.outbox) == 4

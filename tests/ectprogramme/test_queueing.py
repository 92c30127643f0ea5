"""With the broker down, a request that saved work still succeeds; the periodic sweeps do the work."""

import datetime

from django.utils import timezone

from engagement import refresh
from engagement.models import Engagement, Module, PendingRecompute, StudyRecord
from participants.models import Invitation
from participants.setup_emails import send_unsent
from schools import terms
from schools.scoping import hub_scope, scopes_disabled
from tests.conftest import typical_term_dates

TODAY = timezone.localdate()


def _age(model, minutes, **lookup):
    with scopes_disabled():
        model.objects.filter(**lookup).update(created_at=timezone.now() - datetime.timedelta(minutes=minutes))


def test_a_set_up_email_the_broker_refused_is_sent_by_the_sweep(world, client, dead_broker, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(world.tutor.person.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/people/{world.ect.person.code}/setup-email/")
    assert response.status_code == 302
    with scopes_disabled():
        invitation = Invitation.objects.get(person=world.ect.person)
    assert invitation.sent_at is None and mailoutbox == []

    assert send_unsent() == 0  # a fresh invitation is left to its own task
    _age(Invitation, 10, pk=invitation.pk)
    assert send_unsent() == 1
    assert [m.to for m in mailoutbox] == [[world.ect.person.user.email]]
    assert send_unsent() == 0  # sent once


def test_an_invitation_is_not_sent_once_the_sweep_has_given_up(world, mailoutbox):
    with hub_scope(world.hub):
        invitation = Invitation.objects.create(hub=world.hub, person=world.ect.person)
    _age(Invitation, 60 * 24 * 4, pk=invitation.pk)
    assert send_unsent() == 0
    assert mailoutbox == []


def test_recorded_study_the_broker_refused_to_recompute_is_recomputed_by_the_sweep(
    world, client, dead_broker, django_capture_on_commit_callbacks
):
    with hub_scope(world.hub):
        for year in (TODAY.year - 1, TODAY.year):
            terms.save_year(world.hub, year, typical_term_dates(year))
        module = Module.objects.filter(programme__code=world.ect.programme).first()
    client.force_login(world.ect.person.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/ects/{world.ect.code}/study/", {"module": module.pk, "done_on": TODAY.isoformat()})
    assert response.status_code == 200
    with scopes_disabled():
        assert StudyRecord.objects.filter(ect=world.ect).count() == 1
        assert PendingRecompute.objects.filter(hub=world.hub, ect=world.ect).exists()
        assert not Engagement.objects.filter(ect=world.ect).exists()

    assert refresh.recompute_forgotten() == 0  # fresh marks are left to their own task
    _age(PendingRecompute, 10, hub=world.hub)
    assert refresh.recompute_forgotten() >= 1
    with scopes_disabled():
        assert not PendingRecompute.objects.filter(hub=world.hub).exists()
        assert Engagement.objects.filter(ect=world.ect).exists()


def test_an_e_mail_change_the_broker_refused_to_mail_is_mailed_by_the_sweep(
    world, client, dead_broker, mailoutbox, django_capture_on_commit_callbacks
):
    from participants import email_changes
    from participants.models import EmailChange

    client.force_login(world.staff.user)
    details = {"first_name": "Ada", "last_name": "Byron", "email": "ada.new@elm.example.org"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/people/{world.ect.person.code}/edit/", details)
    assert response.status_code == 302
    assert mailoutbox == []

    assert email_changes.send_unsent() == 0  # a fresh request is left to its own task
    with scopes_disabled():
        EmailChange.objects.update(requested_at=timezone.now() - datetime.timedelta(minutes=10))
    assert email_changes.send_unsent() == 1
    assert sorted(m.to[0] for m in mailoutbox) == ["ada.new@elm.example.org", world.ect.person.user.email]
    assert email_changes.send_unsent() == 0  # mailed once

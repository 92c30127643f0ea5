"""Onboarding status: sign-ins recorded per hub, the Onboarding page, set-up e-mails to everyone who never
signed in (once a day each), and the hub dashboard's count per school."""

import datetime

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from participants import onboarding
from participants.models import Invitation, Person, PersonChange
from schools.scoping import hub_scope
from tests import factories


def _signed_in(person, when=None):
    when = when or timezone.now()
    Person.objects.with_scopes_disabled().filter(pk=person.pk).update(first_signed_in_at=when, last_signed_in_at=when)


def _fresh(person):
    return Person.objects.with_scopes_disabled().get(pk=person.pk)


def test_signing_in_records_the_sign_in_on_the_active_hub_only(world, client):
    with scopes_disabled():
        elsewhere = factories.PersonFactory(hub=world.other_hub, user=world.tutor.person.user)
    client.force_login(world.tutor.person.user)
    client.get("/")
    mine, theirs = _fresh(world.tutor.person), _fresh(elsewhere)
    active = mine if mine.last_signed_in_at else theirs
    other = theirs if active is mine else mine
    assert active.first_signed_in_at == active.last_signed_in_at is not None
    assert other.last_signed_in_at is None
    client.post("/switch/hub/", {"hub": str(other.hub.code)})
    assert _fresh(other).last_signed_in_at is not None
    assert _fresh(active).first_signed_in_at == active.first_signed_in_at


def test_a_second_sign_in_moves_the_last_sign_in_not_the_first(world, client):
    first = timezone.now() - datetime.timedelta(days=3)
    _signed_in(world.ect.person, first)
    client.force_login(world.ect.person.user)
    person = _fresh(world.ect.person)
    assert person.first_signed_in_at == first
    assert person.last_signed_in_at > first


def test_an_unconfirmed_membership_counts_as_never_signed_in(world):
    with scopes_disabled():
        Person.objects.filter(pk=world.ect.person.pk).update(confirmed_at=None)
    onboarding.record_sign_in(_fresh(world.ect.person))
    _signed_in(world.mentor.person)
    Person.objects.with_scopes_disabled().filter(pk=world.mentor.person.pk).update(confirmed_at=None)
    with hub_scope(world.hub):
        never = set(Person.objects.filter(onboarding.never_signed_in()).values_list("pk", flat=True))
    assert {world.ect.person.pk, world.mentor.person.pk} <= never
    assert _fresh(world.ect.person).last_signed_in_at is None


def test_a_tutor_sees_their_schools_people_and_hub_staff_everyone(world, client):
    client.force_login(world.tutor.person.user)
    page = client.get("/onboarding/").content.decode()
    assert str(world.ect.person) in page and str(world.mentor.person) in page
    assert str(world.sibling_ect.person) not in page and str(world.other_ect.person) not in page
    client.force_login(world.staff.user)
    page = client.get("/onboarding/").content.decode()
    assert str(world.ect.person) in page and str(world.sibling_ect.person) in page
    assert str(world.other_ect.person) not in page


def test_mentors_ects_and_outsiders_get_a_404(world, client):
    for user in (world.mentor.person.user, world.ect.person.user):
        client.force_login(user)
        assert client.get("/onboarding/").status_code == 404
        assert client.post("/onboarding/send/").status_code == 404


def test_the_page_shows_invited_sent_and_sign_ins_and_filters_who_never_signed_in(world, client):
    signed_in_on = timezone.make_aware(datetime.datetime(2026, 11, 2, 10))
    _signed_in(world.mentor.person, signed_in_on)
    with hub_scope(world.hub):
        Invitation.objects.create(hub=world.hub, person=world.ect.person, sent_at=timezone.make_aware(datetime.datetime(2026, 11, 4, 9)))
    client.force_login(world.tutor.person.user)
    page = client.get("/onboarding/").content.decode()
    assert "2 Nov 2026" in page and "4 Nov 2026" in page
    assert "Never signed in" in page
    filtered = client.get("/onboarding/?never=1").content.decode()
    assert str(world.ect.person) in filtered and str(world.mentor.person) not in filtered


def test_sending_queues_one_e_mail_per_person_who_never_signed_in_once_a_day(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    _signed_in(world.mentor.person)
    client.force_login(world.tutor.person.user)
    _signed_in(world.tutor.person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/onboarding/send/", follow=True)
    page = response.content.decode()
    assert "Set-up e-mails queued for 2 people who never signed in." in page
    assert sorted(message.to[0] for message in mailoutbox) == ["ect2@elm.example.org", "ect@elm.example.org"]
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post("/onboarding/send/", follow=True).content.decode()
    assert "2 people were skipped: already sent a set-up e-mail from this page today" in page
    assert len(mailoutbox) == 2
    with hub_scope(world.hub):
        assert PersonChange.objects.filter(person=world.ect.person, summary="Set-up e-mail requested").count() == 1


def test_the_day_key_lets_the_next_day_send_again(world):
    people = Person.objects.with_scopes_disabled().filter(pk=world.ect.person.pk)
    today = timezone.now()
    with hub_scope(world.hub):
        assert onboarding.send_setup_emails(people, None, today) == onboarding.BulkSend(1, 0, 0)
        assert onboarding.send_setup_emails(people, None, today) == onboarding.BulkSend(0, 0, 1)
        assert onboarding.send_setup_emails(people, None, today + datetime.timedelta(days=1)) == onboarding.BulkSend(1, 0, 0)
    _signed_in(world.ect.person)
    with hub_scope(world.hub):
        assert onboarding.send_setup_emails(people.all(), None, today + datetime.timedelta(days=2)) == onboarding.BulkSend(0, 1, 0)


def test_the_onboarding_page_query_count_is_constant(world, client, django_assert_max_num_queries):
    client.force_login(world.staff.user)
    client.get("/onboarding/")
    with django_assert_max_num_queries(8):
        client.get("/onboarding/")
    with scopes_disabled():
        for _ in range(15):
            person = factories.ECTFactory(school=world.school).person
            Invitation.objects.create(hub=world.hub, person=person, sent_at=timezone.now())
    with django_assert_max_num_queries(8):
        assert client.get("/onboarding/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get("/onboarding/?never=1&page=2").status_code == 200


def test_the_hub_dashboard_counts_who_never_signed_in_per_school(world):
    _signed_in(world.mentor.person)
    with scopes_disabled():
        factories.MentorFactory(school=world.school, person=world.ect.person)  # two roles there: counted once
    with hub_scope(world.hub):
        counts = onboarding.never_signed_in_by_school([world.school.pk, world.sibling_school.pk])
    assert counts == {world.school.pk: 3, world.sibling_school.pk: 3}


@pytest.mark.parametrize("path", ["/onboarding/"])
def test_the_outsider_hub_staff_see_none_of_this_hubs_people(world, client, path):
    client.force_login(world.other_staff.user)
    page = client.get(path).content.decode()
    assert str(world.ect.person) not in page

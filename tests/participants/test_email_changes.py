"""A change of someone's e-mail by hub staff or a tutor is a request: confirmed from the new address,
notified to the old one (which can cancel it), and refused to a tutor for anyone with roles elsewhere."""

import datetime
import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django_scopes import scopes_disabled

from participants import services
from participants.email_changes import send_confirmed_notice, send_mails
from participants.models import EmailChange, PersonChange
from schools.scoping import hub_scope
from tests import factories

NEW = "ada.byron@newmail.example.org"


def _ask(client, by, person, email=NEW, capture=None):
    client.force_login(by.user)
    details = {"first_name": person.user.first_name, "last_name": person.user.last_name, "email": email}
    with capture(execute=True):
        return client.post(f"/people/{person.code}/edit/", details)


def _link(message):
    return re.search(r"^(http\S+/email-change/\S+)$", message.body, re.MULTILINE).group(1).replace(settings.SITE_URL, "")


def _mail_to(outbox, address):
    [message] = [m for m in outbox if m.to == [address]]
    return message


@pytest.fixture
def asked(world, client, mailoutbox, django_capture_on_commit_callbacks):
    """The tutor at Elm asks for their ECT's e-mail to change to NEW; the client is then signed out."""
    response = _ask(client, world.tutor.person, world.ect.person, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    client.logout()
    return world.ect.person


def test_asking_changes_nothing_yet_and_mails_both_addresses(world, asked, mailoutbox):
    user = asked.user
    user.refresh_from_db()
    assert user.email == "ect@elm.example.org"
    assert not EmailAddress.objects.filter(email=NEW).exists()
    confirm = _mail_to(mailoutbox, NEW)
    assert "/email-change/" in confirm.body and "/cancel/" not in confirm.body
    notice = _mail_to(mailoutbox, "ect@elm.example.org")
    assert NEW in notice.body and world.hub.name in notice.body and str(world.tutor.person.user) in notice.body
    assert "/cancel/" in notice.body
    assert confirm.alternatives and notice.alternatives


def test_the_person_page_shows_the_pending_change(world, asked, client):
    client.force_login(world.staff.user)
    page = client.get(f"/people/{asked.code}/").content.decode()
    assert f"Change to {NEW} requested on" in page


def test_the_link_shows_a_page_and_only_a_post_confirms(world, asked, client, mailoutbox):
    link = _link(_mail_to(mailoutbox, NEW))
    page = client.get(link)
    assert page.status_code == 200 and f"Confirm {NEW}" in page.content.decode()
    asked.user.refresh_from_db()
    assert asked.user.email == "ect@elm.example.org"

    done = client.post(link)

    assert done.status_code == 200 and "E-mail address changed" in done.content.decode()
    asked.user.refresh_from_db()
    assert asked.user.email == NEW
    assert list(EmailAddress.objects.filter(user=asked.user).values_list("email", "verified", "primary")) == [(NEW, True, True)]
    with scopes_disabled():
        summaries = list(PersonChange.objects.filter(person=asked).values_list("summary", flat=True))
    assert f"E-mail changed from ect@elm.example.org to {NEW} (confirmed from the new address)" in summaries


def test_the_old_address_is_told_once_the_change_is_confirmed(asked, client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(_link(_mail_to(mailoutbox, NEW)))
    notices = [m for m in mailoutbox if m.to == ["ect@elm.example.org"] and "has changed" in m.subject]
    assert len(notices) == 1 and NEW in notices[0].body
    assert send_confirmed_notice(EmailChange.objects.with_scopes_disabled().get().pk) is False


def test_a_confirmed_change_keeps_the_person_signed_in(world, asked, client, mailoutbox):
    client.force_login(asked.user)
    assert client.get("/").status_code == 302
    client.post(_link(_mail_to(mailoutbox, NEW)))
    assert client.get(f"/people/{asked.code}/").status_code == 200


def test_a_link_works_once(asked, client, mailoutbox):
    link = _link(_mail_to(mailoutbox, NEW))
    client.post(link)
    again = client.post(link)
    assert again.status_code == 404 and "This link does not work" in again.content.decode()
    assert client.get(link).status_code == 404


def test_an_expired_link_changes_nothing(asked, client, mailoutbox, settings):
    link = _link(_mail_to(mailoutbox, NEW))
    settings.EMAIL_CHANGE_MAX_AGE = -1  # the link's signed time is older than the limit
    response = client.post(link)
    assert response.status_code == 404 and "This link does not work" in response.content.decode()
    asked.user.refresh_from_db()
    assert asked.user.email == "ect@elm.example.org"


@pytest.mark.parametrize(
    "token",
    ["nonsense", "a:b:c", signing.dumps("00000000-0000-0000-0000-000000000000", salt="participants.email_changes.confirm")],
)
def test_a_forged_link_gets_a_clear_page(db, client, token):
    for method in (client.get, client.post):
        response = method(f"/email-change/{token}/")
        assert response.status_code == 404 and "This link does not work" in response.content.decode()


def test_the_cancel_link_cannot_confirm(asked, client, mailoutbox):
    cancel = _link(_mail_to(mailoutbox, "ect@elm.example.org"))
    token = cancel.split("/")[2]
    assert client.post(f"/email-change/{token}/").status_code == 404
    asked.user.refresh_from_db()
    assert asked.user.email == "ect@elm.example.org"


def test_the_old_address_can_cancel_and_then_the_confirm_link_is_dead(asked, client, mailoutbox):
    cancel = _link(_mail_to(mailoutbox, "ect@elm.example.org"))
    assert client.get(cancel).status_code == 200
    assert "E-mail change cancelled" in client.post(cancel).content.decode()
    assert client.post(_link(_mail_to(mailoutbox, NEW))).status_code == 404
    asked.user.refresh_from_db()
    assert asked.user.email == "ect@elm.example.org"


def test_a_new_request_replaces_the_pending_one(world, asked, client, mailoutbox, django_capture_on_commit_callbacks):
    first = _link(_mail_to(mailoutbox, NEW))
    _ask(client, world.staff, asked, email="ada@other.example.org", capture=django_capture_on_commit_callbacks)
    assert client.post(first).status_code == 404
    assert client.post(_link(_mail_to(mailoutbox, "ada@other.example.org"))).status_code == 200
    asked.user.refresh_from_db()
    assert asked.user.email == "ada@other.example.org"


def test_a_link_is_dead_once_another_account_took_the_address(world, asked, client, mailoutbox):
    with scopes_disabled():
        factories.PersonFactory(hub=world.hub, user__email=NEW)
    assert client.post(_link(_mail_to(mailoutbox, NEW))).status_code == 404
    asked.user.refresh_from_db()
    assert asked.user.email == "ect@elm.example.org"


def test_the_mails_are_sent_once_even_if_the_task_runs_twice(asked, mailoutbox):
    change = EmailChange.objects.with_scopes_disabled().get()
    assert send_mails(change.pk) is False
    assert len(mailoutbox) == 2


def test_an_address_another_account_uses_is_refused_on_the_form(world, client, django_capture_on_commit_callbacks):
    response = _ask(client, world.staff, world.ect.person, email=world.mentor.person.user.email,
                    capture=django_capture_on_commit_callbacks)
    assert "Someone in this hub already uses this e-mail address." in response.content.decode()
    assert not EmailChange.objects.with_scopes_disabled().exists()


def test_an_address_another_hubs_account_uses_is_asked_for_like_any_other_and_changes_nothing(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    """The hub learns nothing about other hubs' accounts: the answer is the one an unused address
    gets, the other account's owner is sent no link, and nothing changes."""
    taken = world.other_staff.user.email
    unused = _ask(client, world.staff, world.ect.person, email="nobody@else.example.org", capture=django_capture_on_commit_callbacks)
    mailoutbox.clear()

    response = _ask(client, world.staff, world.ect.person, email=taken, capture=django_capture_on_commit_callbacks)

    assert (response.status_code, response["Location"]) == (unused.status_code, unused["Location"])
    assert [m.to for m in mailoutbox] == [[world.ect.person.user.email]]  # only the old address is told
    page = client.get(f"/people/{world.ect.person.code}/").content.decode()
    assert f"Change to {taken} requested on" in page
    world.ect.person.user.refresh_from_db()
    assert world.ect.person.user.email == "ect@elm.example.org"


# --- Who may ask -------------------------------------------------------------------------------


def test_a_tutor_cannot_change_the_account_of_someone_with_a_role_at_another_school(world, client):
    """Elm's mentor also mentors at Oak: their account is not Elm's tutor's to change."""
    with scopes_disabled():
        factories.MentorFactory(school=world.sibling_school, hub=world.hub, person=world.mentor.person)
    client.force_login(world.tutor.person.user)
    response = client.post(f"/people/{world.mentor.person.code}/edit/", {"first_name": "M", "last_name": "X", "email": NEW})
    assert response.status_code == 403
    assert "Edit details" not in client.get(f"/people/{world.mentor.person.code}/").content.decode()
    assert not EmailChange.objects.with_scopes_disabled().exists()


def test_a_tutor_cannot_change_the_account_of_someone_who_had_a_role_elsewhere(world, client):
    with scopes_disabled():
        factories.MentorFactory(school=world.sibling_school, hub=world.hub, person=world.ect.person,
                                finished_on=datetime.date(2025, 7, 1))
    client.force_login(world.tutor.person.user)
    assert client.post(f"/people/{world.ect.person.code}/edit/", {"first_name": "A", "last_name": "B", "email": NEW}).status_code == 403


def test_a_tutor_cannot_change_the_account_of_an_ect_who_moved_from_another_school(world, client):
    """The ECT was at Oak before they moved to Elm: Elm's tutor manages them now, not their account."""
    with scopes_disabled(), hub_scope(world.hub):
        ect = factories.ECTFactory(school=world.sibling_school, hub=world.hub, induction_start_date=datetime.date(2025, 9, 1))
        services.transfer_ect(ect, world.school, actor=None, on=datetime.date(2026, 1, 5))
    client.force_login(world.tutor.person.user)
    assert client.post(f"/people/{ect.person.code}/edit/", {"first_name": "A", "last_name": "B", "email": NEW}).status_code == 403
    assert not EmailChange.objects.with_scopes_disabled().exists()


def test_hub_staff_can_ask_to_change_the_account_of_someone_with_roles_at_several_schools(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        factories.MentorFactory(school=world.sibling_school, hub=world.hub, person=world.mentor.person)
    response = _ask(client, world.staff, world.mentor.person, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert [m.to for m in mailoutbox if m.to == [NEW]] == [[NEW]]

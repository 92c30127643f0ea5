"""No address is attached to an account without proof that its owner receives mail there.

People change their own address only through allauth's verified change (the new address replaces
the old one once confirmed from it); a set-up link or a sign-in code proves the address it was sent
to; a password sign-in with an unproven address gets a verification e-mail first.
"""

import importlib
import re

import pytest
from allauth.account.models import EmailAddress

from participants import services
from participants.models import User
from schools.scoping import hub_scope
from tests import factories
from tests.factories import PASSWORD

VICTIM = "new.hub.admin@victim.example.org"


def _addresses(user):
    return sorted(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary"))


@pytest.fixture
def ect_user(world):
    """Elm's ECT, whose address a hub typed in and who has never proven it (the weakest case:
    allauth lets an unverified address become primary when no address is verified)."""
    user = world.ect.person.user
    EmailAddress.objects.filter(user=user).update(verified=False)
    return user


@pytest.mark.parametrize("proven", [True, False], ids=["own-address-proven", "own-address-unproven"])
def test_an_ect_cannot_attach_an_address_they_do_not_receive_mail_at(world, client, proven):
    """The attack: add a new hub's admin address on the e-mail page and make it primary."""
    ect_user = world.ect.person.user
    EmailAddress.objects.filter(user=ect_user).update(verified=proven)
    client.force_login(ect_user)
    client.post("/accounts/email/", {"action_add": "", "email": VICTIM})
    response = client.post("/accounts/email/", {"action_primary": "", "email": VICTIM}, follow=True)

    ect_user.refresh_from_db()
    assert ect_user.email == "ect@elm.example.org"
    assert _addresses(ect_user) == [("ect@elm.example.org", proven, True)] + ([(VICTIM, False, False)] if proven else [])
    assert "once you confirm it" in response.content.decode()

    # A hub that later registers the address gets a new account, not the ECT's.
    with hub_scope(world.other_hub):
        person = services.get_or_create_person(world.other_hub, VICTIM, "Vic", "Tim")
    assert person.user != ect_user
    assert _addresses(ect_user) == [("ect@elm.example.org", proven, True)]  # the unproven claim is dropped


def test_the_sign_in_address_cannot_be_removed_to_fall_back_on_a_pending_one(world, client):
    ect_user = world.ect.person.user
    EmailAddress.objects.filter(user=ect_user).update(primary=False)  # as allauth's own sync leaves it
    client.force_login(ect_user)
    client.post("/accounts/email/", {"action_add": "", "email": VICTIM})
    client.post("/accounts/email/", {"action_remove": "", "email": ect_user.email})
    ect_user.refresh_from_db()
    assert ect_user.email == "ect@elm.example.org"


def test_the_e_mail_page_says_why_an_unproven_address_cannot_be_changed(client, ect_user):
    client.force_login(ect_user)
    response = client.post("/accounts/email/", {"action_add": "", "email": "ect.new@elm.example.org"})
    assert "is not confirmed yet" in response.content.decode()
    assert _addresses(ect_user) == [("ect@elm.example.org", False, True)]


def test_the_verification_link_replaces_the_old_address(client, world, mailoutbox):
    ect_user = world.ect.person.user
    client.force_login(ect_user)
    client.post("/accounts/email/", {"action_add": "", "email": "ect.new@elm.example.org"})
    path = re.search(r"http\S+(/accounts/confirm-email/\S+/)", mailoutbox[0].body).group(1)

    assert client.get(path).status_code == 200
    client.post(path)

    ect_user.refresh_from_db()
    assert ect_user.email == "ect.new@elm.example.org"
    assert _addresses(ect_user) == [("ect.new@elm.example.org", True, True)]
    assert "ect@elm.example.org" in [m.to[0] for m in mailoutbox]  # the old address is told


def test_an_address_another_account_uses_cannot_be_added(world, client, ect_user, mailoutbox):
    client.force_login(ect_user)
    response = client.post("/accounts/email/", {"action_add": "", "email": world.staff.user.email})
    assert "Another account already uses this e-mail address." in response.content.decode()
    assert not EmailAddress.objects.filter(user=ect_user, email=world.staff.user.email).exists()
    assert mailoutbox == []


def test_a_password_sign_in_with_an_unproven_address_sends_a_verification_e_mail(client, ect_user, mailoutbox):
    response = client.post("/accounts/login/", {"login": ect_user.email, "password": PASSWORD}, follow=True)

    assert "/accounts/confirm-email/" in response.redirect_chain[-1][0]
    assert "Verify Your Email Address" in response.content.decode()
    assert client.get("/").status_code == 302  # not signed in
    assert [m.to for m in mailoutbox] == [[ect_user.email]]
    path = re.search(r"http\S+(/accounts/confirm-email/\S+/)", mailoutbox[0].body).group(1)
    client.post(path)
    assert EmailAddress.objects.get(user=ect_user).verified


def test_a_proven_address_signs_in_by_password(world, client):
    response = client.post("/accounts/login/", {"login": world.mentor.person.user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_sign_in_code_proves_the_address(client, ect_user, mailoutbox):
    client.post("/accounts/login/code/", {"email": ect_user.email})
    code = re.search(r"^\s*([A-Z0-9]+(?:-[A-Z0-9]+)+)\s*$", mailoutbox[-1].body, re.MULTILINE).group(1)

    response = client.post("/accounts/login/code/confirm/", {"code": code})

    assert response.status_code == 302 and "confirm-email" not in response["Location"]
    assert client.get("/").status_code == 302 and client.get("/", follow=True).status_code == 200
    assert _addresses(ect_user) == [(ect_user.email, True, True)]


def test_a_set_up_link_proves_the_address(world, client, mailoutbox, django_capture_on_commit_callbacks):
    with hub_scope(world.hub), django_capture_on_commit_callbacks(execute=True):
        person = services.get_or_create_person(world.hub, "fresh@elm.example.org", "Fresh", "Face")
        services.add_mentor(person, world.school, None)
        services.invite(person, None)
    assert _addresses(person.user) == [("fresh@elm.example.org", False, True)]
    path = re.search(r"http\S+?(/accounts/password/reset/key/\S+/)", mailoutbox[0].body).group(1)
    form = client.get(path, follow=True).redirect_chain[-1][0]

    response = client.post(form, {"password1": "a-New-pass-phrase-2026", "password2": "a-New-pass-phrase-2026"})

    assert response.status_code == 302 and "confirm-email" not in response["Location"]
    assert _addresses(person.user) == [("fresh@elm.example.org", True, True)]


def test_a_reset_link_is_never_sent_to_a_pending_address(client, world, mailoutbox):
    ect_user = world.ect.person.user
    client.force_login(ect_user)
    client.post("/accounts/email/", {"action_add": "", "email": "pending@elm.example.org"})
    client.logout()
    mailoutbox.clear()
    client.post("/accounts/password/reset/", {"email": "pending@elm.example.org"})
    assert not any("/accounts/password/reset/key/" in m.body for m in mailoutbox)
    client.post("/accounts/password/reset/", {"email": ect_user.email})
    assert [m.to for m in mailoutbox if "/accounts/password/reset/key/" in m.body] == [[ect_user.email]]


def test_an_account_a_hub_creates_starts_with_its_address_unproven(db):
    user = User.objects.create_user("imported@example.org")
    assert _addresses(user) == [("imported@example.org", False, True)]


def test_factory_accounts_have_proven_addresses_unless_told_otherwise(world):
    assert _addresses(world.tutor.person.user) == [("tutor@elm.example.org", True, True)]
    user = factories.UserFactory(email="hub-made@example.org", email_verified=False)
    assert _addresses(user) == [("hub-made@example.org", False, True)]


def test_the_data_migration_keeps_proven_addresses_and_drops_unproven_extras(world):
    """Existing accounts: an address allauth already verified (a sign-in by code) stays proven; one
    never proven gets an unproven primary row (a verification e-mail at the next password sign-in);
    extra addresses added without proof are dropped."""
    from django.apps import apps

    forwards = importlib.import_module("participants.migrations.0005_sign_in_addresses").forwards
    proven, unproven = world.staff.user, world.ect.person.user
    EmailAddress.objects.filter(user=unproven).delete()
    EmailAddress.objects.create(user=unproven, email=VICTIM, primary=True, verified=False)
    EmailAddress.objects.create(user=proven, email="extra@north.example.org", primary=False, verified=False)

    forwards(apps, None)

    assert _addresses(proven) == [(proven.email, True, True)]
    assert _addresses(unproven) == [(unproven.email, False, True)]

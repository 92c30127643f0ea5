"""An account someone already owns is never handed to another hub, and hubs learn nothing about each other.

The victim throughout is the South hub's ECT (an account with a password and a South membership);
the North hub types their address into each of its four ways in: adding a person, importing
registrations, inviting, and `create_hub` for a new hub's admin.
"""

import io
import re
import time
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core import signing
from django.core.management import call_command
from django_scopes import scopes_disabled

from participants import confirmations, services
from participants.models import Person, User
from participants.tenancy import memberships
from schools.models import Hub
from schools.scoping import hub_scope
from tests import csv_imports, factories

TYPED = {"first_name": "Sam", "last_name": "Typed"}


@pytest.fixture
def victim(world):
    """The South hub's ECT: an account with a password and a membership of the South."""
    with scopes_disabled():
        user = world.other_ect.person.user
        Person.objects.filter(pk=world.other_ect.person.pk).update(first_name="Rosalind", last_name="Realname")
    User.objects.filter(pk=user.pk).update(first_name="Rosalind", last_name="Realname")
    user.refresh_from_db()
    return user


def _add(client, world, email):
    client.force_login(world.tutor.person.user)
    return client.post(
        f"/schools/{world.school.code}/people/new/",
        {"role": "mentor", **TYPED, "email": email, "start_date": "2026-09-01"},
    )


def _import(world, email, tmp_path):
    row = {
        "school_urn": world.school.urn, "school_name": world.school.name, "role": "mentor", **TYPED, "email": email,
    }
    header = ["school_urn", "school_name", "role", "first_name", "last_name", "email", "programme", "cohort_start",
              "start_date", "mentor_email", "fte"]
    csv_imports.run_import("import_registrations", csv_imports.write_csv(tmp_path, [row], header), hub="north")


def _invite(client, world, email):
    client.force_login(world.staff.user)
    return client.post(
        "/hub/invite/", {"role": "induction_tutor", "school": world.school.pk, **TYPED, "email": email}, follow=True
    )


def _north_person(world, user):
    with scopes_disabled():
        return Person.objects.select_related("user").get(hub=world.hub, user=user)


def _hubs_of(user):
    return {person.hub.slug for person in memberships(user)}


ENTRY_POINTS = ["add", "import", "invite"]


def _attach(entry, client, world, email, tmp_path):
    if entry == "add":
        return _add(client, world, email)
    if entry == "import":
        return _import(world, email, tmp_path)
    return _invite(client, world, email)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_another_hubs_account_gets_no_access_until_its_owner_confirms(world, victim, client, tmp_path, entry,
                                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _attach(entry, client, world, victim.email, tmp_path)

    person = _north_person(world, victim)
    assert not person.is_confirmed
    assert _hubs_of(victim) == {"south"}
    client.force_login(victim)
    assert client.post("/switch/hub/", {"hub": str(world.hub.code)}).status_code == 302
    home = client.get("/", follow=True).content.decode()
    assert world.other_hub.name in home and world.hub.name not in home
    assert client.get(f"/schools/{world.school.code}/").status_code == 404
    email = victim.email
    victim.refresh_from_db()
    assert (victim.first_name, victim.last_name, victim.email) == ("Rosalind", "Realname", email)


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_the_hub_sees_only_what_it_typed(world, victim, client, tmp_path, entry):
    response = _attach(entry, client, world, victim.email, tmp_path)
    if response is not None and entry == "invite":
        assert "Sam Typed has been invited" in response.content.decode()
    person = _north_person(world, victim)

    client.force_login(world.staff.user)
    pages = [f"/people/{person.code}/", "/people/", f"/schools/{world.school.code}/", f"/people/{person.code}/edit/"]
    for url in pages:
        body = client.get(url).content.decode()
        assert "Rosalind" not in body and "Realname" not in body, url
        assert world.other_hub.name not in body, url
    page = client.get(f"/people/{person.code}/").content.decode()
    assert "Sam Typed" in page and "Not signed in yet" in page and "Edit details" in page
    assert "Sam Typed" in client.get("/people/", {"q": "Typed"}).content.decode()
    assert "Sam Typed" not in client.get("/people/", {"q": "Realname"}).content.decode()


def test_a_pending_person_looks_like_a_new_person_who_has_not_signed_in(world, victim, client):
    _add(client, world, victim.email)
    _add(client, world, "brand.new@elm.example.org")
    pending, new = _north_person(world, victim), _north_person(world, User.objects.get(email="brand.new@elm.example.org"))
    client.force_login(world.staff.user)
    client.get("/people/")  # shows (and so clears) the "added" messages

    def shape(person):
        body = client.get(f"/people/{person.code}/").content.decode().replace(person.user.email, "EMAIL")
        body = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "CODE", body)
        body = re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1TOKEN", body)
        return re.sub(r"<time [^>]*>[^<]*</time>", "TIME", body)

    assert shape(pending) == shape(new)
    with hub_scope(world.hub):
        never = set(services.people_never_signed_in(world.school))
    assert {pending, new} <= never


def test_the_other_hubs_staff_can_still_edit_their_name_and_the_names_are_each_hubs_own(world, victim, client):
    _add(client, world, victim.email)
    client.force_login(world.other_staff.user)

    response = client.post(
        f"/people/{world.other_ect.person.code}/edit/",
        {"first_name": "Rosa", "last_name": "Renamed", "email": victim.email},
    )

    assert response.status_code == 302
    with scopes_disabled():
        assert Person.objects.get(pk=world.other_ect.person.pk).full_name == "Rosa Renamed"
    assert _north_person(world, victim).full_name == "Sam Typed"


def test_a_brand_new_address_is_confirmed_from_the_start(world, client):
    _add(client, world, "new.mentor@elm.example.org")
    user = User.objects.get(email="new.mentor@elm.example.org")
    assert _north_person(world, user).is_confirmed
    assert _hubs_of(user) == {"north"}


def test_an_unused_account_with_no_hub_and_no_password_is_confirmed_from_the_start(world, client):
    user = User.objects.create_user(email="orphan@elm.example.org")
    _add(client, world, user.email)
    assert _north_person(world, user).is_confirmed


def test_create_hub_with_another_hubs_account_as_admin_waits_for_confirmation(world, victim, mailoutbox,
                                                                              django_capture_on_commit_callbacks):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_hub", "east", "East TSH", admin_email=victim.email, stdout=out)

    east = Hub.objects.get(slug="east")
    with scopes_disabled():
        person = Person.objects.get(hub=east, user=victim)
    assert person.is_hub_admin and not person.is_confirmed
    assert _hubs_of(victim) == {"south"}
    assert "once they confirm" in out.getvalue()
    assert [m.to for m in mailoutbox] == [[victim.email]]
    assert "/memberships/confirm/" in mailoutbox[0].body and "/password/reset/" not in mailoutbox[0].body


# --- Confirming ---------------------------------------------------------------------------------


@pytest.fixture
def pending(world, victim, client, mailoutbox, django_capture_on_commit_callbacks):
    """The North's unconfirmed person for the victim, and the path of the link e-mailed to them."""
    with django_capture_on_commit_callbacks(execute=True):
        _invite(client, world, victim.email)
    client.logout()
    (message,) = mailoutbox
    assert message.to == [victim.email] and world.hub.name in message.subject
    assert "/password/reset/" not in message.body
    link = next(line for line in message.body.splitlines() if "/memberships/confirm/" in line)
    return _north_person(world, victim), link.replace(settings.SITE_URL, "")


def test_the_owner_confirms_from_the_link_and_then_works_in_the_hub(world, victim, client, pending):
    person, path = pending

    response = client.get(path)
    assert response.status_code == 302 and urlparse(response["Location"]).path == "/accounts/login/"
    client.force_login(victim)
    page = client.get(path)
    assert page.status_code == 200 and "<form method=\"post\"" in page.content.decode()
    assert _hubs_of(victim) == {"south"}  # opening the link (a mail scanner) confirms nothing

    response = client.post(path)

    assert response.status_code == 302
    assert _hubs_of(victim) == {"north", "south"}
    assert client.get(f"/schools/{world.school.code}/").status_code == 200
    with scopes_disabled():
        summaries = [change.summary for change in Person.objects.get(pk=person.pk).changes.all()]
    assert f"Confirmed joining {world.hub.name}" in summaries


def test_a_used_link_confirms_nothing_more_and_says_so(world, victim, client, pending):
    person, path = pending
    client.force_login(victim)
    client.post(path)
    with scopes_disabled():
        changes = Person.objects.get(pk=person.pk).changes.count()

    for response in (client.get(path), client.post(path)):
        assert response.status_code == 200 and "Already confirmed" in response.content.decode()
    with scopes_disabled():
        assert Person.objects.get(pk=person.pk).changes.count() == changes


def test_someone_elses_link_is_a_404_and_confirms_nothing(world, victim, client, pending):
    _, path = pending
    client.force_login(world.other_staff.user)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 404 and "This link does not work" in response.content.decode()
    assert _hubs_of(victim) == {"south"}


@pytest.mark.parametrize("tamper", ["signed elsewhere", "payload swapped", "garbage"])
def test_a_forged_link_is_a_clear_404(world, victim, client, pending, tamper):
    person, path = pending
    token = path.rstrip("/").rsplit("/", 1)[1]
    if tamper == "signed elsewhere":
        token = signing.dumps({"person": str(person.code), "user": victim.pk}, salt="another-salt")
    elif tamper == "payload swapped":
        other = signing.dumps({"person": str(person.code), "user": world.staff.user.pk}, salt=confirmations.SALT)
        token = other.split(":", 1)[0] + ":" + token.split(":", 1)[1]
    else:
        token = "not-a-token"
    client.force_login(victim)
    for response in (client.get(f"/memberships/confirm/{token}/"), client.post(f"/memberships/confirm/{token}/")):
        assert response.status_code == 404 and "This link does not work" in response.content.decode()
    assert _hubs_of(victim) == {"south"}


def test_an_expired_link_says_so(world, victim, client, pending, monkeypatch):
    person, _ = pending
    real_time = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - confirmations.MAX_AGE.total_seconds() - 60)
    token = confirmations.make_token(person)
    monkeypatch.setattr(signing.time, "time", real_time)
    client.force_login(victim)
    for response in (client.get(f"/memberships/confirm/{token}/"), client.post(f"/memberships/confirm/{token}/")):
        assert response.status_code == 410 and "This link has expired" in response.content.decode()
    assert _hubs_of(victim) == {"south"}


def test_a_link_sent_before_the_hub_corrected_the_address_no_longer_works(world, victim, client, pending):
    person, path = pending
    client.force_login(world.staff.user)
    client.post(f"/people/{person.code}/edit/", {**TYPED, "email": "sam.typed@elm.example.org"})
    email = victim.email
    client.force_login(victim)
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404
    victim.refresh_from_db()
    assert victim.email == email
    assert _hubs_of(victim) == {"south"}
    assert _north_person(world, User.objects.get(email="sam.typed@elm.example.org")).pk == person.pk


def test_the_timeline_names_actors_as_the_hub_knows_them(world, client):
    with scopes_disabled():
        Person.objects.filter(pk=world.staff.pk).update(first_name="Hub", last_name="Colleague")
    User.objects.filter(pk=world.staff.user.pk).update(first_name="Secret", last_name="Accountname")
    _add(client, world, "someone@elm.example.org")  # by the tutor
    client.force_login(world.staff.user)
    person = _north_person(world, User.objects.get(email="someone@elm.example.org"))
    client.post(f"/people/{person.code}/edit/", {"first_name": "Some", "last_name": "One", "email": person.user.email})

    body = client.get(f"/people/{person.code}/").content.decode()

    assert "by Hub Colleague" in body and "Accountname" not in body


def test_factories_give_each_person_their_users_name(db):
    with scopes_disabled():
        person = factories.PersonFactory(user__first_name="Ada", user__last_name="Lovelace")
    assert str(person) == "Ada Lovelace"

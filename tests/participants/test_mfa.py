"""Two-factor authentication: required of hub staff and admins (the active hub decides), optional
for everyone else; signing in asks for the authenticator code or a recovery code."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

from tests import factories
from tests.factories import PASSWORD, totp_code

ACTIVATE = "/accounts/2fa/totp/activate/"


@pytest.fixture
def new_staff(world):
    """A hub staff member who has not set up an authenticator yet."""
    return factories.PersonFactory(hub=world.hub, hub_role="staff", authenticator=False, user__email="new@north.example.org")


def _sign_in_with_password(client, email):
    return client.post("/accounts/login/", {"login": email, "password": PASSWORD})


def _reauthenticate(client, next_url):
    """allauth asks for the password again before changing a second factor."""
    response = client.get(next_url)
    assert response["Location"].startswith("/accounts/reauthenticate/")
    client.post(response["Location"], {"password": PASSWORD})


def test_hub_staff_without_an_authenticator_are_sent_to_set_one_up(new_staff, client):
    client.force_login(new_staff.user)
    for url in ("/hub/", "/hub/engagement/", "/people/", "/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == ACTIVATE, url
    htmx = client.get("/hub/", {"q": "Elm"}, HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == ACTIVATE


def test_hub_admins_too(world, client):
    admin = factories.PersonFactory(hub=world.hub, hub_role="admin", authenticator=False)
    client.force_login(admin.user)
    assert client.get("/hub/")["Location"] == ACTIVATE


def test_they_can_still_reach_their_account_pages_and_sign_out(new_staff, client):
    client.force_login(new_staff.user)
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.get("/accounts/password/change/").status_code == 200
    assert client.get("/accessibility/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/hub/")["Location"].startswith("/accounts/login/")


def test_hub_staff_with_an_authenticator_use_the_hub(world, client):
    client.force_login(world.staff.user)
    assert client.get("/hub/").status_code == 200


@pytest.mark.parametrize("who", ["tutor", "mentor", "ect"])
def test_other_roles_do_not_need_one(world, client, who):
    user = getattr(world, who).person.user
    assert not Authenticator.objects.filter(user=user).exists()
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert ACTIVATE not in [url for url, _ in response.redirect_chain]


def test_the_active_hub_decides(world, client):
    """Hub staff in one hub who is only a tutor in another is not asked while acting in the other."""
    tutor_elsewhere = factories.InductionTutorFactory(school__hub=world.other_hub)
    factories.PersonFactory(hub=world.hub, hub_role="staff", user=tutor_elsewhere.person.user, authenticator=False)
    client.force_login(tutor_elsewhere.person.user)
    client.post("/switch/hub/", {"hub": str(world.other_hub.code)})
    assert client.get(f"/schools/{tutor_elsewhere.school.code}/engagement/").status_code == 200
    client.post("/switch/hub/", {"hub": str(world.hub.code)})
    assert client.get("/hub/")["Location"] == ACTIVATE


def test_the_requirement_can_be_switched_off(new_staff, client, settings):
    settings.MFA_REQUIRED_FOR_HUB_ROLES = False
    client.force_login(new_staff.user)
    assert client.get("/hub/").status_code == 200


def test_setting_up_the_authenticator_app_opens_the_hub(new_staff, client):
    assert _sign_in_with_password(client, new_staff.user.email)["Location"] == "/"
    assert client.get("/")["Location"] == ACTIVATE
    _reauthenticate(client, ACTIVATE)
    page = client.get(ACTIVATE)
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    wrong = client.post(ACTIVATE, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "Incorrect code" in wrong.content.decode()
    response = client.post(ACTIVATE, {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/accounts/2fa/recovery-codes/"
    codes = client.get("/accounts/2fa/recovery-codes/").content.decode()
    unused = RecoveryCodes(Authenticator.objects.get(user=new_staff.user, type="recovery_codes")).get_unused_codes()
    assert len(unused) == 10 and unused[0] in codes
    assert client.get("/hub/").status_code == 200


def test_signing_in_asks_hub_staff_for_their_authenticator_code(world, client):
    response = _sign_in_with_password(client, world.staff.user.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/hub/")["Location"].startswith("/accounts/login/")  # not signed in yet
    wrong = client.post("/accounts/2fa/authenticate/", {"code": "12345x"})
    assert "Incorrect code" in wrong.content.decode()
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert response.status_code == 302
    assert client.get("/hub/").status_code == 200


def test_a_recovery_code_signs_in_once(world, client):
    recovery = RecoveryCodes(Authenticator.objects.get(user=world.staff.user, type="recovery_codes"))
    code = recovery.get_unused_codes()[0]
    _sign_in_with_password(client, world.staff.user.email)
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert client.get("/hub/").status_code == 200
    client.logout()
    _sign_in_with_password(client, world.staff.user.email)
    assert "Incorrect code" in client.post("/accounts/2fa/authenticate/", {"code": code}).content.decode()


def test_signing_in_by_code_also_asks_for_the_authenticator_code(world, client):
    from django.core import mail

    client.post("/accounts/login/code/", {"email": world.staff.user.email})
    emailed = re.search(r"^\s*([A-Z0-9]+(?:-[A-Z0-9]+)+)\s*$", mail.outbox[-1].body, re.MULTILINE).group(1)
    response = client.post("/accounts/login/code/confirm/", {"code": emailed})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert client.get("/hub/").status_code == 200


def test_hub_staff_cannot_remove_their_authenticator(world, client):
    _sign_in_with_password(client, world.staff.user.email)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    _reauthenticate(client, "/accounts/2fa/totp/deactivate/")
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 200
    assert "cannot deactivate" in response.content.decode().lower()
    assert Authenticator.objects.filter(user=world.staff.user, type="totp").exists()


def test_other_roles_may_turn_it_on_and_off(world, client):
    user = world.mentor.person.user
    _sign_in_with_password(client, user.email)
    assert client.get("/accounts/2fa/").status_code == 200
    _reauthenticate(client, ACTIVATE)
    client.get(ACTIVATE)
    client.post(ACTIVATE, {"code": totp_code(client.session[SECRET_SESSION_KEY])})
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    response = client.post("/accounts/2fa/totp/deactivate/")
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=user, type="totp").exists()


def test_a_password_reset_does_not_skip_the_authenticator_code(world, client):
    from django.core import mail

    client.post("/accounts/password/reset/", {"email": world.staff.user.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": "a-new-password-2026", "password2": "a-new-password-2026"})
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert client.get("/hub/")["Location"].startswith("/accounts/login/")
    client.post("/accounts/2fa/authenticate/", {"code": totp_code()})
    assert client.get("/hub/").status_code == 200

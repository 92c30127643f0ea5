"""Security headers on every page, and NUL bytes refused with a clear 400 instead of a 500."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django_scopes import scopes_disabled

from schools.models import School

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _csp(response):
    """The Content-Security-Policy header as {directive: [sources]}."""
    directives = [part.split() for part in response["Content-Security-Policy"].split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


# --- Content-Security-Policy, Permissions-Policy, Cache-Control ------------------------------


def test_pages_carry_a_content_security_policy_without_inline_script(world, client):
    signed_out = client.get("/accounts/login/")
    client.force_login(world.staff.user)
    for response in (signed_out, client.get("/hub/")):
        policy = _csp(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def test_every_response_has_a_permissions_policy(world, client):
    response = client.get("/accounts/login/")
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    client.force_login(world.tutor.person.user)
    assert "microphone=()" in client.get(f"/schools/{world.school.code}/").get("Permissions-Policy", "")


@pytest.mark.parametrize("who", ["staff", "tutor"])
def test_signed_in_pages_are_not_stored_by_the_browser(world, client, who):
    person = getattr(world, who)
    client.force_login(getattr(person, "person", person).user)
    url = "/hub/" if who == "staff" else f"/schools/{world.school.code}/engagement/"
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    csv = client.get(f"/schools/{world.school.code}/engagement.csv")
    assert "no-store" in csv["Cache-Control"]


def test_a_public_page_may_be_cached(client):
    response = client.get("/accessibility/")
    assert "no-store" not in response.get("Cache-Control", "")


def test_templates_have_no_inline_script_or_style():
    """The policy forbids inline script and style: none may creep into a template."""
    offenders = []
    for path in [*TEMPLATES.rglob("*.html"), *TEMPLATES.rglob("*.svg")]:
        if "emails" in path.parts:
            continue  # e-mails are not pages: mail clients need inline styles
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"<style\b|\sstyle=|\son[a-z]+=|hx-on", text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_htmx_is_told_not_to_inject_its_indicator_style(client):
    page = client.get("/accounts/login/").content.decode()
    assert '"includeIndicatorStyles": false' in page


# --- NUL bytes -----------------------------------------------------------------------------------


def _assert_refused(response):
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_a_nul_byte_in_a_search_box_is_a_clear_400(world, client):
    client.force_login(world.staff.user)
    _assert_refused(client.get("/hub/", {"q": "Elm\x00"}))
    _assert_refused(client.get("/people/", {"q": "\x00"}))
    _assert_refused(client.get("/hub/engagement/", {"q": "a\x00b"}, HTTP_HX_REQUEST="true"))
    client.force_login(world.tutor.person.user)
    _assert_refused(client.get(f"/schools/{world.school.code}/engagement/", {"q": "\x00"}))


def test_a_nul_byte_in_a_form_post_is_refused_and_nothing_is_saved(world, client):
    client.force_login(world.staff.user)
    response = client.post("/schools/new/", {"name": "Ash\x00 Infants", "urn": "123456"})
    _assert_refused(response)
    assert "the form field &#x27;name&#x27;" in response.content.decode()
    with scopes_disabled():
        assert not School.objects.filter(urn="123456").exists()


def test_a_nul_byte_on_the_sign_in_form_is_refused(world, client):
    _assert_refused(client.post("/accounts/login/", {"login": "staff@north.example.org\x00", "password": "x"}))


def test_a_nul_byte_in_a_cookie_or_header_is_refused(world, client):
    client.cookies[settings.SESSION_COOKIE_NAME] = "abcdefgh\x00ijkl"
    _assert_refused(client.get("/hub/"))
    client.cookies.clear()
    _assert_refused(client.get("/accounts/login/", HTTP_USER_AGENT="Mozilla\x00"))


def test_a_nul_byte_in_the_path_is_refused(client):
    _assert_refused(client.get("/people/%00/"))


def test_ordinary_requests_pass(world, client):
    client.force_login(world.staff.user)
    assert client.get("/hub/", {"q": "Elm"}).status_code == 200

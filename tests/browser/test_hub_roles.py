"""A hub admin manages hub roles and the hub's settings, with axe on each page and its error state."""

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from participants.models import Person
from tests.browser.conftest import axe_check


def _hub_role(person):
    with scopes_disabled():
        return Person.objects.get(pk=person.pk).hub_role


def test_a_hub_admin_grants_changes_and_removes_a_hub_role(page, bworld, sign_in):
    sign_in(bworld.admin.user)
    page.goto("/hub/")
    page.get_by_role("button", name="Hub roles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hub roles")
    expect(page.get_by_role("table")).to_contain_text(bworld.staff.user.email)
    axe_check(page)

    page.get_by_label("E-mail address").fill("nobody@elsewhere.example.org")
    page.get_by_label("Hub staff", exact=True).check()
    page.get_by_role("button", name="Give hub role").click()
    expect(page.get_by_label("E-mail address")).to_have_attribute("aria-invalid", "true")
    axe_check(page)

    page.get_by_label("E-mail address").fill(bworld.tutor.person.user.email)
    page.get_by_label("Hub staff", exact=True).check()
    page.get_by_role("button", name="Give hub role").click()
    expect(page.get_by_role("table")).to_contain_text(bworld.tutor.person.user.email)
    assert _hub_role(bworld.tutor.person) == "staff"

    page.get_by_role("link", name=f"Change the hub role of {bworld.tutor.person}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hub role of")
    axe_check(page)
    page.get_by_label("No hub role").check()
    page.get_by_role("button", name="Save hub role").click()
    expect(page.get_by_role("table")).not_to_contain_text(bworld.tutor.person.user.email)
    assert _hub_role(bworld.tutor.person) == ""


def test_a_hub_admin_edits_the_hubs_settings(page, bworld, sign_in):
    sign_in(bworld.admin.user)
    page.goto("/hub/")
    page.get_by_role("button", name="Hub settings").click()
    page.get_by_label("Contact e-mail").fill("not an address")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_label("Contact e-mail")).to_have_attribute("aria-invalid", "true")
    axe_check(page)

    page.get_by_label("Contact e-mail").fill("ect@north.example.org")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Hub settings saved.")).to_be_visible()
    bworld.hub.refresh_from_db()
    assert bworld.hub.contact_email == "ect@north.example.org"

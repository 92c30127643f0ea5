"""An account's owner confirms joining a hub that added their address: open the link, press the button."""

import re

from django.urls import reverse
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from participants import confirmations, services
from participants.models import HubRole
from participants.tenancy import memberships
from schools.scoping import hub_scope
from tests.browser.conftest import axe_check


def test_the_owner_confirms_joining_another_hub(page, bworld, sign_in):
    owner = bworld.other_staff.user  # the South hub's admin, whose address the North adds as staff
    with hub_scope(bworld.hub):
        person = services.get_or_create_person(bworld.hub, owner.email, "Sam", "Typed")
        services.set_hub_role(person, HubRole.STAFF, actor=None)
    sign_in(owner)

    page.goto(reverse("membership_confirm", kwargs={"token": confirmations.make_token(person)}))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Confirm joining {bworld.hub.name}")
    axe_check(page)
    page.get_by_role("button", name=f"Confirm joining {bworld.hub.name}").click()

    expect(page).to_have_url(re.compile(r"/hub/$"))
    expect(page.get_by_role("status")).to_contain_text(f"You have joined {bworld.hub.name}.")
    with scopes_disabled():
        assert {p.hub for p in memberships(owner)} == {bworld.hub, bworld.other_hub}

    page.go_back()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Already confirmed")
    axe_check(page)
    page.goto("/memberships/confirm/not-a-token/")
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    axe_check(page)

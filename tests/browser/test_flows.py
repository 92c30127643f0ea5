"""Journeys through the real pages: adding an ECT, searching as you type, editing details in place."""

import re

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from participants.models import ECT, MentorAssignment, Person
from tests.browser.conftest import axe_check

MARKER = "window.__stillTheSamePage = 'yes'"
SAME_PAGE = "window.__stillTheSamePage === 'yes'"
# Focus inside the details section (a locator, not a page function: the CSP forbids eval, which
# Playwright's wait_for_function uses to poll a string).
FOCUS_IN_DETAILS = "#person-details:focus-within"


def test_tutor_adds_an_ect_with_a_mentor(page, bworld, sign_in):
    sign_in(bworld.tutor.person.user)
    page.goto(f"/schools/{bworld.school.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Elm Primary")
    page.get_by_role("button", name="Add an ECT, mentor or tutor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a person to Elm Primary")

    page.get_by_label("ECT", exact=True).check()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Lovelace")
    page.get_by_label("E-mail address").fill("ada@elm.example.org")
    page.get_by_label("Start date").fill("2025-09-01")
    page.get_by_label("Programme").select_option("ecte2025")
    page.get_by_label("Cohort start year").fill("2025")
    page.get_by_label("Mentor (optional)").select_option(label=str(bworld.mentor))
    page.get_by_role("button", name="Add person").click()

    expect(page).to_have_url(re.compile(rf"/schools/{bworld.school.code}/$"))
    expect(page.get_by_role("status")).to_contain_text("Ada Lovelace added to Elm Primary.")
    # The row's Study and Coaching links name the ECT too ("Study of Ada Lovelace"): match the name link exactly.
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Ada Lovelace", exact=True))
    expect(row).to_contain_text(bworld.mentor.person.full_name)
    expect(row).to_contain_text("Active")
    axe_check(page)  # the page with a success message

    with scopes_disabled():
        ect = ECT.objects.get(person__user__email="ada@elm.example.org")
        assert ect.school == bworld.school
        assert MentorAssignment.objects.get(ect=ect).mentor == bworld.mentor

    # The new ECT's own page is one click away.
    row.get_by_role("link", name="Ada Lovelace", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ada Lovelace")


def test_hub_search_filters_rows_as_you_type_without_reloading(page, bworld, sign_in):
    sign_in(bworld.staff.user)
    page.goto("/hub/")
    rows = page.locator("#school-rows tbody tr")
    expect(rows).to_have_count(2)
    page.evaluate(MARKER)

    page.get_by_label("Search by school name or URN").press_sequentially("oak", delay=30)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Oak Academy")
    expect(page).to_have_url(re.compile(r"/hub/\?q=oak$"))  # the search is in the address, to share or go back to
    assert page.evaluate(SAME_PAGE), "the page reloaded"

    page.get_by_label("Search by school name or URN").fill("no such school")
    expect(page.locator("#school-rows")).to_contain_text("No school matches “no such school”.")
    page.get_by_label("Search by school name or URN").fill("")
    expect(rows).to_have_count(2)
    assert page.evaluate(SAME_PAGE), "the page reloaded"
    # Another hub's schools never show up.
    page.get_by_label("Search by school name or URN").fill("Birch")
    expect(page.locator("#school-rows")).to_contain_text("No school matches")
    expect(page.locator("#school-rows")).to_have_count(1)  # the rows are swapped in, not nested inside themselves
    axe_check(page)


def test_school_and_people_searches_filter_in_place(page, bworld, sign_in):
    sign_in(bworld.tutor.person.user)
    page.goto(f"/schools/{bworld.school.code}/")
    page.evaluate(MARKER)
    rows = page.locator("#ect-rows tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Search ECTs by name or e-mail").fill(bworld.unmentored_ect.person.user.email)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(bworld.unmentored_ect.person.full_name)
    expect(page.locator("#ect-rows")).to_have_count(1)

    page.goto("/people/")
    page.evaluate(MARKER)
    rows = page.locator("#people-rows tbody tr")
    page.get_by_label("Search by name or e-mail").fill(bworld.mentor.person.user.email)
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Mentor at Elm Primary")
    expect(page.locator("#people-rows")).to_have_count(1)
    assert page.evaluate(SAME_PAGE), "the page reloaded"


def test_back_after_a_search_shows_the_whole_page(page, bworld, sign_in):
    """The fragment htmx fetched for a search shares its URL with the page: Back must not show the fragment.

    Searching as you type replaces the address (hx-replace-url) rather than adding a Back step
    for every pause in typing: Back leaves the search page, and Back from a result returns to
    the whole page with the latest search.
    """
    sign_in(bworld.staff.user)
    page.goto("/hub/")
    search = page.get_by_label("Search by school name or URN")
    rows = page.locator("#school-rows tbody tr")
    history_length = page.evaluate("history.length")
    search.fill("oak")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/hub/\?q=oak$"))
    page.get_by_role("link", name="Oak Academy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Oak Academy")
    page.go_back()  # a new document: the browser's cache must not hand back the fragment
    expect(page).to_have_url(re.compile(r"/hub/\?q=oak$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(bworld.hub.name)
    expect(search).to_have_value("oak")
    expect(rows).to_have_count(1)

    # Refining the search adds no Back step of its own…
    search.fill("elm")
    expect(rows.first).to_contain_text("Elm Primary")
    expect(page).to_have_url(re.compile(r"/hub/\?q=elm$"))
    assert page.evaluate("history.length") == history_length + 1  # the hub page and Oak Academy's
    # …and Back from a result returns to the whole page with the refined search.
    page.get_by_role("link", name="Elm Primary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Elm Primary")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/hub/\?q=elm$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(bworld.hub.name)
    expect(search).to_have_value("elm")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Elm Primary")


def test_details_are_edited_in_place(page, bworld, sign_in):
    sign_in(bworld.tutor.person.user)
    ect_person = bworld.ect.person
    page.goto(f"/people/{ect_person.code}/")
    page.evaluate(MARKER)
    details = page.locator("#person-details")

    details.get_by_role("button", name="Edit details").click()
    first_name = details.get_by_label("First name")
    expect(first_name).to_have_value(ect_person.first_name)
    expect(page).to_have_url(re.compile(rf"/people/{ect_person.code}/$"))
    # Keyboard users are not dropped back at the top of the page.
    expect(page.locator(FOCUS_IN_DETAILS)).to_have_count(1)  # htmx moves focus when the swap settles, just after the swap
    axe_check(page)

    # A mistake is shown in place, next to its field.
    details.get_by_label("E-mail address").fill("not-an-address")
    details.get_by_role("button", name="Save details").click()
    expect(details.get_by_label("E-mail address")).to_have_attribute("aria-invalid", "true")
    assert page.evaluate(SAME_PAGE), "the page reloaded"

    details.get_by_label("E-mail address").fill("grace@elm.example.org")
    first_name.fill("Grace")
    details.get_by_role("button", name="Save details").click()
    expect(details.get_by_role("definition").first).to_have_text(f"Grace {ect_person.last_name}")
    expect(details).to_contain_text("Change to grace@elm.example.org requested")  # until confirmed from there
    expect(details.get_by_role("button", name="Edit details")).to_be_visible()
    assert page.evaluate(SAME_PAGE), "the page reloaded"
    expect(page.locator(FOCUS_IN_DETAILS)).to_have_count(1)  # htmx moves focus when the swap settles, just after the swap

    with scopes_disabled():
        person = Person.objects.select_related("user").get(pk=ect_person.pk)
        assert (person.first_name, person.user.email) == ("Grace", "ect@elm.example.org")

"""Every role's pages on a 375 px phone, with a very long unbroken name, e-mail and school name in
the data: the page never scrolls sideways (a table may, inside its own labelled region), the long
words wrap, the navigation reaches each page of the role, and axe finds nothing serious."""

import datetime
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from engagement import compute
from participants import uploads
from participants.cohorts import academic_year_of
from participants.models import Person, User
from schools import terms
from schools.models import School
from tests import factories
from tests.browser.conftest import axe_blocking, format_violations, screenshot
from tests.conftest import typical_term_dates

DATA = Path(__file__).parent.parent / "participants" / "data"

PHONE = {"width": 375, "height": 800}
LONG_FIRST = "Wolfeschlegelsteinhausenbergerdorff"
LONG_LAST = "Featherstonehaughcholmondeleymarjoribanks"
LONG_EMAIL = "bartholomew.featherstonehaughcholmondeley.marjoribanks@llanfairpwllgwyngyll-academy-trust.example.org"
LONG_SCHOOL = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch Primary"

# What overflows sideways, outside the table regions that say they scroll: every element wider than
# the viewport whose overflow is not inside such a region.
OVERFLOW = """() => {
  const page = document.scrollingElement;
  const width = page.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.table-wrap[role=region]')) continue;
    const box = el.getBoundingClientRect();
    if (box.width && (box.right > width + 1 || box.left < -1) && !el.closest('.skip-link, .visually-hidden')) {
      wide.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + Math.round(box.right) + 'px');
    }
  }
  return {scrollWidth: page.scrollWidth, clientWidth: width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def phone_world(bworld):
    """The committed World with term dates, a long-named ECT at a long-named school, a coaching cycle and figures."""
    w, today = bworld, timezone.localdate()
    year = academic_year_of(today)
    if year not in (2025, 2026):
        pytest.skip(f"{today} is outside the induction of the World's 2025 cohort")
    with scopes_disabled():
        for academic_year in (year - 1, year):
            terms.save_year(w.hub, academic_year, typical_term_dates(academic_year))
        User.objects.filter(pk=w.ect.person.user.pk).update(first_name=LONG_FIRST, last_name=LONG_LAST, email=LONG_EMAIL)
        Person.objects.filter(pk=w.ect.person.pk).update(first_name=LONG_FIRST, last_name=LONG_LAST)
        School.objects.filter(pk=w.school.pk).update(name=LONG_SCHOOL)
        factories.CoachingCycleFactory(
            ect=w.ect, mentor=w.mentor, observed_on=today - datetime.timedelta(days=3), focus="Questioning",
        )
        compute.recompute([w.hub], today)
        w.upload = uploads.create(w.hub, w.staff.user, "dfe_participants.csv", (DATA / "dfe_participants.csv").read_bytes())
        uploads.run_check(w.upload.pk)
    return w


def _pages(w):
    ect, school, mentor = w.ect.code, w.school.code, w.mentor.code
    ect_pages = [f"/ects/{ect}/study/", f"/ects/{ect}/coaching/", f"/ects/{ect}/engagement/", f"/people/{w.ect.person.code}/"]
    forms = [
        f"/schools/{school}/people/new/", f"/people/{w.ect.person.code}/edit/", f"/ects/{ect}/edit/", f"/ects/{ect}/mentor/",
        f"/ects/{ect}/status/", f"/ects/{ect}/formal-observations/new/",
    ]
    pages = {
        "staff": [
            "/hub/engagement/", "/hub/", "/people/", "/hub/terms/", "/hub/terms/copy-forward/",
            f"/schools/{school}/", f"/schools/{school}/engagement/", f"/schools/{school}/coaching/",
            f"/mentors/{mentor}/engagement/", *ect_pages, "/hub/invite/", f"/schools/{school}/edit/", "/hub/terms/new/",
            "/hub/nudges/", "/hub/nudges/settings/", "/hub/nudges/opted-out/",
            "/hub/imports/", f"/hub/imports/{w.upload.code}/", "/events/", "/events/booking/", "/onboarding/",
        ],
        "tutor": [
            f"/schools/{school}/engagement/", f"/schools/{school}/", f"/schools/{school}/coaching/", "/people/",
            f"/mentors/{mentor}/engagement/", *ect_pages, *forms,
            f"/schools/{school}/nudges/pause/", f"/people/{w.ect.person.code}/nudge/", "/events/booking/", "/onboarding/",
        ],
        "mentor": [
            "/mentoring/", f"/mentors/{mentor}/engagement/", *ect_pages, f"/ects/{ect}/coaching/new/", f"/ects/{ect}/meetings/new/",
            "/events/mine/",
        ],
        "ect": [*ect_pages, "/events/mine/"],
    }
    return {who: [*paths, "/accounts/2fa/"] for who, paths in pages.items()}


@pytest.mark.parametrize("who", ["staff", "tutor", "mentor", "ect"])
def test_every_page_of_each_role_fits_a_phone_and_passes_axe(page, phone_world, sign_in, who):
    w = phone_world
    sign_in(w.staff.user if who == "staff" else getattr(w, who).person.user)
    page.set_viewport_size(PHONE)
    main_nav = page.get_by_role("navigation", name="Main")
    problems = []
    visited = set()
    for path in _pages(w)[who]:
        response = page.goto(path)
        assert response.status == 200, f"{who}: {path} answered {response.status}"
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        screenshot(page, f"phone-{who}-{path.strip('/').replace('/', '-')[:60]}")
        fit = page.evaluate(OVERFLOW)
        if fit["scrollWidth"] > fit["clientWidth"] or fit["wide"]:
            problems.append(f"{path} scrolls sideways ({fit['scrollWidth']}px in {fit['clientWidth']}px): {fit['wide']}")
        if blocking := axe_blocking(page):
            problems.append(f"== axe on {path}\n{format_violations(blocking)}")
        visited.add(path)
    # Every link of the role's navigation is one of the pages checked here.
    nav_paths = {href.split("#")[0] for href in main_nav.locator("ul.nav-links a").evaluate_all("links => links.map(a => a.getAttribute('href'))")}
    assert nav_paths and nav_paths <= visited, f"{who}: navigation links not checked: {nav_paths - visited}"
    assert not problems, "\n".join(problems)


def test_a_long_name_and_e_mail_wrap_on_the_persons_page(page, phone_world, sign_in):
    sign_in(phone_world.staff.user)
    page.set_viewport_size(PHONE)
    page.goto(f"/people/{phone_world.ect.person.code}/")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"{LONG_FIRST} {LONG_LAST}")
    assert heading.bounding_box()["width"] <= PHONE["width"]
    assert heading.evaluate("h => h.getClientRects().length && h.offsetHeight > parseFloat(getComputedStyle(h).lineHeight) * 1.5")
    email = page.locator("dl.summary dd").filter(has_text=LONG_EMAIL)
    assert email.bounding_box()["x"] + email.bounding_box()["width"] <= PHONE["width"]
    breadcrumb = page.get_by_role("navigation", name="Breadcrumb")
    expect(breadcrumb.get_by_role("link", name=LONG_SCHOOL)).to_be_visible()
    breadcrumb.get_by_role("link", name=LONG_SCHOOL).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(LONG_SCHOOL)

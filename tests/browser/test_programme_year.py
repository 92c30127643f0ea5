"""The programme year through the real pages: an ECT records study, a mentor coaches, the induction
tutor observes; mistakes are refused with a clear message; the pages pass axe and fit a phone.

The World has no term dates: the `year` fixture gives the hub typical ones for the ECTs' two
induction years (2025/26 and 2026/27), so the study schedule and the formal observations have periods.
"""

import datetime
import re

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from engagement import coaching, study
from engagement.models import CoachingCycle, FormalObservation, MentorMeeting, Module, StudyRecord
from participants import services
from schools import terms
from tests.browser.conftest import axe_blocking, format_violations, screenshot
from tests.conftest import typical_term_dates

MARKER = "window.__stillTheSamePage = 'yes'"
SAME_PAGE = "window.__stillTheSamePage === 'yes'"
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def year(bworld):
    """The committed World, with the hub's term dates for 2025/26 and 2026/27."""
    with scopes_disabled():
        for academic_year in (2025, 2026):
            terms.save_year(bworld.hub, academic_year, typical_term_dates(academic_year))
    return bworld


def _today():
    return timezone.localdate()


def _current_item(ect):
    """The ECT's study period that contains today (skips the test in a holiday or after their induction)."""
    today = _today()
    with scopes_disabled():
        item = next((i for i in study.schedule(ect, as_of=today) if i.period.contains(today)), None)
    if item is None:
        pytest.skip(f"{today} is in no study period of a 2025 cohort (a holiday, or after July 2027)")
    return item


def _period_row(page, item):
    """The schedule's row for a period, found by its dates as the page shows them."""
    start, end = item.period.start, item.period.end
    dates = f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return page.locator("table.schedule tbody tr").filter(has=page.get_by_role("cell", name=dates, exact=True))


def _count(model, **filters):
    with scopes_disabled():
        return model.objects.filter(**filters).count()


def _error_of(page, field):
    """The error message tied to a field (its `_error` element)."""
    return page.locator(f"#{field.get_attribute('id')}_error")


# --- a. Study: recording a module updates the timeline in place ---------------------------------


def test_ect_records_a_module_and_the_timeline_updates_in_place(page, year, sign_in):
    ect = year.ect
    current = _current_item(ect)
    sign_in(ect.person.user)
    page.goto("/")  # an ECT's home is their study page
    expect(page).to_have_url(re.compile(rf"/ects/{ect.code}/study/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My study")
    row = _period_row(page, current)
    expect(row.locator(".tag")).to_have_text("Due now")

    module_select = page.get_by_label("Module", exact=True)
    module_id = module_select.input_value()  # the next module is chosen for them
    with scopes_disabled():
        module = Module.objects.get(pk=module_id)
    expect(page.get_by_label("Date done")).to_have_value(_today().isoformat())
    page.evaluate(MARKER)
    page.get_by_role("button", name="Record as done").click()

    study_part = page.locator("#study")
    expect(study_part.get_by_role("status")).to_contain_text(f"Recorded “{module.title}” as done on")
    expect(row.locator(".tag")).to_have_text("Done")
    expect(row).to_have_attribute("aria-current", "date")  # still marked as the period we are in
    expect(row).to_contain_text(f"{module.code} on {_today().day} {_today():%b}")
    # offered now only to revise
    expect(module_select.locator(f'optgroup[label="Not done yet"] option[value="{module_id}"]')).to_have_count(0)
    expect(module_select.locator(f'optgroup[label="Done: revise"] option[value="{module_id}"]')).to_have_count(1)
    expect(page.locator("#study")).to_have_count(1)  # swapped, not nested
    assert page.evaluate(SAME_PAGE), "the page reloaded"
    # Keyboard and screen-reader users carry on from the form, not from the top of the page.
    expect(page.get_by_role("heading", name="Record a module")).to_be_focused()
    with scopes_disabled():
        assert list(StudyRecord.objects.filter(ect=ect).values_list("module_id", "done_on")) == [(module.pk, _today())]


def test_ect_revises_a_module_done_before_and_it_counts_for_this_period(page, year, sign_in):
    ect = year.ect
    current = _current_item(ect)
    with scopes_disabled():
        module = Module.objects.filter(programme__code=ect.programme, year=1).order_by("order").first()
        study.record_module(ect, module, datetime.date(2025, 9, 10), ect.person.user)
    sign_in(ect.person.user)
    page.goto(f"/ects/{ect.code}/study/")
    module_select = page.get_by_label("Module", exact=True)
    expect(module_select.locator("optgroup").first).to_have_attribute("label", "Not done yet")
    module_select.select_option(str(module.pk))  # from "Done: revise"
    page.get_by_role("button", name="Record as done").click()

    expect(page.locator("#study").get_by_role("status")).to_contain_text(f"Recorded “{module.title}” as done on")
    row = _period_row(page, current)
    expect(row.locator(".tag")).to_have_text("Done")
    expect(row).to_contain_text(f"{module.code} on {_today().day} {_today():%b}")
    blocking = axe_blocking(page)
    assert not blocking, format_violations(blocking)
    with scopes_disabled():
        assert sorted(StudyRecord.objects.filter(ect=ect, module=module).values_list("done_on", flat=True)) == [
            datetime.date(2025, 9, 10), _today(),
        ]


def test_a_module_done_while_paused_shows_as_done_and_why_it_does_not_count(page, year, sign_in):
    ect = year.ect
    with scopes_disabled():
        services.change_ect_status(ect, "paused", actor=None, on=datetime.date(2025, 9, 15))
        services.change_ect_status(ect, "active", actor=None, on=datetime.date(2025, 9, 29))
        module = Module.objects.filter(programme__code=ect.programme, year=1).order_by("order").first()
        study.record_module(ect, module, datetime.date(2025, 9, 17), ect.person.user)
        paused = next(i for i in study.schedule(ect, as_of=_today()) if i.period.contains(datetime.date(2025, 9, 17)))
    sign_in(ect.person.user)
    page.goto(f"/ects/{ect.code}/study/")
    row = _period_row(page, paused)
    expect(row.locator(".tag")).to_have_text("Done, not counted")
    expect(row).to_contain_text("Paused")
    expect(row).to_contain_text(f"{module.code} on 17 Sep")
    blocking = axe_blocking(page)
    assert not blocking, format_violations(blocking)


# --- b. Study: mistakes save nothing ------------------------------------------------------------


def test_bad_study_input_saves_nothing_and_says_why(page, year, sign_in):
    ect = year.ect
    with scopes_disabled():
        foreign = Module.objects.exclude(programme__code=ect.programme).order_by("pk").first()
    sign_in(ect.person.user)
    page.goto(f"/ects/{ect.code}/study/")
    page.evaluate(MARKER)

    # A date in the future.
    page.get_by_label("Date done").fill((_today() + datetime.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Record as done").click()
    expect(page.get_by_label("Date done")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Date done")).to_have_accessible_description(re.compile("The date cannot be in the future."))
    expect(page.locator("#study").get_by_role("status")).to_have_count(0)

    # A module of another programme, which the list never offers, sent anyway.
    page.get_by_label("Date done").fill(_today().isoformat())
    page.evaluate(
        """([id, label]) => {
            const select = document.querySelector('#id_module');
            select.add(new Option(label, id));
            select.value = id;
        }""",
        [str(foreign.pk), foreign.title],
    )
    page.get_by_role("button", name="Record as done").click()
    expect(page.get_by_label("Module", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(_error_of(page, page.get_by_label("Module", exact=True))).to_have_text(
        f"{foreign.code} is not a module of the ECT's programme ({ect.get_programme_display()})."
    )
    expect(page.get_by_label("Date done")).not_to_have_attribute("aria-invalid", "true")
    assert page.evaluate(SAME_PAGE), "the page reloaded"
    assert _count(StudyRecord, ect=ect) == 0


# --- c. Coaching: a mentor observes and gives feedback; the ECT sees the action step ---------------


def test_mentor_observes_gives_feedback_and_the_ect_sees_the_action_step(page, year, sign_in):
    ect, mentor = year.ect, year.mentor
    sign_in(mentor.person.user)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My ECTs")
    page.get_by_role("link", name=f"Record an observation of {ect.person}", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Record an observation of {ect.person}")
    expect(page.get_by_label("Observation date")).to_have_value(_today().isoformat())
    expect(page.get_by_role("group", name="Feedback session")).to_be_hidden()  # until they say it has been given
    page.get_by_label("Length (minutes)").fill("15")
    page.get_by_label("Class and subject").fill("Year 4 maths")
    page.get_by_label("Focus").fill("Entry routine and do-now task")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"/ects/{ect.code}/coaching/$"))
    expect(page.get_by_role("status")).to_contain_text("Observation saved; add the feedback when you have given it.")
    cycle = page.locator("article.cycle")
    expect(cycle).to_have_count(1)
    expect(cycle).to_contain_text("for 15 minutes · Year 4 maths")
    expect(cycle).to_contain_text("Feedback to come")

    cycle.get_by_role("link", name=re.compile("^Add feedback")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Coaching cycle for {ect.person}")
    page.get_by_label("I have given the feedback too").check()
    expect(page.get_by_label("Feedback date")).to_have_value(_today().isoformat())
    page.get_by_label("Action step").fill("Narrate the positive when the class settles")
    page.get_by_label("Model (optional)").fill("I modelled narrating two pupils who started straight away.")
    page.get_by_label("Practice").fill("Rehearsed the script twice with me as the class.")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_contain_text("Coaching cycle saved.")
    expect(cycle).to_contain_text("Feedback given")
    with scopes_disabled():
        saved = CoachingCycle.objects.get(ect=ect)
    assert (saved.mentor, saved.observation_minutes, saved.feedback_on) == (mentor, 15, _today())

    # The ECT signs in (the session cookie is replaced) and sees the step on both their pages.
    sign_in(ect.person.user)
    page.goto(f"/ects/{ect.code}/coaching/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My coaching and observations")
    action = page.get_by_role("region", name="Current action step")
    expect(action).to_contain_text("Narrate the positive when the class settles")
    expect(action).to_contain_text(f"Set by {mentor.person}")
    page.get_by_role("navigation", name=f"{ect.person}’s pages").get_by_role("link", name="Study").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My study")
    expect(page.get_by_role("article", name="Current action step")).to_contain_text("Narrate the positive when the class settles")


# --- d. Coaching: mistakes save nothing; another mentor's ECT is not there ----------------------


def test_bad_coaching_input_saves_nothing_and_strangers_get_not_found(page, year, sign_in):
    ect = year.ect
    sign_in(year.mentor.person.user)
    page.goto(f"/ects/{ect.code}/coaching/new/")

    # An observation in the future.
    page.get_by_label("Observation date").fill((_today() + datetime.timedelta(days=2)).isoformat())
    page.get_by_label("Focus").fill("Transitions")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Observation date")).to_have_attribute("aria-invalid", "true")
    expect(_error_of(page, page.get_by_label("Observation date"))).to_have_text("The observation date cannot be in the future.")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    expect(page.get_by_label("Focus")).to_have_value("Transitions")  # what they typed is kept
    assert _count(CoachingCycle, ect=ect) == 0

    # Feedback said to be given, but without its action step.
    page.get_by_label("Observation date").fill(_today().isoformat())
    page.get_by_label("I have given the feedback too").check()
    expect(page.get_by_label("Feedback date")).to_have_value(_today().isoformat())
    page.get_by_label("Model (optional)").fill("Showed the countdown.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Action step")).to_have_attribute("aria-invalid", "true")
    expect(_error_of(page, page.get_by_label("Action step"))).to_have_text("Give the one action step agreed in the feedback session.")
    expect(page.get_by_label("I have given the feedback too")).to_be_checked()
    expect(page.get_by_label("Model (optional)")).to_have_value("Showed the countdown.")
    assert _count(CoachingCycle, ect=ect) == 0

    # An ECT of the same school whom this mentor does not mentor: not found, not forbidden.
    response = page.goto(f"/ects/{year.unmentored_ect.code}/coaching/new/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not Found")
    assert _count(CoachingCycle, ect=year.unmentored_ect) == 0


# --- e. Formal observations by the induction tutor -----------------------------------------------


def test_tutor_records_a_formal_observation_and_sees_it_done(page, year, sign_in):
    ect = year.ect
    today = _today()
    with scopes_disabled():
        window = next((w for w in coaching.formal_observation_windows(ect) if w.start <= today <= w.end), None)
    if window is None:
        pytest.skip(f"{today} is in no formal-observation window of a 2025 cohort")
    sign_in(year.tutor.person.user)
    page.goto(f"/ects/{ect.code}/coaching/")
    expected = page.get_by_role("table", name="Formal observations expected and done")
    row = expected.get_by_role("row").filter(has=page.get_by_role("cell", name=f"{window.label} ({window.cohort})", exact=True))
    expect(row.locator(".tag")).to_have_text("Due now")  # the study page's words

    page.get_by_role("button", name="Record a formal observation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Record a formal observation of {ect.person}")
    expect(page.get_by_label("Date")).to_have_value(today.isoformat())
    page.get_by_label("Making expected progress").check()
    page.get_by_label("Notes").fill("Clear routines; questioning is the next focus.")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"/ects/{ect.code}/coaching/$"))
    expect(page.get_by_role("status")).to_contain_text("Formal observation saved.")
    expect(row.locator(".tag")).to_have_text("Done")
    expect(row).to_have_attribute("aria-current", "date")  # still marked as the period we are in
    expect(row).to_contain_text("Making expected progress")
    assert _count(FormalObservation, ect=ect, observed_on=today, tutor=year.tutor) == 1


# --- f. axe on every programme-year page, as each role; phones --------------------------------------


@pytest.fixture
def busy_year(year):
    """The year with something on every page: study done and missed, cycles (one locked), a meeting, an observation."""
    ect, mentor, tutor = year.ect, year.mentor, year.tutor
    with scopes_disabled():
        modules = list(Module.objects.filter(programme__code=ect.programme).order_by("year", "order")[:3])
        for module, day in zip(modules, (datetime.date(2025, 9, 10), datetime.date(2025, 9, 24), datetime.date(2025, 11, 12))):
            study.record_module(ect, module, day, ect.person.user)
        locked = coaching.record_observation(
            ect, mentor, observed_on=datetime.date(2025, 10, 1), observation_minutes=15, class_subject="Year 4 maths",
            focus="Entry routine", feedback_on=datetime.date(2025, 10, 2), action_step="Greet at the door",
            model_shown="Showed the greeting.", practice="Rehearsed it twice.",
        )
        CoachingCycle.objects.filter(pk=locked.pk).update(created_at=timezone.now() - datetime.timedelta(days=60))
        year.cycle = coaching.record_observation(
            ect, mentor, observed_on=_today(), observation_minutes=20, class_subject="Year 4 English",
            focus="Cold calling", feedback_on=_today(), action_step="Pause after the question, then name the pupil",
            model_shown="Modelled the pause.", practice="Practised with three questions.", next_steps="Try it in guided reading.",
        )
        coaching.record_observation(ect, mentor, observed_on=_today(), focus="Transitions")
        coaching.record_meeting(ect, mentor, "pastoral", datetime.date(2025, 11, 5), "Workload check-in.")
        coaching.record_formal_observation(ect, tutor, datetime.date(2025, 10, 8), "on_track", "Settled well.")
    return year


def _axe_pages(page, pages):
    """Visit each (name, path, prepare) and collect axe's serious and critical violations."""
    problems = []
    for name, path, prepare in pages:
        response = page.goto(path)
        assert response.status == 200, f"{name}: {path} answered {response.status}"
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        if prepare:
            prepare(page)
        if blocking := axe_blocking(page):
            problems.append(f"== {name} ({path})\n{format_violations(blocking)}")
    return problems


def _submit_with_mistakes(page):
    page.get_by_label("Observation date").fill("")
    page.get_by_label("I have given the feedback too").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Action step")).to_have_attribute("aria-invalid", "true")


def _submit_without_outcome(page):
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("group", name="Outcome")).to_have_accessible_description(re.compile("required"))


def test_ect_pages_pass_axe_and_fit_a_phone(page, busy_year, sign_in):
    ect = busy_year.ect
    sign_in(ect.person.user)
    study_path, coaching_path = f"/ects/{ect.code}/study/", f"/ects/{ect.code}/coaching/"
    problems = _axe_pages(page, [("study (ECT)", study_path, None), ("coaching record (ECT)", coaching_path, None)])
    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)

    page.set_viewport_size(DESKTOP)
    page.goto(study_path)
    screenshot(page, "study-desktop")
    page.goto(coaching_path)
    screenshot(page, "coaching-desktop")

    page.set_viewport_size(PHONE)
    overflowing = []
    for name, path in (("study", study_path), ("coaching", coaching_path)):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        screenshot(page, f"{name}-phone")
        # On a phone the period tables are laid out as cards, and are still tables to a screen reader.
        expect(page.get_by_role("table").first.get_by_role("columnheader", name="Status")).to_have_count(1)
        widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        if widths[0] > widths[1] + 1:
            overflowing.append(f"{path} is {widths[0]}px wide on a {widths[1]}px screen")
        if blocking := axe_blocking(page):
            overflowing.append(f"== {path} at 375px\n{format_violations(blocking)}")
    assert not overflowing, "\n".join(overflowing)


def test_mentor_pages_pass_axe(page, busy_year, sign_in):
    ect = busy_year.ect
    sign_in(busy_year.mentor.person.user)
    problems = _axe_pages(
        page,
        [
            ("coaching record (mentor)", f"/ects/{ect.code}/coaching/", None),
            ("cycle form: new", f"/ects/{ect.code}/coaching/new/", None),
            ("cycle form: new, with feedback shown", f"/ects/{ect.code}/coaching/new/",
             lambda p: p.get_by_label("I have given the feedback too").check()),
            ("cycle form: with errors", f"/ects/{ect.code}/coaching/new/", _submit_with_mistakes),
            ("cycle form: edit with feedback", f"/coaching/{busy_year.cycle.code}/edit/", None),
            ("meeting form", f"/ects/{ect.code}/meetings/new/", None),
            ("study (mentor)", f"/ects/{ect.code}/study/", None),
        ],
    )
    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)


def test_tutor_pages_pass_axe(page, busy_year, sign_in):
    ect = busy_year.ect
    sign_in(busy_year.tutor.person.user)
    problems = _axe_pages(
        page,
        [
            ("study (tutor)", f"/ects/{ect.code}/study/", None),
            ("coaching record (tutor)", f"/ects/{ect.code}/coaching/", None),
            ("formal observation form", f"/ects/{ect.code}/formal-observations/new/", None),
            ("formal observation form: with errors", f"/ects/{ect.code}/formal-observations/new/", _submit_without_outcome),
            ("school coaching list", f"/schools/{busy_year.school.code}/coaching/", None),
        ],
    )
    assert not problems, "axe found serious or critical violations:\n" + "\n".join(problems)
    # The tutor may unlock the locked cycle; the study page offers them no recording form.
    page.goto(f"/ects/{ect.code}/coaching/")
    expect(page.get_by_role("button", name=re.compile("^Unlock"))).to_have_count(1)
    page.goto(f"/ects/{ect.code}/study/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{ect.person}’s study")
    expect(page.get_by_role("button", name="Record as done")).to_have_count(0)
    assert _count(MentorMeeting, ect=ect) == 1

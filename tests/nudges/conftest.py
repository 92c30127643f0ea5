"""A hub with 2025/26 term dates (Elm Primary, its tutor) and an outsider hub with the same."""

import datetime

import pytest
from django.core.management import call_command

from engagement.calendar import sync_calendar
from engagement.models import CoachingCycle, Module, StudyRecord
from schools.models import HalfTerm
from schools.scoping import hub_scope, scopes_disabled
from tests import factories
from tests.conftest import typical_term_dates

D = datetime.date


def give_terms(hub, years=(2024, 2025)):
    for year in years:
        for name, (start, end) in typical_term_dates(year).items():
            HalfTerm.objects.create(hub=hub, academic_year=year, name=name, start_date=start, end_date=end)
    with hub_scope(hub):
        sync_calendar(hub)


class Place:
    """A hub with term dates, one school and its induction tutor."""

    def __init__(self, slug):
        self.hub = factories.HubFactory(slug=slug, name=f"{slug.title()} Hub", contact_email=f"hello@{slug}.example.org")
        self.school = factories.SchoolFactory(hub=self.hub, name=f"{slug.title()} School")
        self.tutor = factories.InductionTutorFactory(school=self.school, person__user__email=f"tutor@{slug}.example.org")
        give_terms(self.hub)

    def ect(self, email, programme="ecf2021", cohort=2025, start=D(2025, 9, 1), mentor=None):
        ect = factories.ECTFactory(
            school=self.school, programme=programme, cohort_start_year=cohort, induction_start_date=start,
            person__user__email=email, person__first_name=email.split("@")[0].title(), person__last_name="Example",
        )
        if mentor:
            factories.MentorAssignmentFactory(ect=ect, mentor=mentor, started_on=start)
        return ect

    def mentor(self, email):
        return factories.MentorFactory(school=self.school, person__user__email=email, person__first_name="Morgan")


@pytest.fixture
def place(db):
    with scopes_disabled():
        yield Place("north")


@pytest.fixture
def outsider(db):
    with scopes_disabled():
        yield Place("south")


def studied(ect, *days):
    modules = Module.objects.filter(programme__code=ect.programme).order_by("year", "order")
    for module, day in zip(modules, days):
        StudyRecord.objects.create(hub=ect.hub, ect=ect, module=module, done_on=day)


def observed(mentor, ect, *days):
    for day in days:
        CoachingCycle.objects.create(hub=ect.hub, ect=ect, mentor=mentor, observed_on=day)


def send_nudges(hub, as_of, *args):
    """The command's output lines (the message lines, then the count)."""
    from io import StringIO

    out = StringIO()
    call_command("send_nudges", "--hub", hub.slug, "--as-of", as_of.isoformat(), *args, stdout=out, stderr=StringIO())
    return out.getvalue().splitlines()

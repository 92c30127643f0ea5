"""Every CSV export neutralises cells a spreadsheet would run as a formula."""

import csv
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from ectprogramme.csv_safety import safe_cell
from engagement import compute
from schools import terms
from schools.scoping import hub_scope
from tests import factories
from tests.conftest import typical_term_dates

TODAY = timezone.localdate()


@pytest.mark.parametrize(
    "value, written",
    [
        ("=cmd@x.org", "'=cmd@x.org"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-x@y.org", "'-x@y.org"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("ada@example.org", "ada@example.org"),
        ("a=b", "a=b"),
        ("", ""),
        (12, 12),
        (-3, -3),
        (None, None),
    ],
)
def test_safe_cell(value, written):
    assert safe_cell(value) == written


@pytest.fixture
def risky(world):
    """The world's school with two ECTs whose e-mail addresses start like formulas, figures computed."""
    with hub_scope(world.hub):
        for year in (TODAY.year - 1, TODAY.year):
            terms.save_year(world.hub, year, typical_term_dates(year))
        for email in ("=cmd@x.org", "-x@y.org"):
            factories.ECTFactory(school=world.school, person__user__email=email)
        compute.recompute([world.hub], TODAY)
    return world


def _emails(text):
    return {row["email"] for row in csv.DictReader(io.StringIO(text))}


def test_the_dashboard_downloads_neutralise_formula_cells(risky, client):
    client.force_login(risky.tutor.person.user)
    emails = _emails(client.get(f"/schools/{risky.school.code}/engagement.csv").content.decode())
    assert {"'=cmd@x.org", "'-x@y.org"} <= emails
    assert "=cmd@x.org" not in emails
    client.force_login(risky.staff.user)
    emails = _emails(client.get("/hub/engagement.csv").content.decode())
    assert {"'=cmd@x.org", "'-x@y.org"} <= emails


def test_the_engagement_command_neutralises_formula_cells(risky):
    out = io.StringIO()
    call_command("engagement", hub=risky.hub.slug, as_of=TODAY.isoformat(), format="csv", stdout=out)
    emails = _emails(out.getvalue())
    assert {"'=cmd@x.org", "'-x@y.org"} <= emails
    assert "ect@elm.example.org" in emails

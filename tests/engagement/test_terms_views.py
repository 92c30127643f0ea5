"""Hub staff keep their hub's term dates in the browser: list, add, edit, copy a year forward."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from schools import terms
from schools.models import HalfTerm
from tests.conftest import typical_term_dates

D = datetime.date


def _add_year(hub, year):
    with scopes_disabled():
        terms.save_year(hub, year, typical_term_dates(year))


def _stored(hub):
    with scopes_disabled():
        return {
            (h.academic_year, h.name): (h.start_date, h.end_date) for h in HalfTerm.objects.filter(hub=hub)
        }


def _post_data(year, changes=None, academic_year=None):
    data = {}
    for name, (start, end) in typical_term_dates(year).items():
        data[f"{name}_start"], data[f"{name}_end"] = start.isoformat(), end.isoformat()
    if academic_year is not None:
        data["academic_year"] = str(academic_year)
    return data | (changes or {})


@pytest.fixture
def staff_client(world, client):
    client.force_login(world.staff.user)
    return client


# --- Who may see them ------------------------------------------------------------------------


def test_staff_see_every_year_newest_first_with_its_half_terms_and_term_weeks(world, staff_client):
    _add_year(world.hub, 2025)
    _add_year(world.hub, 2026)

    response = staff_client.get("/hub/terms/")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("2026/27") < body.index("2025/26")
    assert "Wed 3 Sep 2025" in body and "Tue 21 Jul 2026" in body
    assert [year.academic_year for year in response.context["years"]] == [2026, 2025]
    autumn1, weeks = response.context["years"][1].half_terms[0]
    assert (autumn1.name, weeks) == ("autumn1", 8)  # 3 Sep (a Wednesday) to 24 Oct 2025
    assert 'href="/hub/terms/2025/"' in body
    assert "Copy 2026/27 forward to 2027/28" in body


def test_the_navigation_links_staff_to_term_dates(world, staff_client):
    assert 'href="/hub/terms/"' in staff_client.get("/hub/").content.decode()


def test_with_no_years_the_page_says_how_to_add_or_import_the_first(world, staff_client):
    body = staff_client.get("/hub/terms/").content.decode()

    assert "Add the first year" in body
    assert f"manage.py import_terms FILE.csv --hub {world.hub.slug}" in body
    assert "Copy " not in body


@pytest.mark.parametrize("who", ["tutor", "mentor", "ect"])
@pytest.mark.parametrize("url", ["/hub/terms/", "/hub/terms/new/", "/hub/terms/2025/"])
def test_everyone_but_hub_staff_gets_a_404(world, client, who, url):
    _add_year(world.hub, 2025)
    client.force_login(getattr(world, who).person.user)

    assert client.get(url).status_code == 404
    assert client.post(url, _post_data(2025, academic_year=2026)).status_code == 404
    assert client.get("/hub/terms/copy-forward/").status_code == 404
    assert set(_stored(world.hub)) == {(2025, name) for name in terms.HALF_TERM_ORDER}


def test_the_other_hubs_years_are_never_shown_nor_editable(world, staff_client):
    _add_year(world.other_hub, 2031)
    _add_year(world.hub, 2025)
    before = _stored(world.other_hub)

    body = staff_client.get("/hub/terms/").content.decode()
    response = staff_client.post("/hub/terms/2031/", _post_data(2031, {"autumn1_start": "2031-09-01"}))

    assert "2031" not in body
    assert response.status_code == 404
    assert staff_client.get("/hub/terms/2031/").status_code == 404
    assert _stored(world.other_hub) == before


def test_the_list_makes_the_same_number_of_queries_however_many_years(world, staff_client, django_assert_max_num_queries):
    _add_year(world.hub, 2025)
    with CaptureQueriesContext(connection) as baseline:
        assert staff_client.get("/hub/terms/").status_code == 200
    for year in range(2026, 2031):
        _add_year(world.hub, year)
    with django_assert_max_num_queries(len(baseline)):
        response = staff_client.get("/hub/terms/")
    assert len(response.context["years"]) == 6


# --- Editing a year --------------------------------------------------------------------------


def test_the_edit_form_shows_the_years_dates_with_a_label_for_every_input(world, staff_client):
    _add_year(world.hub, 2025)

    body = staff_client.get("/hub/terms/2025/").content.decode()

    assert '<label for="id_autumn1_start">Autumn 1 first day</label>' in body
    assert '<label for="id_summer2_end">Summer 2 last day</label>' in body
    assert 'type="date" name="autumn1_start" value="2025-09-03"' in body
    assert 'name="academic_year"' not in body


def test_staff_change_a_half_terms_dates(world, staff_client):
    _add_year(world.hub, 2025)

    response = staff_client.post(
        "/hub/terms/2025/", _post_data(2025, {"spring2_start": "2026-02-24", "spring2_end": "2026-03-31"})
    )

    assert response.status_code == 302 and response["Location"] == "/hub/terms/"
    stored = _stored(world.hub)
    assert stored[2025, "spring2"] == (D(2026, 2, 24), D(2026, 3, 31))
    assert stored[2025, "autumn1"] == (D(2025, 9, 3), D(2025, 10, 24))
    assert "Term dates for 2025/26 saved." in staff_client.get("/hub/terms/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"autumn2_start": "2025-10-20"},
            "autumn2_start",
            "Autumn 2 starts on 20 Oct 2025, before Autumn 1 ends (23 Oct 2025): half terms must be in order and may not overlap",
        ),
        ({"spring1_end": "2026-01-02"}, "spring1_end", "Spring 1 ends (2 Jan 2026) before it starts (5 Jan 2026)"),
        ({"summer1_start": ""}, "summer1_start", "Enter the first day of Summer 1."),
        ({"summer1_end": "after Easter"}, "summer1_end", "Enter the last day of Summer 1 as a date."),
        (
            {"summer2_end": "2026-09-04"},
            "summer2_end",
            "Summer 2 must fall between 1 Aug 2025 and 31 Aug 2026 for the 2025/26 year",
        ),
    ],
    ids=["overlapping", "end-before-start", "missing", "not-a-date", "outside-the-year"],
)
def test_a_bad_edit_is_shown_on_the_date_and_saves_nothing(world, staff_client, changes, field, message):
    _add_year(world.hub, 2025)
    before = _stored(world.hub)
    data = _post_data(2025, {"autumn1_end": "2025-10-23"} | changes)

    response = staff_client.post("/hub/terms/2025/", data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    body = response.content.decode()
    assert "Nothing was saved." in body
    assert f'id="id_{field}_error"' in body and 'aria-invalid="true"' in body
    assert 'value="2025-10-23"' in body  # the person's input is kept
    assert _stored(world.hub) == before


def test_a_year_that_would_run_into_the_next_is_refused_with_the_reason(world, staff_client):
    _add_year(world.hub, 2025)
    with scopes_disabled():
        terms.save_year(world.hub, 2026, typical_term_dates(2026) | {"autumn1": (D(2026, 8, 20), D(2026, 10, 23))})
    before = _stored(world.hub)

    response = staff_client.post("/hub/terms/2025/", _post_data(2025, {"summer2_end": "2026-08-25"}))

    assert response.status_code == 200
    message = "2025 Summer 2: ends after 2026 Autumn 1 starts (20 Aug 2026)"
    assert response.context["form"].non_field_errors() == [message]
    assert message in response.content.decode()
    assert _stored(world.hub) == before


def test_a_year_the_hub_does_not_have_is_a_404(world, staff_client):
    _add_year(world.hub, 2025)
    assert staff_client.get("/hub/terms/2024/").status_code == 404
    assert staff_client.post("/hub/terms/2024/", _post_data(2024)).status_code == 404
    assert not any(year == 2024 for year, _ in _stored(world.hub))


# --- Adding a year ---------------------------------------------------------------------------


def test_staff_add_a_new_year(world, staff_client):
    assert staff_client.get("/hub/terms/new/").status_code == 200

    response = staff_client.post("/hub/terms/new/", _post_data(2026, academic_year=2026))

    assert response.status_code == 302
    assert _stored(world.hub) == {(2026, name): dates for name, dates in typical_term_dates(2026).items()}
    assert _stored(world.other_hub) == {}


def test_the_new_year_form_offers_the_year_after_the_last(world, staff_client):
    _add_year(world.hub, 2025)
    assert staff_client.get("/hub/terms/new/").context["form"]["academic_year"].value() == 2026


def test_a_year_that_already_exists_is_an_error_on_the_year(world, staff_client):
    _add_year(world.hub, 2025)
    before = _stored(world.hub)

    response = staff_client.post("/hub/terms/new/", _post_data(2025, {"autumn1_start": "2025-09-01"}, academic_year=2025))

    assert response.status_code == 200
    assert response.context["form"].errors["academic_year"] == ["2025/26 already has term dates: edit that year instead."]
    assert _stored(world.hub) == before


def test_the_same_year_in_another_hub_does_not_stop_a_hub_adding_it(world, staff_client):
    _add_year(world.other_hub, 2025)
    assert staff_client.post("/hub/terms/new/", _post_data(2025, academic_year=2025)).status_code == 302
    assert len(_stored(world.hub)) == 6


def test_a_new_year_is_checked_against_its_own_years_dates(world, staff_client):
    response = staff_client.post("/hub/terms/new/", _post_data(2025, academic_year=2026))

    assert response.status_code == 200
    assert "Autumn 1 must fall between 1 Aug 2026 and 31 Aug 2027" in response.context["form"].errors["autumn1_start"][0]
    assert _stored(world.hub) == {}


# --- Copying a year forward ------------------------------------------------------------------


def test_copying_forward_opens_the_next_year_filled_in_on_the_same_weekdays_and_saves_nothing(world, staff_client):
    _add_year(world.hub, 2025)

    response = staff_client.get("/hub/terms/copy-forward/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Check 2026/27 term dates" in page and "Nothing is saved yet" in page
    form = response.context["form"]
    assert form["academic_year"].value() == 2026
    assert (form["autumn1_start"].value(), form["autumn1_end"].value()) == (D(2026, 9, 2), D(2026, 10, 23))  # Wednesday to Friday
    assert 'action="/hub/terms/new/"' in page
    assert {year for year, _ in _stored(world.hub)} == {2025}


def test_the_copied_year_is_saved_only_when_the_hub_presses_save(world, staff_client):
    _add_year(world.hub, 2025)
    form = staff_client.get("/hub/terms/copy-forward/").context["form"]
    data = {name: form[name].value() for name in form.fields}
    data["spring2_end"] = D(2027, 3, 26)  # checked against the local calendar: Easter moved

    response = staff_client.post("/hub/terms/new/", data)

    assert response.status_code == 302 and response["Location"] == "/hub/terms/"
    stored = _stored(world.hub)
    assert stored[2026, "autumn1"] == (D(2026, 9, 2), D(2026, 10, 23))
    assert stored[2026, "spring2"][1] == D(2027, 3, 26)
    assert len(stored) == 12 and _stored(world.other_hub) == {}


def test_copying_forward_with_no_year_says_to_add_one_first(world, staff_client):
    _add_year(world.other_hub, 2025)

    response = staff_client.get("/hub/terms/copy-forward/", follow=True)

    assert response.redirect_chain == [("/hub/terms/", 302)]
    assert "There is no year to copy from" in response.content.decode()
    assert _stored(world.hub) == {}


def test_copying_forward_changes_nothing_on_a_post(world, staff_client):
    _add_year(world.hub, 2025)
    assert staff_client.post("/hub/terms/copy-forward/").status_code == 405
    assert len(_stored(world.hub)) == 6

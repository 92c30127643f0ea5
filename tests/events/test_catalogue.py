"""The programme's events are data, copied into every hub idempotently."""

import io

import pytest
from django.core.management import call_command

from events.catalogue import catalogue_rows, sync_catalogue
from events.models import Event
from schools.models import Hub
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unscoped")]


def test_the_catalogue_has_every_programme_event_with_stable_codes():
    rows = {row["event_code"]: row for row in catalogue_rows()}
    for programme in ("ecf2021", "ecte2025"):
        ect1 = {code for code in rows if code.startswith(f"{programme}-ect1-")}
        ect2 = {code for code in rows if code.startswith(f"{programme}-ect2-")}
        assert ect1 == {f"{programme}-ect1-conference-{n}" for n in (1, 2)} | {f"{programme}-ect1-clinic-{n}" for n in (1, 2, 3)}
        assert ect2 == {f"{programme}-ect2-conference-3"} | {f"{programme}-ect2-clinic-{n}" for n in (4, 5, 6)}
    assert rows["ecte2025-ect2-clinic-5"]["title"] == "Clinic 5: Oracy"
    assert rows["ecf2021-ect1-conference-1"]["half_term"] == "autumn1"
    assert {"mentor-conference-1", "mentor-conference-2", "mentor-clinic", "mentor-coaching", "tutor-launch", "tutor-training"} <= set(rows)
    assert rows["mentor-coaching"]["attendance_expected"] is False


def test_sync_is_idempotent_refreshes_titles_and_keeps_the_hubs_choices_and_events():
    hub = factories.HubFactory()
    assert sync_catalogue(hub) == (len(catalogue_rows()), 0)
    clinic = Event.objects.get(hub=hub, event_code="ecf2021-ect1-clinic-1")
    assert clinic.self_booking and clinic.from_catalogue
    conference = Event.objects.get(hub=hub, event_code="ecf2021-ect1-conference-1")
    assert not conference.self_booking
    own = factories.EventFactory(hub=hub, event_code="hub-welcome")
    Event.objects.filter(pk=clinic.pk).update(title="Old title", self_booking=False, catch_up_materials="Read chapter 2")
    assert sync_catalogue(hub) == (0, 1)
    clinic.refresh_from_db()
    assert (clinic.title, clinic.self_booking, clinic.catch_up_materials) == ("Clinic 1: High expectations", False, "Read chapter 2")
    assert Event.objects.filter(pk=own.pk).exists()
    assert sync_catalogue(hub) == (0, 0)


def test_create_hub_gives_the_new_hub_the_catalogue():
    call_command("create_hub", "east", "East Hub", "--admin-email", "admin@east.example.org", stdout=io.StringIO())
    hub = Hub.objects.get(slug="east")
    assert Event.objects.filter(hub=hub, from_catalogue=True).count() == len(catalogue_rows())

"""Counts cached until the hub's people or events change (`ectprogramme.hub_cache`)."""

import re

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ectprogramme.hub_cache import cached_until_changed, hub_changed
from events import attendance
from participants import onboarding
from schools.scoping import hub_scope
from tests import factories

pytestmark = pytest.mark.django_db  # `hub_changed` renews the token again once the transaction commits


class Maker:
    """Makes a new value on every call: the cache gave the last one back when `made` does not move."""

    def __init__(self):
        self.made = 0

    def __call__(self):
        self.made += 1
        return {"made": self.made}


def test_a_count_is_made_once_until_its_hub_changes():
    make = Maker()
    assert cached_until_changed(1, "test", ("2026-12-06", [1, 2]), make) == {"made": 1}
    assert cached_until_changed(1, "test", ("2026-12-06", [1, 2]), make) == {"made": 1}
    hub_changed(2)  # another hub
    assert cached_until_changed(1, "test", ("2026-12-06", [1, 2]), make) == {"made": 1}
    hub_changed(1)
    assert cached_until_changed(1, "test", ("2026-12-06", [1, 2]), make) == {"made": 2}


def test_the_date_schools_and_name_are_part_of_what_is_cached():
    make = Maker()
    cached_until_changed(1, "test", ("2026-12-06", [1, 2]), make)
    assert cached_until_changed(1, "test", ("2026-12-07", [1, 2]), make) == {"made": 2}
    assert cached_until_changed(1, "test", ("2026-12-06", [1, 3]), make) == {"made": 3}
    assert cached_until_changed(1, "other", ("2026-12-06", [1, 2]), make) == {"made": 4}
    assert cached_until_changed(1, "test", ("2026-12-06", [1, 2]), make) == {"made": 1}


def test_an_empty_count_is_cached_too():
    calls = []
    for _ in range(2):
        assert cached_until_changed(1, "test", (), lambda: calls.append(1) or {}) == {}
    assert calls == [1]


def test_a_count_read_before_the_change_committed_is_made_again_after_the_commit(django_capture_on_commit_callbacks):
    make = Maker()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        hub_changed(1)
        # another request counts while the change is not yet committed: it sees the old state
        assert cached_until_changed(1, "test", (), make) == {"made": 1}
    assert cached_until_changed(1, "test", (), make) == {"made": 2}


def test_every_table_the_cached_counts_read_renews_the_token_when_written(world):
    """A guard for whoever changes the counts: each table `events.attendance.counts` and
    `never_signed_in_by_school` read must tell `hub_changed` of its saves and deletes."""
    with hub_scope(world.hub), CaptureQueriesContext(connection) as queries:
        attendance.counts(world.hub, timezone.localdate(), per="school")
        attendance.counts(world.hub, timezone.localdate(), school_ids=[world.school.pk], per="person")
        onboarding.never_signed_in_by_school([world.school.pk])
    tables = set(re.findall(r"\b((?:events|participants|schools)_[a-z_]+)\b", " ".join(q["sql"] for q in queries)))
    models = {model._meta.db_table: model for model in apps.get_models()}
    assert {"events_booking", "events_alternative", "participants_ectstatus", "participants_person"} <= tables
    for table in tables:
        for writes, signal in (("saves", post_save), ("deletes", post_delete)):
            receivers = {receiver.__module__ for receiver in signal._live_receivers(models[table])[0]}
            assert receivers & {"events.signals", "participants.signals"}, f"{writes} of {table} do not renew the hub's token"


def test_a_cache_out_of_reach_never_fails_the_write_that_renews_the_token(world, settings, caplog):
    """Redis down: a register taken is saved, and the failure is logged."""
    from events import registers

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    booking = factories.BookingFactory(hub=world.hub, person=world.ect.person, session__event__hub=world.hub)
    with hub_scope(world.hub):
        registers.mark(booking, "attended", None)
        booking.refresh_from_db()
    assert booking.attendance == "attended"
    assert "The cache could not be reached" in caplog.text

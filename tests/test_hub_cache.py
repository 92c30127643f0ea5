"""Counts cached until the hub's people or events change (`ectprogramme.hub_cache`)."""

import pytest
from django.db import transaction

from ectprogramme.hub_cache import cached_until_changed, hub_changed

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

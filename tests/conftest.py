"""Shared fixtures: every test world has a second hub (the outsider)."""

import datetime
import os
import tempfile

import pytest
from django.core.cache import cache
from django_scopes import scopes_disabled

from schools.models import HALF_TERM_ORDER
from tests import factories

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_configure(config):
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="ect-test-media-")  # the reports' PDFs


@pytest.fixture(autouse=True)
def _outbox_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts with an empty cache, so no test sees figures another one cached."""
    cache.clear()


@pytest.fixture
def unscoped():
    """Let a test set up and inspect rows of any hub directly."""
    with scopes_disabled():
        yield


def typical_term_dates(academic_year):
    """{half-term name: (first day, last day)}: a typical English year starting in `academic_year`."""
    days = [
        ((9, 3), (10, 24)), ((11, 3), (12, 19)), ((1, 5), (2, 13)), ((2, 23), (3, 27)), ((4, 13), (5, 22)), ((6, 1), (7, 21)),
    ]
    return {
        name: tuple(datetime.date(academic_year if month >= 8 else academic_year + 1, month, day) for month, day in pair)
        for name, pair in zip(HALF_TERM_ORDER, days)
    }


def restore_programmes():
    """Put back the programme versions and modules the data migration loads.

    A transactional test empties every table when it ends, these rows included, so a later
    transactional test (a browser test, say) would find no programme at all.
    """
    from engagement.models import Module, ProgrammeVersion
    from engagement.programmes import PROGRAMME_VERSIONS, load_programmes

    if ProgrammeVersion.objects.count() < len(PROGRAMME_VERSIONS):
        load_programmes(ProgrammeVersion, Module)


class World:
    """Two hubs; hub A has two schools, each with a tutor, a mentor and a mentored ECT."""

    def __init__(self):
        self.hub = factories.HubFactory(slug="north", name="North Teaching School Hub")
        self.other_hub = factories.HubFactory(slug="south", name="South Teaching School Hub")
        self.staff = factories.PersonFactory(hub=self.hub, hub_role="staff", user__email="staff@north.example.org")
        self.admin = factories.PersonFactory(hub=self.hub, hub_role="admin", user__email="admin@north.example.org")
        self.school = factories.SchoolFactory(hub=self.hub, name="Elm Primary")
        self.sibling_school = factories.SchoolFactory(hub=self.hub, name="Oak Academy")
        self.tutor = factories.InductionTutorFactory(school=self.school, person__user__email="tutor@elm.example.org")
        self.mentor = factories.MentorFactory(school=self.school, person__user__email="mentor@elm.example.org")
        self.ect = factories.ECTFactory(school=self.school, person__user__email="ect@elm.example.org")
        self.assignment = factories.MentorAssignmentFactory(ect=self.ect, mentor=self.mentor)
        self.unmentored_ect = factories.ECTFactory(school=self.school, person__user__email="ect2@elm.example.org")
        self.sibling_tutor = factories.InductionTutorFactory(school=self.sibling_school)
        self.sibling_mentor = factories.MentorFactory(school=self.sibling_school)
        self.sibling_ect = factories.ECTFactory(school=self.sibling_school)
        factories.MentorAssignmentFactory(ect=self.sibling_ect, mentor=self.sibling_mentor)
        self.other_staff = factories.PersonFactory(hub=self.other_hub, hub_role="admin", user__email="admin@south.example.org")
        self.other_school = factories.SchoolFactory(hub=self.other_hub, name="Birch High")
        self.other_tutor = factories.InductionTutorFactory(school=self.other_school)
        self.other_mentor = factories.MentorFactory(school=self.other_school)
        self.other_ect = factories.ECTFactory(school=self.other_school)
        factories.MentorAssignmentFactory(ect=self.other_ect, mentor=self.other_mentor)
        self.sibling_cycle = factories.CoachingCycleFactory(ect=self.sibling_ect, mentor=self.sibling_mentor)
        self.other_cycle = factories.CoachingCycleFactory(ect=self.other_ect, mentor=self.other_mentor)


@pytest.fixture
def world(db):
    with scopes_disabled():
        return World()


@pytest.fixture
def world_committed(transactional_db):
    """The same world, committed, for tests where another thread or process reads it."""
    with scopes_disabled():
        restore_programmes()
        return World()


@pytest.fixture(params=["redis-down", "folder-unusable"])
def dead_broker(request, settings, tmp_path):
    """Celery's broker refuses every task: Redis with nothing listening on its port (the cache
    too, as production keeps both in one Redis), or the filesystem broker with a folder that cannot
    be made."""
    from ectprogramme.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    if request.param == "redis-down":
        settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    else:
        (tmp_path / "not-a-folder").write_text("")
        folder = str(tmp_path / "not-a-folder" / "queue")
        settings.CELERY_BROKER_URL = "filesystem://localhost/"
        settings.CELERY_BROKER_TRANSPORT_OPTIONS = {
            name: folder for name in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")
        }
    app._after_fork()  # forget pooled connections to the configured broker
    yield
    app._after_fork()

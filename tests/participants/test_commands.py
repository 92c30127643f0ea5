"""create_hub from the command line (seed_demo: `tests/engagement/test_demo.py`)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled

from participants.models import ECT, ECTStatus, MentorAssignment, Person, PersonChange, User
from schools.models import Hub, School


def _counts():
    with scopes_disabled():
        return {model.__name__: model.objects.count() for model in (Hub, School, User, Person, ECT, ECTStatus, MentorAssignment, PersonChange)}


@pytest.mark.django_db
def test_create_hub_makes_the_hub_and_its_admin():
    out = io.StringIO()
    call_command("create_hub", "north", "North TSH", admin_email="Lead@North.example.org", stdout=out)
    hub = Hub.objects.get(slug="north")
    with scopes_disabled():
        person = Person.objects.get(hub=hub)
    assert person.is_hub_admin and person.user.email == "lead@north.example.org"
    assert "Created hub north" in out.getvalue()


@pytest.mark.django_db
def test_create_hub_twice_changes_nothing():
    call_command("create_hub", "north", "North TSH", admin_email="lead@north.example.org", stdout=io.StringIO())
    before = _counts()
    call_command("create_hub", "north", "North TSH", admin_email="lead@north.example.org", stdout=io.StringIO())
    assert _counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "args, message",
    [
        (["not a slug", "Name", "--admin-email", "a@example.org"], "slug"),
        (["north", "Name", "--admin-email", "not-an-email"], "valid email"),
    ],
)
def test_create_hub_rejects_bad_input(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_hub", *args)
    assert not Hub.objects.exists()


@pytest.mark.django_db
def test_create_hub_with_setup_email_sends_one(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("create_hub", "north", "North TSH", admin_email="lead@north.example.org", send_setup_email=True, stdout=io.StringIO())
    assert [m.to for m in mailoutbox] == [["lead@north.example.org"]]
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


"""Tenant isolation: every URL, as every role, with another hub's and another school's ids.

The URL patterns are read from the root URLconf when the tests are collected, so a new page is
covered without editing this file. A page whose URL takes an id this suite does not know how to
fill fails, saying where to add it (`FOREIGN_IDS`).

The rule pinned for a URL with ids: asked for an object the viewer may not see, the answer is a
404 (or 403, 405, or a redirect away from it), never a 200; no response — nor the page a redirect
leads to — shows the foreign object; and nothing in the database changes. For a URL without ids
(overviews, lists, home pages): whatever the search, the page shows only the viewer's own hub and,
below hub staff, only the people in the viewer's care.
"""

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core import signing
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.urls import URLResolver, get_resolver
from django.utils import timezone
from django.utils.regex_helper import normalize
from django_scopes import scopes_disabled

from engagement.models import ReportRequest
from events.booking import offer_token
from events.catalogue import sync_catalogue
from events.models import Alternative, CalendarFeed, CatchUp, Event
from nudges import optout as nudge_optout
from participants import email_changes, services, uploads
from participants.confirmations import make_token
from participants.models import EmailChange, HubRole, Person
from schools.scoping import hub_scope
from schools.terms import save_year
from tests import factories
from tests.conftest import World, typical_term_dates

# Included URLconfs with no tenant objects behind them (sign-in, sign-out, password reset, one's own
# e-mail address: see `test_no_role_attaches_an_address_without_proof`).
SKIPPED_INCLUDES = {"participants.account_urls"}

HTMX = {"HX-Request": "true"}
_FORM = "application/x-www-form-urlencoded"


# --- The URL patterns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One URL pattern of the root URLconf, with the patterns of the includes above it."""

    patterns: tuple
    kwargs: tuple

    @property
    def id(self):
        return "/" + "".join(str(pattern) for pattern in self.patterns)

    def url(self, values):
        path = ""
        for pattern in self.patterns:
            converters = getattr(pattern, "converters", {})
            for template, params in normalize(pattern.regex.pattern):
                if set(params) <= set(values):
                    path += template % {
                        name: converters[name].to_url(values[name]) if name in converters else str(values[name])
                        for name in params
                    }
                    break
            else:
                raise AssertionError(f"Cannot build {self.id} from {sorted(values)}")
        return "/" + path


def _kwarg_names(pattern):
    names = list(pattern.regex.groupindex)
    # Unnamed regex groups reach the view as positional arguments: name them so they fail below.
    names += [f"<positional group {i} in {pattern}>" for i in range(pattern.regex.groups - len(names))]
    return names


def _walk(entries, parents=()):
    for entry in entries:
        chain = parents + (entry.pattern,)
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_name, "__name__", entry.urlconf_name)
            if module not in SKIPPED_INCLUDES:
                yield from _walk(entry.url_patterns, chain)
        else:
            yield Route(chain, tuple(name for pattern in chain for name in _kwarg_names(pattern)))


ROUTES = list(_walk(get_resolver().url_patterns))
ROUTES_WITH_IDS = [route for route in ROUTES if route.kwargs]
ROUTES_WITHOUT_IDS = [route for route in ROUTES if not route.kwargs]


def test_the_url_walk_finds_the_pages():
    """Guard against the walk silently finding nothing (and so testing nothing)."""
    ids = {route.id for route in ROUTES}
    assert {"/hub/", "/people/", "/schools/<uuid:school_code>/", "/ects/<uuid:ect_code>/status/"} <= ids
    assert not any(route.id.startswith("/accounts/") for route in ROUTES)


# --- The world seen from Elm Primary in the North hub ----------------------------------------


def _tutor_also_admin_of_other_hub(world):
    """Elm's induction tutor, who is also an admin of the South hub but is acting in the North."""
    factories.PersonFactory(hub=world.other_hub, user=world.tutor.person.user, hub_role="admin")
    return world.tutor.person.user


def _ect_added_to_other_hub_unconfirmed(world):
    """Elm's ECT, whose address the South hub has added as a hub admin: they have not confirmed it,
    so the South must give them nothing (no switcher entry, no switching, none of its data)."""
    with hub_scope(world.other_hub):
        person = services.get_or_create_person(world.other_hub, world.ect.person.user.email, "Made", "Admin")
        services.set_hub_role(person, HubRole.ADMIN, actor=None)
    assert not person.is_confirmed
    return world.ect.person.user


ROLES = {
    "anonymous": lambda world: None,
    "hub_staff": lambda world: world.staff.user,
    "hub_admin": lambda world: world.admin.user,
    "induction_tutor": lambda world: world.tutor.person.user,
    "mentor": lambda world: world.mentor.person.user,
    "ect": lambda world: world.ect.person.user,
    "facilitator": lambda world: world.facilitator.user,
    "tutor_also_in_other_hub": _tutor_also_admin_of_other_hub,
    "ect_added_to_other_hub_unconfirmed": _ect_added_to_other_hub_unconfirmed,
}
HUB_WIDE_ROLES = {"hub_staff", "hub_admin"}
# Roles whose user is also a member of the other hub (and so may see its name in the hub switcher).
IN_OTHER_HUB_TOO = {"tutor_also_in_other_hub"}
# Roles limited to the people in their care (a mentor's mentees, an ECT themselves).
CARE_ROLES = {"mentor", "ect", "ect_added_to_other_hub_unconfirmed"}

KINDS = ("other_hub", "other_school")

# An academic year with term dates in the other hub only (see `_module_world`).
OTHER_HUB_ONLY_YEAR = 2031

# How to fill each URL kwarg with ids the viewer must not reach: for each kind of foreign object,
# one or more codes (each is tried).
FOREIGN_IDS = {
    "school_code": lambda w: {
        "other_hub": [w.other_school.code],
        "other_school": [w.sibling_school.code],
    },
    "person_code": lambda w: {
        "other_hub": [w.other_ect.person.code, w.other_staff.code, *(p.code for p in w.attached_from_other_hub)],
        "other_school": [w.sibling_ect.person.code, w.sibling_mentor.person.code],
    },
    "ect_code": lambda w: {
        "other_hub": [w.other_ect.code],
        "other_school": [w.sibling_ect.code],
    },
    "cycle_code": lambda w: {
        "other_hub": [w.other_cycle.code],
        "other_school": [w.sibling_cycle.code],
    },
    "role_code": lambda w: {
        "other_hub": [w.other_mentor.code, w.other_tutor.code],
        "other_school": [w.sibling_mentor.code, w.sibling_tutor.code],
    },
    # Term dates are hub-wide (no school has its own), so another school's "year" is the other hub's too.
    "academic_year": lambda w: {
        "other_hub": [OTHER_HUB_ONLY_YEAR],
        "other_school": [OTHER_HUB_ONLY_YEAR],
    },
    # Events and sessions are hub-wide (no school has its own), so another school's are the other hub's too.
    "event_code": lambda w: {
        "other_hub": [w.other_event.code],
        "other_school": [w.other_event.code],
    },
    "session_code": lambda w: {
        "other_hub": [w.other_session.code],
        "other_school": [w.other_session.code],
    },
    "booking_code": lambda w: {
        "other_hub": [w.other_booking.code],
        "other_school": [w.sibling_booking.code],
    },
    "catch_up_code": lambda w: {
        "other_hub": [w.other_catch_up.code],
        "other_school": [w.sibling_catch_up.code],
    },
    "alternative_code": lambda w: {
        "other_hub": [w.other_alternative.code],
        "other_school": [w.sibling_alternative.code],
    },
    # Messages to another hub's and another school's people (a message's page is for hub staff only).
    "nudge_code": lambda w: {
        "other_hub": [_message_to(w.other_ect.person, w.other_school).code],
        "other_school": [_message_to(w.sibling_ect.person, w.sibling_school).code],
    },
    # A calendar feed's token is its secret: one that was reset (or never made) finds nothing.
    "feed_token": lambda w: {
        "other_hub": [_reset_feed_token(w.other_ect.person), "not-a-feed-token"],
        "other_school": [_reset_feed_token(w.sibling_ect.person)],
    },
    # Links confirming someone else's membership (only the account's owner may open one), and e-mail
    # change links nobody was sent (one works for whoever received it: that is the proof), forged for
    # another hub's (school's) pending change, or used.
    "token": lambda w: {
        "other_hub": [make_token(w.other_staff), make_token(w.other_ect.person)]
        + _links_nobody_was_sent(w.other_ect.person)
        + [_offer_link(w.other_session, w.other_tutor.person)],
        "other_school": [make_token(w.sibling_ect.person)] + _links_nobody_was_sent(w.sibling_ect.person)
        + [_offer_link(w.session, w.sibling_ect.person)],
    },
    # Reports: the other hub's (school and hub reports); another school's, and the hub's report
    # (hub staff only), for those below hub staff.
    "report_code": lambda w: {
        "other_hub": [w.other_school_report.code, w.other_hub_report.code],
        "other_school": [w.sibling_school_report.code, w.hub_report.code],
    },
    # Uploaded registration files are hub-wide (hub staff only), so another school's are the other hub's too.
    "upload_code": lambda w: {
        "other_hub": [w.other_upload.code],
        "other_school": [w.other_upload.code],
    },
    # Unsubscribe links work for whoever holds one (no sign-in: a mail client posts them), so the
    # foreign ones are links nobody was sent: naming another hub's person in this hub, or forged.
    "unsubscribe_token": lambda w: {
        "other_hub": _unsubscribe_links_nobody_was_sent(w.hub, w.other_ect.person),
        "other_school": _unsubscribe_links_nobody_was_sent(w.other_hub, w.sibling_ect.person),
    },
}


def _message_to(person, school):
    """A sent missed-study nudge to `person`, with its e-mail."""
    email = factories.NudgeEmailFactory(recipient=person, subject=f"Study at {school.name}", status="sent", sent_at=timezone.now())
    return factories.NudgeFactory(recipient=person, about=person, school=school, status="sent", email=email)


def _unsubscribe_links_nobody_was_sent(wrong_hub, person):
    return [
        signing.dumps({"hub": str(wrong_hub.code), "person": str(person.code)}, salt=nudge_optout.SALT, compress=True),
        signing.dumps({"hub": str(person.hub.code), "person": str(person.code)}, salt="forged", compress=True),
    ]


def _links_nobody_was_sent(person):
    pending = EmailChange.objects.create(hub=person.hub, person=person, old_email=person.user.email, new_email="p@example.net")
    used = EmailChange.objects.create(
        hub=person.hub, person=person, old_email=person.user.email, new_email="u@example.net", confirmed_at=timezone.now()
    )
    return [
        signing.dumps(str(pending.code), salt="forged"),
        email_changes.make_token(used, email_changes.CONFIRM),
        email_changes.make_token(used, email_changes.CANCEL),
    ]


def _feed_token(person):
    with scopes_disabled():
        return CalendarFeed.objects.get_or_create(person=person, defaults={"hub": person.hub})[0].token


def _reset_feed_token(person):
    """A calendar address that worked until the person reset it."""
    feed, _ = CalendarFeed.objects.get_or_create(person=person, defaults={"hub": person.hub})
    old = feed.token
    feed.reset_token()
    return old


def _offer_link(session, person):
    """The token of a waiting-list offer made to `person` (only they may accept it)."""
    offered = factories.BookingFactory(
        session=session, person=person, status="offered", offer_expires_at=timezone.now() + datetime.timedelta(hours=48)
    )
    return offer_token(offered)


def _foreign_people(world, kind):
    if kind == "other_hub":
        return [world.other_staff, world.other_tutor.person, world.other_mentor.person, world.other_ect.person]
    return [world.sibling_tutor.person, world.sibling_mentor.person, world.sibling_ect.person]


def _foreign_strings(world, kind):
    """What would identify the foreign school and its people on a page.

    For the other hub that includes the names it (and the account) gives the people the North has
    attached from it: the North knows them only by the names it typed."""
    school = world.other_school if kind == "other_hub" else world.sibling_school
    strings = [school.name, school.urn]
    for person in _foreign_people(world, kind):
        strings += [person.user.email, person.full_name, person.user.full_name]
    if kind == "other_hub":
        for person in world.attached_from_other_hub:
            strings += [person.full_name, person.user.full_name]
    return strings


def _attach_from_other_hub(world):
    """A person attached from another hub: two South people (a South name on their account and
    another on their South membership) whose addresses the North adds as mentors at Elm under
    names of its own; one has not confirmed, the other has."""
    attached = []
    for number, confirmed in ((8, False), (9, True)):
        email = f"shared{number}@south.example.org"
        south = factories.PersonFactory(
            hub=world.other_hub, user__email=email, user__first_name=f"Outsider{number}", user__last_name="Southwold",
            first_name=f"Outsider{number + 10}", last_name="Southwold",
        )
        with hub_scope(world.hub):
            north = services.get_or_create_person(world.hub, email, f"Newcomer{number}", "Northfield")
            services.add_mentor(north, world.school, actor=None)
            if confirmed:
                services.confirm_membership(north, north.user)
        attached.append(south)
    return attached


def _add_events(world):
    """The catalogue in both hubs, a session of a clinic in each with Elm's ECT and the other hub's
    ECT booked, and a facilitator in the North."""
    world.facilitator = factories.PersonFactory(hub=world.hub, hub_role="facilitator", user__email="facilitator@north.example.org")
    for hub, ect, name in ((world.hub, world.ect, "event"), (world.other_hub, world.other_ect, "other_event")):
        sync_catalogue(hub)
        event = Event.objects.get(hub=hub, event_code="ecte2025-ect1-clinic-1")
        session = factories.SessionFactory(event=event, venue=f"{hub.name} venue")
        factories.BookingFactory(session=session, person=ect.person)
        setattr(world, name, event)
        setattr(world, name.replace("event", "session"), session)


def _add_follow_ups(world):
    """A booking with a catch-up (a missed clinic) and one with an alternative (a missed conference)
    for Elm's ECT, Oak's ECT and the other hub's ECT."""
    for hub, ect, name in ((world.hub, world.ect, "own"), (world.hub, world.sibling_ect, "sibling"), (world.other_hub, world.other_ect, "other")):
        clinic = Event.objects.get(hub=hub, event_code="ecte2025-ect1-clinic-2")
        conference = Event.objects.get(hub=hub, event_code="ecte2025-ect1-conference-1")
        missed_clinic = factories.BookingFactory(session=factories.SessionFactory(event=clinic), person=ect.person, attendance="absent")
        missed_conference = factories.BookingFactory(session=factories.SessionFactory(event=conference), person=ect.person, attendance="absent")
        catch_up = CatchUp.objects.create(hub=hub, booking=missed_clinic, person=ect.person, event=clinic, due_on=missed_clinic.session.date)
        alternative = Alternative.objects.create(hub=hub, booking=missed_conference, person=ect.person, event=conference, reason="absent")
        setattr(world, f"{name}_booking", missed_conference)
        setattr(world, f"{name}_catch_up", catch_up)
        setattr(world, f"{name}_alternative", alternative)


def _add_reports(world):
    """A ready report (with its stored file) of Elm, of Oak and of the hub in the North, and of
    Birch and the hub in the South."""
    for name, hub, school in (
        ("school_report", world.hub, world.school), ("sibling_school_report", world.hub, world.sibling_school),
        ("hub_report", world.hub, None), ("other_school_report", world.other_hub, world.other_school),
        ("other_hub_report", world.other_hub, None),
    ):
        report = ReportRequest(
            hub=hub, kind="school" if school else "hub", school=school, as_of=timezone.localdate(),
            status=ReportRequest.Status.READY, finished_at=timezone.now(),
        )
        report.file.save("report.pdf", ContentFile(f"%PDF-1.7 {hub.name} {school.name if school else ''}".encode()), save=False)
        report.save()
        setattr(world, name, report)


def _add_uploads(world):
    """A checked upload in each hub: the South's lists its people (not in the file), the North's has a bad row."""
    data = Path(__file__).parent / "participants" / "data"
    for hub, name, path in (
        (world.other_hub, "other_upload", data / "dfe_participants.csv"),
        (world.hub, "upload", data / "dfe_participants_bad_row.csv"),
    ):
        upload = uploads.create(hub, None, path.name, path.read_bytes())
        uploads.run_check(upload.pk)
        upload.refresh_from_db()
        setattr(world, name, upload)


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """One world for the whole module, rolled back at its end; each test runs in a savepoint inside.

    Everyone foreign gets a distinctive name, so a leak cannot hide behind a common one.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        with scopes_disabled():
            world = World()
            for kind, surname in (("other_hub", "Southwold"), ("other_school", "Oakhampton")):
                for number, person in enumerate(_foreign_people(world, kind), start=1):
                    person.user.first_name, person.user.last_name = f"Outsider{number}", surname
                    person.user.save()
                    person.first_name, person.last_name = f"Outsider{number}", surname
                    person.save()
            world.attached_from_other_hub = _attach_from_other_hub(world)
            _add_events(world)
            _add_follow_ups(world)
            _add_reports(world)
            _add_uploads(world)
            save_year(world.other_hub, OTHER_HUB_ONLY_YEAR, typical_term_dates(OTHER_HUB_ONLY_YEAR))
    yield world
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def isolation_world(_module_world, db):
    return _module_world


def _plausible_post(world):
    """One set of fields that fills every form: a write that should never land on foreign rows."""
    today = timezone.localdate().isoformat()
    return {
        "name": "Taken Over Academy",
        "urn": "999999",
        "first_name": "Mallory",
        "last_name": "Intruder",
        "email": "mallory@intruder.example.org",
        "role": "mentor",
        "start_date": today,
        "on": today,
        "status": "paused",
        "note": "probe",
        "mentor": "",
        "programme": "ecte2025",
        "cohort_start_year": "2025",
        "induction_start_date": "2025-09-03",
        "fte": "0.5",
        "hub": str(world.other_hub.code),
    }


PROJECT_APPS = [config for config in apps.get_app_configs() if not config.name.startswith("django.")]


# Bookkeeping of signing in, not data.
SIGN_INS = "'{last_login,first_signed_in_at,last_signed_in_at}'::text[]"


def _state_query(hub):
    """One statement giving a digest of each project table's rows (only `hub`'s rows when given)."""
    parts = []
    for model in (model for config in PROJECT_APPS for model in config.get_models(include_auto_created=True)):
        if model._meta.proxy or not model._meta.managed:
            continue
        names = {field.name for field in model._meta.concrete_fields}
        where = ""
        if hub is not None:
            if "hub" in names:
                where = f"WHERE t.{model._meta.get_field('hub').column} = {hub.pk}"
            elif model._meta.label == "schools.Hub":
                where = f"WHERE t.id = {hub.pk}"
            elif model._meta.label == "participants.User":
                where = f"WHERE t.id IN (SELECT user_id FROM {Person._meta.db_table} WHERE hub_id = {hub.pk})"
            else:
                continue
        rows = f"(to_jsonb(t) - {SIGN_INS})::text"
        parts.append(
            f"SELECT '{model._meta.label}', count(*), md5(coalesce(string_agg({rows}, ',' ORDER BY t.{model._meta.pk.column}), '')) "
            f'FROM "{model._meta.db_table}" t {where}'
        )
    return " UNION ALL ".join(parts)


def _database_state(hub=None):
    """{table: (rows, digest)} of every table outside Django's own apps (only `hub`'s rows when
    given), to prove nothing was written: one query, so it can be taken after every request."""
    key = hub.pk if hub is not None else None
    if key not in _STATE_QUERIES:
        _STATE_QUERIES[key] = _state_query(hub)
    with connection.cursor() as cursor:
        cursor.execute(_STATE_QUERIES[key])
        return {label: (count, digest) for label, count, digest in cursor.fetchall()}


_STATE_QUERIES = {}


def test_the_database_state_sees_every_write_but_signing_in(isolation_world):
    """Guard against the digest missing a change (and so proving nothing)."""
    world = isolation_world
    before, before_hub = _database_state(), _database_state(world.other_hub)
    with scopes_disabled():
        user = world.other_ect.person.user
        user.last_login = timezone.now()
        user.save(update_fields=["last_login"])
        assert _database_state() == before
        world.other_ect.person.__class__.objects.filter(pk=world.other_ect.person.pk).update(last_name="Changed")
    assert _database_state() != before
    assert _database_state(world.other_hub) != before_hub


def _login(client, world, role):
    with scopes_disabled():
        user = ROLES[role](world)
    if user is not None:
        client.force_login(user)


def _leaks(body, strings):
    """The strings that appear in `body` as whole words (a URN inside a UUID is not a leak)."""
    return [string for string in strings if re.search(rf"(?<![0-9A-Za-z]){re.escape(string)}(?![0-9A-Za-z])", body)]


# --- URLs with ids -----------------------------------------------------------------------------

# Hub staff see every school of their hub, so for them only the other hub is foreign; a visitor who
# is not signed in sees nothing, so one kind is enough.
FOREIGN_CASES = [
    (role, kind)
    for role in ROLES
    for kind in KINDS
    if not (kind == "other_school" and (role in HUB_WIDE_ROLES or role == "anonymous"))
]


@pytest.mark.parametrize(("role", "kind"), FOREIGN_CASES, ids=[f"{role}-{kind}" for role, kind in FOREIGN_CASES])
@pytest.mark.parametrize("route", ROUTES_WITH_IDS, ids=[route.id for route in ROUTES_WITH_IDS])
def test_foreign_ids_never_reach_foreign_data(client, isolation_world, route, role, kind):
    world = isolation_world
    unknown = [name for name in route.kwargs if name not in FOREIGN_IDS]
    if unknown:
        pytest.fail(
            f"{route.id} takes {', '.join(unknown)}, which the isolation suite cannot fill yet. Add an entry to "
            f"FOREIGN_IDS in tests/test_isolation.py giving another hub's and another school's ids for it."
        )
    _login(client, world, role)
    with scopes_disabled():
        candidates = {name: FOREIGN_IDS[name](world)[kind] for name in route.kwargs}
    secrets = _foreign_strings(world, kind)
    requests = [("GET", None, {}), ("GET", None, HTMX), ("POST", {}, {}), ("POST", _plausible_post(world), {})]
    before = _database_state()
    for index in range(max(len(codes) for codes in candidates.values())):
        values = {name: codes[index % len(codes)] for name, codes in candidates.items()}
        url = route.url(values)
        for method, data, headers in requests:
            where = f"{method} {url} {headers} as {role} ({kind}: {values})"
            response = client.generic(method, url, urlencode(data or {}), _FORM, headers=headers)
            assert response.status_code in {302, 403, 404, 405}, f"{where} answered {response.status_code}"
            leaked = _leaks(response.content.decode(), secrets)
            assert not leaked, f"{where} showed {leaked}"
            if response.status_code == 302:
                target = urlparse(response["Location"]).path
                assert not any(str(code) in target for code in values.values()), f"{where} redirected to {target}"
                followed = client.get(response["Location"], follow=True)
                leaked = _leaks(followed.content.decode(), secrets)
                assert not leaked, f"{where} redirected to a page showing {leaked}"
            assert _database_state() == before, f"{where} changed the database"


# --- URLs without ids --------------------------------------------------------------------------

# Searches that would match foreign rows (each a part of a foreign string, not the whole of one:
# a page may echo the search back).
SEARCHES = ["", "example", "Outsider", "1"]


def _not_theirs(world, role):
    """What a role must never see on a page without ids."""
    strings = _foreign_strings(world, "other_hub")
    if role not in IN_OTHER_HUB_TOO:
        strings.append(world.other_hub.name)
    if role not in HUB_WIDE_ROLES:
        strings += _foreign_strings(world, "other_school")
    if role in CARE_ROLES:
        strings.append(world.unmentored_ect.person.user.email)
    if role == "anonymous":
        strings += [world.hub.name, world.school.name, world.ect.person.user.email]
    return strings


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("route", ROUTES_WITHOUT_IDS, ids=[route.id for route in ROUTES_WITHOUT_IDS])
def test_pages_without_ids_show_only_the_viewers_own_data(client, isolation_world, route, role):
    world = isolation_world
    _login(client, world, role)
    secrets = _not_theirs(world, role)
    url = route.url({})
    for q in SEARCHES:
        for headers in ({}, HTMX):
            response = client.get(url, {"q": q} if q else {}, follow=True, headers=headers)
            leaked = _leaks(response.content.decode(), secrets)
            assert not leaked, f"GET {url}?q={q} {headers} as {role} showed {leaked}"
    plausible = _plausible_post(world)
    if role in IN_OTHER_HUB_TOO:
        del plausible["hub"]  # switching to a hub of their own is their right (tests/participants/test_views.py)
    for data in ({}, plausible):
        before = _database_state(world.other_hub)
        response = client.post(url, data, follow=True)
        leaked = _leaks(response.content.decode(), secrets)
        assert not leaked, f"POST {url} {data} as {role} showed {leaked}"
        assert _database_state(world.other_hub) == before, f"POST {url} {data} as {role} changed the other hub"


# --- Attacks from inside the hub -----------------------------------------------------------------

# How to fill each URL kwarg with the viewer's own hub's ids (for attacks that stay inside the hub).
OWN_IDS = {
    "school_code": lambda w: [w.school.code],
    "person_code": lambda w: [w.staff.code, w.tutor.person.code, w.mentor.person.code, w.ect.person.code],
    "ect_code": lambda w: [w.ect.code],
    "cycle_code": lambda w: [w.sibling_cycle.code],
    "role_code": lambda w: [w.mentor.code, w.tutor.code],
    "academic_year": lambda w: [2025],
    "token": lambda w: [make_token(w.ect.person)],
    "event_code": lambda w: [w.event.code],
    "session_code": lambda w: [w.session.code],
    "nudge_code": lambda w: [_message_to(w.ect.person, w.school).code],
    "unsubscribe_token": lambda w: [nudge_optout.make_token(w.ect.person)],
    "booking_code": lambda w: [w.own_booking.code],
    "catch_up_code": lambda w: [w.own_catch_up.code],
    "alternative_code": lambda w: [w.own_alternative.code],
    "feed_token": lambda w: [_feed_token(w.ect.person)],
    "report_code": lambda w: [w.school_report.code, w.hub_report.code],
    "upload_code": lambda w: [w.upload.code],
}


def _own_ids(world, route):
    unknown = [name for name in route.kwargs if name not in OWN_IDS]
    if unknown:
        pytest.fail(f"{route.id} takes {', '.join(unknown)}: add an entry to OWN_IDS in tests/test_isolation.py.")
    candidates = {name: OWN_IDS[name](world) for name in route.kwargs}
    for index in range(max((len(codes) for codes in candidates.values()), default=1)):
        yield {name: codes[index % len(codes)] for name, codes in candidates.items()}


def _attach_from_another_school(world, client):
    """Elm's tutor adds, by e-mail, Oak's tutor and Oak's mentor as mentors at Elm Primary."""
    with scopes_disabled():
        attached = [world.sibling_tutor.person, world.sibling_mentor.person]
    for person in attached:
        response = client.post(
            f"/schools/{world.school.code}/people/new/",
            {"role": "mentor", "first_name": "Any", "last_name": "Name", "email": person.user.email,
             "start_date": timezone.localdate().isoformat()},
        )
        assert response.status_code == 302
    return attached


def _oak_state(world, attached):
    """The attached people's accounts and hub roles, and every row at Oak Academy."""
    with scopes_disabled():
        state = {"accounts": [_account(person.user) for person in attached]}
        state["hub_roles"] = [Person.objects.get(pk=person.pk).hub_role for person in attached]
        for model in apps.get_models():
            names = {field.name for field in model._meta.concrete_fields}
            if "school" in names and model._meta.label != "participants.PersonChange":
                rows = model._base_manager.filter(school=world.sibling_school).order_by("pk")
                state[model._meta.label] = list(rows.values())
    return state


def _account(user):
    user.refresh_from_db()
    return (user.email, user.first_name, user.last_name, user.password, user.is_active)


# Pages reached with the attached people's ids (their code, their roles at the other school) or none.
ATTACHED_KWARGS = {"person_code", "role_code"}
ATTACK_ROUTES = [route for route in ROUTES if set(route.kwargs) <= ATTACHED_KWARGS]


@pytest.mark.parametrize("route", ATTACK_ROUTES, ids=[route.id for route in ATTACK_ROUTES])
def test_a_person_attached_from_another_school_shows_the_tutor_only_their_school(client, isolation_world, route):
    """The attack: a tutor adds another school's tutor and mentor as mentors at their own school, then
    reads or changes them. They see only the roles at their school (never the other school, its
    people, or the attached people's roles there) and change neither the accounts nor the other school."""
    world = isolation_world
    _login(client, world, "induction_tutor")
    attached = _attach_from_another_school(world, client)
    with scopes_disabled():
        secrets = [world.sibling_school.name, world.sibling_school.urn, world.sibling_ect.person.user.email,
                   world.sibling_ect.person.user.full_name]
        own = {"person_code": [person.code for person in attached],
               "role_code": [world.sibling_tutor.code, world.sibling_mentor.code]}
    before = _oak_state(world, attached)
    codes = {name: own[name] for name in route.kwargs}
    for index in range(max((len(c) for c in codes.values()), default=1)):
        values = {name: c[index % len(c)] for name, c in codes.items()}
        url = route.url(values)
        requests = [("GET", None, {}), ("GET", {"q": "Outsider"}, {}), ("GET", None, HTMX), ("POST", {}, {}),
                    ("POST", _plausible_post(world), {})]
        for method, data, headers in requests:
            where = f"{method} {url} {data} {headers} as the tutor who attached them"
            send = client.get if method == "GET" else client.post
            response = send(url, data or {}, headers=headers, follow=True)
            leaked = _leaks(response.content.decode(), secrets)
            assert not leaked, f"{where} showed {leaked}"
            assert response.status_code != 500, f"{where} answered 500"
            if "role_code" in values:
                assert response.redirect_chain == [] and response.status_code in {403, 404, 405}, where
            assert _oak_state(world, attached) == before, f"{where} changed another school's people or their accounts"


RAISE_ATTEMPTS = [
    {"role": role, "hub_role": role, "first_name": "Sam", "last_name": "Self", "school": "", "name": "Raised"}
    for role in ("admin", "staff")
]


def _hub_roles(world):
    with scopes_disabled():
        return sorted(world.admin.__class__.objects.filter(hub=world.hub).values_list("pk", "hub_role"))


RAISERS = [role for role in ROLES if role not in {"hub_admin", "anonymous"}]


@pytest.mark.parametrize("role", RAISERS)
@pytest.mark.parametrize("route", ROUTES, ids=[route.id for route in ROUTES])
def test_a_role_raised_by_staff_never_lands(client, isolation_world, route, role):
    """Only hub admins manage hub roles: nobody below them raises their own (or anyone's) role
    through any page, whatever they post."""
    world = isolation_world
    with scopes_disabled():
        user = ROLES[role](world)
    client.force_login(user)
    own_email = user.email
    before = _hub_roles(world)
    for values in _own_ids(world, route):
        url = route.url(values)
        for attempt in RAISE_ATTEMPTS:
            for email in (own_email, world.tutor.person.user.email):
                response = client.post(url, {**attempt, "email": email})
                assert response.status_code != 500, f"POST {url} as {role} answered 500"
                assert _hub_roles(world) == before, f"POST {url} {attempt} {email} as {role} changed a hub role"


# --- An address added without proof ----------------------------------------------------------

UNUSED = "head@new-hub.example.org"  # the address a new hub will register its admin with


@pytest.mark.parametrize("role", [role for role in ROLES if role != "anonymous"])
def test_no_role_attaches_an_address_without_proof(client, isolation_world, role):
    """Whoever is signed in, an address they do not receive mail at never becomes their account's:
    not on allauth's e-mail page (add it, make it primary), nor by editing a person's details. So a
    hub that later registers the address gets a new account, not the attacker's."""
    world = isolation_world
    _login(client, world, role)
    with scopes_disabled():
        user = world.staff.user._meta.model.objects.get(pk=client.session["_auth_user_id"])
        own = user.email
        people = [world.ect.person, world.tutor.person, world.staff]
    client.post("/accounts/email/", {"action_add": "", "email": UNUSED})
    client.post("/accounts/email/", {"action_primary": "", "email": UNUSED})
    for person in people:
        client.post(f"/people/{person.code}/edit/", {"first_name": "Mallory", "last_name": "Intruder", "email": UNUSED})

    with scopes_disabled():
        assert not EmailAddress.objects.filter(email=UNUSED, verified=True).exists()
        user.refresh_from_db()
        assert user.email == own
        assert not user._meta.model.objects.filter(email=UNUSED).exists()
    with hub_scope(world.other_hub):
        registered = services.get_or_create_person(world.other_hub, UNUSED, "New", "Head")
    assert registered.user.pk not in {user.pk} | {person.user_id for person in people}

"""Pages for hubs, schools and people, driven through HTTP as each role would use them."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from participants.models import ECT, ECTStatus, MentorAssignment, Person
from schools.models import School
from tests import factories

D = datetime.date
HTMX = {"HX-Request": "true"}


def _sign_in(client, person):
    client.force_login(person.user)


# --- Landing and switching -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ("staff", lambda w: "/hub/"),
        ("admin", lambda w: "/hub/"),
        ("tutor", lambda w: f"/schools/{w.school.code}/engagement/"),
        ("mentor", lambda w: "/mentoring/"),
        ("ect", lambda w: f"/ects/{w.ect.code}/study/"),
    ],
)
def test_each_role_lands_on_its_own_home(world, client, who, home):
    person = getattr(world, who)
    person = getattr(person, "person", person)
    _sign_in(client, person)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == home(world)
    assert client.get(response["Location"]).status_code == 200


def test_a_tutor_who_also_mentors_switches_to_their_mentor_home(world, client):
    with scopes_disabled():
        factories.MentorFactory(person=world.tutor.person, school=world.school)
        factories.MentorAssignmentFactory(ect=world.unmentored_ect, mentor=world.tutor.person.mentor_roles.get())
    _sign_in(client, world.tutor.person)
    assert client.get("/")["Location"] == f"/schools/{world.school.code}/engagement/"

    response = client.post("/switch/role/", {"role": "mentor"})

    assert response["Location"] == "/mentoring/"
    assert client.get("/")["Location"] == "/mentoring/"
    assert world.unmentored_ect.person.user.email not in client.get("/mentoring/").content.decode()
    assert str(world.unmentored_ect.person) in client.get("/mentoring/").content.decode()


def test_switching_to_a_role_the_person_does_not_have_changes_nothing(world, client):
    _sign_in(client, world.ect.person)
    response = client.post("/switch/role/", {"role": "hub"})
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == f"/ects/{world.ect.code}/study/"
    assert client.get("/hub/").status_code == 404


def test_a_tutor_who_is_also_admin_of_another_hub_switches_hub_and_sees_only_that_hub(world, client):
    with scopes_disabled():
        factories.PersonFactory(hub=world.other_hub, user=world.tutor.person.user, hub_role="admin")
    client.force_login(world.tutor.person.user)
    assert client.get("/")["Location"] == f"/schools/{world.school.code}/engagement/"
    assert client.get("/hub/").status_code == 404

    response = client.post("/switch/hub/", {"hub": str(world.other_hub.code)})

    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/hub/"
    overview = client.get("/hub/").content.decode()
    assert "Birch High" in overview
    assert "Elm Primary" not in overview and "Oak Academy" not in overview
    people = client.get("/people/").content.decode()
    assert world.other_ect.person.user.email in people
    assert world.ect.person.user.email not in people and world.staff.user.email not in people
    assert client.get(f"/schools/{world.school.code}/").status_code == 404
    assert client.get(f"/people/{world.ect.person.code}/").status_code == 404

    client.post("/switch/hub/", {"hub": str(world.hub.code)})
    assert client.get("/")["Location"] == f"/schools/{world.school.code}/engagement/"
    assert client.get(f"/schools/{world.other_school.code}/").status_code == 404


def test_switching_to_a_hub_the_user_is_not_in_changes_nothing(world, client):
    _sign_in(client, world.staff)
    client.post("/switch/hub/", {"hub": str(world.other_hub.code)})
    overview = client.get("/hub/").content.decode()
    assert "Elm Primary" in overview and "Birch High" not in overview


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(world, client):
    for path in ["/", "/hub/", f"/schools/{world.school.code}/", f"/people/{world.ect.person.code}/", "/mentoring/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/?next="), path


# --- Schools ----------------------------------------------------------------------------------


def test_hub_staff_add_a_school(world, client):
    _sign_in(client, world.staff)
    response = client.post("/schools/new/", {"name": "Ash Infants", "urn": "123456"})
    with scopes_disabled():
        school = School.objects.get(name="Ash Infants")
    assert school.hub == world.hub and school.urn == "123456"
    assert response["Location"] == f"/schools/{school.code}/"


def test_a_urn_already_used_in_the_hub_is_refused_and_nothing_is_saved(world, client):
    _sign_in(client, world.staff)
    with scopes_disabled():
        before = School.objects.count()
    response = client.post("/schools/new/", {"name": "Ash Infants", "urn": world.sibling_school.urn})
    assert response.status_code == 200
    assert f"Oak Academy already has URN {world.sibling_school.urn} in this hub." in response.content.decode()
    assert 'value="Ash Infants"' in response.content.decode()
    with scopes_disabled():
        assert School.objects.count() == before


def test_a_urn_used_only_in_another_hub_is_allowed(world, client):
    _sign_in(client, world.staff)
    response = client.post("/schools/new/", {"name": "Ash Infants", "urn": world.other_school.urn})
    assert response.status_code == 302
    with scopes_disabled():
        assert School.objects.filter(hub=world.hub, urn=world.other_school.urn).exists()
    assert "Birch High" not in client.get(response["Location"]).content.decode()


def test_only_hub_staff_add_schools(world, client):
    _sign_in(client, world.tutor.person)
    assert client.post("/schools/new/", {"name": "Ash Infants", "urn": "123456"}).status_code == 404
    with scopes_disabled():
        assert not School.objects.filter(name="Ash Infants").exists()


def test_htmx_search_on_the_hub_overview_returns_only_the_rows(world, client):
    _sign_in(client, world.staff)
    response = client.get("/hub/", {"q": "Elm"}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Elm Primary" in body and "Oak Academy" not in body
    assert "<html" not in body and "Hub totals" not in body and 'id="school-search"' not in body


def test_school_search_by_urn_prefix(world, client):
    _sign_in(client, world.staff)
    body = client.get("/hub/", {"q": world.sibling_school.urn}, headers=HTMX).content.decode()
    assert "Oak Academy" in body and "Elm Primary" not in body


# --- People -----------------------------------------------------------------------------------


def test_a_tutor_adds_an_ect_with_a_mentor(world, client):
    _sign_in(client, world.tutor.person)
    response = client.post(
        f"/schools/{world.school.code}/people/new/",
        {
            "role": "ect",
            "first_name": "Nia",
            "last_name": "Okafor",
            "email": "Nia.Okafor@elm.example.org",
            "start_date": "2026-09-01",
            "programme": "ecte2025",
            "cohort_start_year": "2026",
            "fte": "0.8",
            "mentor": world.mentor.pk,
        },
    )
    assert response["Location"] == f"/schools/{world.school.code}/"
    with scopes_disabled():
        ect = ECT.objects.get(person__user__email="nia.okafor@elm.example.org")
        assert (ect.hub, ect.school, ect.cohort_start_year, str(ect.fte)) == (world.hub, world.school, 2026, "0.80")
        assignment = MentorAssignment.objects.get(ect=ect, finished_on__isnull=True)
        assert (assignment.mentor, assignment.started_on) == (world.mentor, D(2026, 9, 1))
    assert "Nia Okafor" in client.get(f"/schools/{world.school.code}/").content.decode()
    client.force_login(world.mentor.person.user)
    assert "Nia Okafor" in client.get("/mentoring/").content.decode()


def test_a_tutor_cannot_give_a_new_ect_a_mentor_from_another_school(world, client):
    _sign_in(client, world.tutor.person)
    response = client.post(
        f"/schools/{world.school.code}/people/new/",
        {
            "role": "ect", "first_name": "Nia", "last_name": "Okafor", "email": "nia@elm.example.org",
            "start_date": "2026-09-01", "programme": "ecte2025", "cohort_start_year": "2026",
            "mentor": world.sibling_mentor.pk,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with scopes_disabled():
        assert not Person.objects.filter(user__email="nia@elm.example.org").exists()


def test_a_tutor_changes_an_ects_mentor(world, client):
    with scopes_disabled():
        new_mentor = factories.MentorFactory(school=world.school)
    _sign_in(client, world.tutor.person)
    today = timezone.localdate()
    response = client.post(f"/ects/{world.ect.code}/mentor/", {"mentor": new_mentor.pk, "on": today.isoformat()})
    assert response["Location"] == f"/people/{world.ect.person.code}/"
    with scopes_disabled():
        history = [(a.mentor_id, a.finished_on) for a in MentorAssignment.objects.filter(ect=world.ect).order_by("id")]
    assert history == [(world.mentor.pk, today), (new_mentor.pk, None)]
    assert "Mentor changed from" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("mentor", ["other_mentor", "sibling_mentor"])
def test_a_tutor_cannot_give_their_ect_a_mentor_from_another_school_or_hub(world, client, mentor):
    _sign_in(client, world.tutor.person)
    response = client.post(
        f"/ects/{world.ect.code}/mentor/", {"mentor": getattr(world, mentor).pk, "on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with scopes_disabled():
        assert MentorAssignment.objects.get(ect=world.ect, finished_on__isnull=True).mentor == world.mentor


def test_hub_staff_cannot_invite_a_tutor_into_another_hubs_school(world, client):
    _sign_in(client, world.staff)
    response = client.post(
        "/hub/invite/",
        {"role": "induction_tutor", "school": world.other_school.pk, "first_name": "Mallory", "last_name": "Intruder",
         "email": "mallory@intruder.example.org"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    with scopes_disabled():
        assert not Person.objects.filter(user__email="mallory@intruder.example.org").exists()


def _statuses(ect):
    with scopes_disabled():
        return [(s.status, s.started_on, s.finished_on) for s in ECTStatus.objects.filter(ect=ect)]


def test_a_tutor_pauses_resumes_and_marks_an_ect_as_left(world, client):
    _sign_in(client, world.tutor.person)
    url = f"/ects/{world.ect.code}/status/"
    for status, on in [("paused", "2026-01-12"), ("active", "2026-02-23"), ("left", "2026-04-01")]:
        note = "Long-term absence" if status == "paused" else ""
        response = client.post(url, {"status": status, "on": on, "note": note})
        assert response.status_code == 302, response.content.decode()
    assert _statuses(world.ect) == [
        ("active", D(2025, 9, 3), D(2026, 1, 12)),
        ("paused", D(2026, 1, 12), D(2026, 2, 23)),
        ("active", D(2026, 2, 23), D(2026, 4, 1)),
        ("left", D(2026, 4, 1), None),
    ]
    with scopes_disabled():
        assert not MentorAssignment.objects.filter(ect=world.ect, finished_on__isnull=True).exists()


@pytest.mark.parametrize(
    ("on", "error"),
    [
        (lambda today: today + datetime.timedelta(days=1), "The date cannot be in the future."),
        (lambda today: D(2025, 9, 1), "The date cannot be before the current status began (3 Sep 2025)."),
    ],
    ids=["future", "before-current-status"],
)
def test_a_status_change_with_a_bad_date_is_refused_and_nothing_is_saved(world, client, on, error):
    _sign_in(client, world.tutor.person)
    before = _statuses(world.ect)
    response = client.post(
        f"/ects/{world.ect.code}/status/", {"status": "paused", "on": on(timezone.localdate()).isoformat()}
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert _statuses(world.ect) == before


def test_a_status_the_current_one_cannot_become_is_refused(world, client):
    _sign_in(client, world.tutor.person)
    response = client.post(f"/ects/{world.ect.code}/status/", {"status": "active", "on": "2026-01-12"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert len(_statuses(world.ect)) == 1


def test_inline_edit_of_a_persons_details_with_htmx(world, client):
    _sign_in(client, world.tutor.person)
    url = f"/people/{world.ect.person.code}/edit/"
    form = client.get(url, headers=HTMX).content.decode()
    assert 'id="person-details"' in form and "<form" in form and "<html" not in form

    details = {"first_name": "Ada", "last_name": "Byron", "email": "ada@elm.example.org"}
    response = client.post(url, details, headers=HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="person-details"' in body and "<form" not in body
    assert "<html" not in body and "Timeline" not in body
    assert "Ada Byron" in body and "Change to ada@elm.example.org requested" in body
    with scopes_disabled():
        person = Person.objects.select_related("user").get(pk=world.ect.person.pk)
    assert (person.full_name, person.user.email) == ("Ada Byron", "ect@elm.example.org")  # until confirmed from there


def test_inline_edit_with_an_e_mail_someone_else_uses_is_refused(world, client):
    _sign_in(client, world.tutor.person)
    response = client.post(
        f"/people/{world.ect.person.code}/edit/",
        {"first_name": "Ada", "last_name": "Byron", "email": world.mentor.person.user.email},
        headers=HTMX,
    )
    assert "Someone in this hub already uses this e-mail address." in response.content.decode()
    with scopes_disabled():
        assert Person.objects.get(pk=world.ect.person.pk).user.email == "ect@elm.example.org"


# --- Who may read and who may write -----------------------------------------------------------


def test_a_mentor_may_read_their_mentees_page_but_not_change_their_mentor(world, client):
    with scopes_disabled():
        other_mentor = factories.MentorFactory(school=world.school)
    _sign_in(client, world.mentor.person)
    assert client.get(f"/people/{world.ect.person.code}/").status_code == 200
    assert client.get(f"/ects/{world.ect.code}/mentor/").status_code == 403
    response = client.post(f"/ects/{world.ect.code}/mentor/", {"mentor": other_mentor.pk, "on": timezone.localdate()})
    assert response.status_code == 403
    assert client.post(f"/ects/{world.ect.code}/status/", {"status": "left", "on": "2026-01-12"}).status_code == 403
    details = {"first_name": "X", "last_name": "Y", "email": "x@y.org"}
    assert client.post(f"/people/{world.ect.person.code}/edit/", details).status_code == 403
    with scopes_disabled():
        assert MentorAssignment.objects.get(ect=world.ect, finished_on__isnull=True).mentor == world.mentor
    assert len(_statuses(world.ect)) == 1


def test_a_mentor_cannot_see_an_ect_they_do_not_mentor(world, client):
    _sign_in(client, world.mentor.person)
    assert client.get(f"/people/{world.unmentored_ect.person.code}/").status_code == 404
    assert client.get(f"/schools/{world.school.code}/").status_code == 404


def test_an_ect_sees_only_themselves(world, client):
    _sign_in(client, world.ect.person)
    own = client.get(f"/people/{world.ect.person.code}/").content.decode()
    assert str(world.mentor.person) in own
    assert "Edit details" not in own
    assert client.get(f"/people/{world.unmentored_ect.person.code}/").status_code == 404
    assert client.get(f"/people/{world.mentor.person.code}/").status_code == 404
    assert client.get(f"/ects/{world.ect.code}/status/").status_code == 403


def test_a_tutor_cannot_see_hub_staff(world, client):
    _sign_in(client, world.tutor.person)
    assert client.get(f"/people/{world.staff.code}/").status_code == 404
    assert world.staff.user.email not in client.get("/people/", {"q": "north"}).content.decode()


# --- Constant queries -------------------------------------------------------------------------


def _count_queries(client, path):
    client.get(path)  # warm up: session, last login
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _grow(world, schools=4, ects_per_school=3):
    """More schools, each with a tutor, a mentor and mentored ECTs, and more ECTs at Elm Primary."""
    with scopes_disabled():
        for _ in range(schools):
            school = factories.SchoolFactory(hub=world.hub)
            factories.InductionTutorFactory(school=school)
            mentor = factories.MentorFactory(school=school)
            for _ in range(ects_per_school):
                factories.MentorAssignmentFactory(ect=factories.ECTFactory(school=school), mentor=mentor)
        for _ in range(ects_per_school * 2):
            factories.MentorAssignmentFactory(ect=factories.ECTFactory(school=world.school), mentor=world.mentor)
        factories.InductionTutorFactory(school=world.school)
        factories.MentorFactory(school=world.school)


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("staff", lambda w: "/hub/"),
        ("staff", lambda w: f"/schools/{w.school.code}/"),
        ("tutor", lambda w: f"/schools/{w.school.code}/"),
        ("staff", lambda w: "/people/"),
        ("mentor", lambda w: "/mentoring/"),
    ],
    ids=["hub-overview", "school-page-as-staff", "school-page-as-tutor", "people-list", "mentor-home"],
)
def test_pages_make_the_same_number_of_queries_however_many_rows(
    world, client, django_assert_max_num_queries, who, path
):
    person = getattr(world, who)
    client.force_login(getattr(person, "person", person).user)
    url = path(world)
    baseline = _count_queries(client, url)
    _grow(world)
    with django_assert_max_num_queries(baseline):
        assert client.get(url).status_code == 200


MALLORY = {"first_name": "Mallory", "last_name": "Intruder", "email": "mallory@intruder.example.org"}


@pytest.mark.parametrize("who", ["tutor", "staff"])
def test_nobody_in_one_hub_can_change_the_sign_in_of_an_account_from_another_hub(world, client, who):
    """Adding the South hub's admin as a mentor at Elm gives the North an unconfirmed person for the
    address. Editing it edits only the North's person: a new address points it at another account,
    and the South admin's account (its e-mail, its name) never changes."""
    person = getattr(world, who)
    _sign_in(client, getattr(person, "person", person))
    victim = world.other_staff.user
    name_before = victim.full_name
    client.post(
        f"/schools/{world.school.code}/people/new/",
        {"role": "mentor", "first_name": "Sam", "last_name": "South", "email": victim.email,
         "start_date": "2026-09-01"},
    )
    with scopes_disabled():
        linked = Person.objects.get(hub=world.hub, user=victim)

    response = client.post(f"/people/{linked.code}/edit/", MALLORY)

    assert response.status_code == 302
    victim.refresh_from_db()
    assert (victim.email, victim.full_name) == ("admin@south.example.org", name_before)
    with scopes_disabled():
        linked.refresh_from_db()
        assert (linked.full_name, linked.user.email) == ("Mallory Intruder", "mallory@intruder.example.org")
        assert not Person.objects.filter(hub=world.hub, user=victim).exists()


def _link_south_admin_as_mentor_at_elm(world):
    """The South hub's admin, also a mentor at Elm, confirmed: one account in both hubs."""
    with scopes_disabled():
        person = factories.PersonFactory(hub=world.hub, user=world.other_staff.user)
        factories.MentorFactory(school=world.school, hub=world.hub, person=person)
        return person


def test_a_tutor_cannot_change_the_account_of_someone_with_roles_in_another_hub(world, client):
    """Changing its e-mail from the North would hand the South admin's sign-in to whoever changed it."""
    _sign_in(client, world.tutor.person)
    linked = _link_south_admin_as_mentor_at_elm(world)
    last_name = linked.user.last_name

    response = client.post(f"/people/{linked.code}/edit/", MALLORY)

    assert response.status_code == 403
    victim = world.other_staff.user
    victim.refresh_from_db()
    assert (victim.email, victim.last_name) == ("admin@south.example.org", last_name)
    assert client.get(f"/people/{linked.code}/").status_code == 200  # they may still see the mentor


def test_hub_staff_changing_a_shared_account_only_ask_and_its_owner_decides(world, client, mailoutbox, django_capture_on_commit_callbacks):
    _sign_in(client, world.staff)
    linked = _link_south_admin_as_mentor_at_elm(world)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/people/{linked.code}/edit/", MALLORY)

    assert response.status_code == 302
    victim = world.other_staff.user
    victim.refresh_from_db()
    assert victim.email == "admin@south.example.org"
    assert sorted(m.to[0] for m in mailoutbox) == ["admin@south.example.org", "mallory@intruder.example.org"]


def test_an_ect_not_started_yet_shows_so_on_the_school_page_and_the_mentor_home(world, client):
    later = timezone.localdate() + datetime.timedelta(days=30)
    with scopes_disabled():
        ECT.objects.filter(pk=world.ect.pk).update(induction_start_date=later)
    client.force_login(world.tutor.person.user)
    school_page = client.get(f"/schools/{world.school.code}/").content.decode()
    assert "Not started yet" in school_page
    assert 'tag-not_mentoring">Not mentoring' not in school_page  # the mentor has a mentee
    client.force_login(world.mentor.person.user)
    assert "Not started yet" in client.get("/mentoring/").content.decode()

"""One timeline per person: changes and activity from every source, newest first, paged, by kind,
each saying who did it; a tutor sees only their schools' part."""

import datetime

from django.utils import timezone
from django_scopes import scopes_disabled

from engagement.models import CoachingCycle, FormalObservation, Module, StudyRecord
from participants import services, timeline
from participants.models import PersonChange
from schools.scoping import hub_scope
from tests import factories


def _at(days_ago):
    return timezone.now() - datetime.timedelta(days=days_ago)


def _activity(world):
    """Study (recorded by the ECT), a coaching cycle (their mentor), a formal observation (the tutor)
    and a change of record (hub staff), each a day apart: the change newest."""
    with hub_scope(world.hub):
        module = Module.objects.filter(programme__code=world.ect.programme).first()
        study = StudyRecord.objects.create(hub=world.hub, ect=world.ect, module=module, done_on=datetime.date(2026, 10, 5), recorded_by=world.ect.person.user)
        cycle = factories.CoachingCycleFactory(ect=world.ect, mentor=world.mentor, feedback_on=datetime.date(2026, 10, 8))
        observation = FormalObservation.objects.create(hub=world.hub, ect=world.ect, tutor=world.tutor, observed_on=datetime.date(2026, 10, 9), outcome="on_track")
        change = services.record_change(world.ect.person, world.staff.user, "FTE changed from 1.0 to 0.8", world.school)
    for model, row, days in ((StudyRecord, study, 4), (CoachingCycle, cycle, 3), (FormalObservation, observation, 2), (PersonChange, change, 1)):
        field = "at" if model is PersonChange else "created_at"
        model.objects.with_scopes_disabled().filter(pk=row.pk).update(**{field: _at(days)})
    return module


def _entries(page):
    start = page.index('id="timeline-entries"')
    return page[start:page.index("</div>", start)]


def test_the_timeline_lists_every_kind_newest_first_each_saying_who(world, client):
    module = _activity(world)
    client.force_login(world.staff.user)
    entries = _entries(client.get(f"/people/{world.ect.person.code}/").content.decode())
    order = [
        entries.index("FTE changed from 1.0 to 0.8"),
        entries.index("Formal observation of"),
        entries.index("Coaching cycle with"),
        entries.index(f"Study recorded: {module.title}, done on 5 Oct 2026"),
    ]
    assert order == sorted(order)
    assert f"by {world.staff.first_name} {world.staff.last_name}" in entries
    assert f"by {world.tutor.person.first_name} {world.tutor.person.last_name}" in entries
    assert f"by {world.mentor.person.first_name} {world.mentor.person.last_name}" in entries
    assert "feedback on 8 Oct 2026" in entries


def test_the_mentor_and_tutor_see_their_own_activity_on_their_timelines(world, client):
    _activity(world)
    client.force_login(world.staff.user)
    assert "Coaching cycle with" in _entries(client.get(f"/people/{world.mentor.person.code}/").content.decode())
    assert "Formal observation of" in _entries(client.get(f"/people/{world.tutor.person.code}/").content.decode())


def test_the_timeline_filters_by_kind(world, client):
    _activity(world)
    client.force_login(world.staff.user)
    entries = _entries(client.get(f"/people/{world.ect.person.code}/?kind=coaching").content.decode())
    assert "Coaching cycle with" in entries
    assert "Formal observation" not in entries and "Study recorded" not in entries and "FTE changed" not in entries
    assert [kind for kind, _ in timeline.kinds()] == ["changes", "study", "coaching", "observations", "messages"]


def test_the_timeline_pages_older_entries_and_htmx_gets_only_the_entries(world, client):
    with hub_scope(world.hub):
        for number in range(30):
            change = services.record_change(world.ect.person, world.staff.user, f"Change number {number:02d}")
            PersonChange.objects.filter(pk=change.pk).update(at=_at(100 - number))
    client.force_login(world.staff.user)
    first = _entries(client.get(f"/people/{world.ect.person.code}/").content.decode())
    assert "Change number 29" in first and "Change number 05" in first and "Change number 04" not in first
    assert "Older" in first
    older = client.get(f"/people/{world.ect.person.code}/?timeline=1&page=2&kind=changes", headers={"HX-Request": "true"})
    body = older.content.decode()
    assert "<html" not in body
    assert "Change number 04" in body and "Change number 00" in body and "Change number 05" not in body
    assert "Newer" in body


def test_a_tutor_sees_only_their_schools_part_of_someone_also_elsewhere(world, client):
    with scopes_disabled():
        elsewhere = factories.MentorFactory(school=world.sibling_school, person=world.ect.person)
        factories.CoachingCycleFactory(ect=world.sibling_ect, mentor=elsewhere)
    with hub_scope(world.hub):
        services.record_change(world.ect.person, world.staff.user, "Mentoring at Oak Academy", world.sibling_school)
        services.record_change(world.ect.person, world.staff.user, "Details at Elm", world.school)
    client.force_login(world.tutor.person.user)
    entries = _entries(client.get(f"/people/{world.ect.person.code}/").content.decode())
    assert "Details at Elm" in entries
    assert "Mentoring at Oak Academy" not in entries and "Coaching cycle with" not in entries


def test_the_person_page_query_count_is_constant_whatever_the_timeline(world, client, django_assert_max_num_queries):
    client.force_login(world.staff.user)
    url = f"/people/{world.ect.person.code}/"
    client.get(url)
    with django_assert_max_num_queries(40) as before:
        client.get(url)
    _activity(world)
    with hub_scope(world.hub):
        for number in range(30):
            services.record_change(world.ect.person, world.mentor.person.user, f"Change {number}")
        for _ in range(5):
            factories.CoachingCycleFactory(ect=world.ect, mentor=world.mentor)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(url)
    with django_assert_max_num_queries(len(before.captured_queries)):
        client.get(f"{url}?page=2")


def test_the_outsider_gets_a_404_for_the_timeline(world, client):
    client.force_login(world.other_staff.user)
    assert client.get(f"/people/{world.ect.person.code}/?timeline=1", headers={"HX-Request": "true"}).status_code == 404

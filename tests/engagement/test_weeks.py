"""The weeks-with-activity tables stay in step with the activity, whatever writes it."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction

from engagement import weeks
from engagement.models import CoachingCycle, CoachingWeeks, Module, StudyRecord, StudyWeeks
from schools.scoping import hub_scope, scopes_disabled
from tests import factories

D = datetime.date


def stored():
    return (
        sorted(StudyWeeks.objects.with_scopes_disabled().values_list("ect_id", "academic_year", "weeks", "next_weeks", "last_on")),
        sorted(
            CoachingWeeks.objects.with_scopes_disabled().values_list("mentor_id", "ect_id", "academic_year", "weeks", "next_weeks", "last_on")
        ),
    )


def rebuilt():
    with connection.cursor() as cursor:
        weeks.rebuild(cursor)
    return stored()


def test_first_week_is_the_first_with_its_wednesday_in_september():
    # 1 Sep 2025 is a Monday: that week's Wednesday is 3 Sep; 1 Sep 2026 is a Tuesday (Wednesday 2 Sep)
    assert weeks.EPOCH + datetime.timedelta(weeks=weeks.first_week(2025)) == D(2025, 9, 1)
    assert weeks.EPOCH + datetime.timedelta(weeks=weeks.first_week(2026)) == D(2026, 8, 31)
    # 1 Sep 2027 is a Wednesday; 1 Sep 2029 a Saturday, so its week belongs to the year before
    assert weeks.EPOCH + datetime.timedelta(weeks=weeks.first_week(2027)) == D(2027, 8, 30)
    assert weeks.EPOCH + datetime.timedelta(weeks=weeks.first_week(2029)) == D(2029, 9, 3)


def test_the_triggers_keep_the_weeks_of_every_write(world):
    ect, mentor = world.ect, world.mentor
    modules = list(Module.objects.filter(programme__code=ect.programme).order_by("year", "order"))
    with hub_scope(world.hub):
        first = StudyRecord.objects.create(hub=ect.hub, ect=ect, module=modules[0], done_on=D(2025, 9, 3))
        StudyRecord.objects.bulk_create(
            [StudyRecord(hub=ect.hub, ect=ect, module=m, done_on=D(2025, 9, 8) + datetime.timedelta(weeks=i)) for i, m in enumerate(modules[1:4])]
        )
        cycle = CoachingCycle.objects.create(hub=ect.hub, ect=ect, mentor=mentor, observed_on=D(2025, 8, 30))
        CoachingCycle.objects.create(hub=ect.hub, ect=ect, mentor=mentor, observed_on=D(2026, 1, 7))
        study, coaching = stored()
        mine = ([r for r in study if r[0] == ect.id], [r for r in coaching if r[:2] == (mentor.id, ect.id)])
        # a row per year with records in it or in the next, with both years' weeks
        assert [(y, w.bit_count(), n.bit_count(), last) for _, y, w, n, last in mine[0]] == [
            (2024, 0, 4, D(2025, 9, 22)), (2025, 4, 0, D(2025, 9, 22))
        ]
        # 30 Aug 2025 is in the week of Wednesday 27 Aug: the year before; the latest observation is in every row
        assert [(y, w.bit_count(), n.bit_count(), last) for _, _, y, w, n, last in mine[1]] == [
            (2023, 0, 1, D(2026, 1, 7)), (2024, 1, 1, D(2026, 1, 7)), (2025, 1, 0, D(2026, 1, 7))
        ]
        assert (study, coaching) == rebuilt()

        cycle.observed_on = D(2025, 9, 10)
        cycle.save()
        StudyRecord.objects.filter(pk=first.pk).update(done_on=D(2025, 10, 1))
        StudyRecord.objects.filter(module__in=modules[2:4]).delete()
        study, coaching = stored()
        mine = ([r for r in study if r[0] == ect.id], [r for r in coaching if r[:2] == (mentor.id, ect.id)])
        assert [(y, w.bit_count(), n.bit_count()) for _, _, y, w, n, _ in mine[1]] == [(2024, 0, 2), (2025, 2, 0)]
        assert [(w.bit_count(), n.bit_count(), last) for _, _, w, n, last in mine[0]] == [(0, 2, D(2025, 10, 1)), (2, 0, D(2025, 10, 1))]
        assert (study, coaching) == rebuilt()

        CoachingCycle.objects.filter(mentor=mentor).delete()
        assert [r for r in stored()[1] if r[0] == mentor.id] == []


def test_a_weeks_bit_is_the_periods_bit():
    # the engine marks a period by the bit of its first week
    from engagement.compute import period_bit

    assert period_bit(D(2025, 9, 1), 2025) == 1 << 52
    assert period_bit(D(2025, 9, 8), 2025) == 1 << 51


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_two_transactions_writing_one_ects_study_at_once_both_count(world_committed):
    """The second writer's trigger waits for the first to commit, then counts the first's record too
    (without the wait each would store only its own week, the last one winning)."""
    ect = world_committed.ect
    modules = list(Module.objects.filter(programme__code=ect.programme).order_by("year", "order")[:2])
    first_wrote, second_started = threading.Event(), threading.Event()

    def write(module, day, before_commit=None):
        try:
            with transaction.atomic(), scopes_disabled():
                StudyRecord.objects.create(hub_id=ect.hub_id, ect=ect, module=module, done_on=day)
                if before_commit:
                    before_commit()
        finally:
            connection.close()

    def hold_until_the_second_is_waiting():
        first_wrote.set()
        second_started.wait(5)
        time.sleep(0.3)  # the second's insert is now waiting for this transaction's lock on the ECT

    first = threading.Thread(target=write, args=(modules[0], D(2025, 9, 3), hold_until_the_second_is_waiting))
    first.start()
    first_wrote.wait(5)
    second = threading.Thread(target=lambda: (second_started.set(), write(modules[1], D(2025, 9, 10))))
    second.start()
    first.join(10)
    second.join(10)
    with scopes_disabled():
        row = StudyWeeks.objects.get(ect=ect, academic_year=2025)
        assert row.weeks.bit_count() == 2
        assert stored() == rebuilt()

"""Keeping stored engagement fresh: a debounced recompute of the people whose activity changed,
and the nightly recompute of every hub.

Recording or importing activity (or a change of status or mentor) marks the people concerned
(`PendingRecompute`) and, once per burst, queues `recompute_pending` a little later; the task
claims the marks and recomputes just those people. Both are safe to run twice at once.
"""

import datetime

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ectprogramme import queueing
from ectprogramme.caching import quietly
from engagement import compute
from engagement.models import PendingRecompute
from participants.models import ECT, Mentor, MentorAssignment

DEBOUNCE_SECONDS = 30
# Marks older than this were never claimed: their queued task was lost or never queued.
FORGOTTEN_AFTER = datetime.timedelta(minutes=5)


def mark_changed(hub_id, ect_ids=(), mentor_ids=(), with_mentors=True):
    """Mark people for recompute; an ECT's mentors too, whose coaching depends on the ECT's status."""
    ect_ids, mentor_ids = set(ect_ids), set(mentor_ids)
    if with_mentors and ect_ids:
        mentor_ids |= set(MentorAssignment.objects.with_scopes_disabled().filter(ect_id__in=ect_ids).values_list("mentor_id", flat=True))
    if not ect_ids and not mentor_ids:
        return
    PendingRecompute.objects.with_scopes_disabled().bulk_create(
        [PendingRecompute(hub_id=hub_id, ect_id=i) for i in ect_ids] + [PendingRecompute(hub_id=hub_id, mentor_id=i) for i in mentor_ids]
    )
    transaction.on_commit(lambda: _schedule(hub_id))


def recalculate_school(school):
    """"Recalculate now" for a school: mark its ECTs and mentors not already waiting and queue the
    debounced recompute, which does them within a minute (never a whole-hub recompute inside the
    request). Returns how many people were marked: 0 when they were all waiting already.
    """
    waiting = PendingRecompute.objects.with_scopes_disabled().filter(hub_id=school.hub_id)
    ect_ids = set(ECT.objects.with_scopes_disabled().filter(school=school).values_list("id", flat=True))
    mentor_ids = set(Mentor.objects.with_scopes_disabled().filter(school=school).values_list("id", flat=True))
    ect_ids -= set(waiting.filter(ect_id__in=ect_ids).values_list("ect_id", flat=True))
    mentor_ids -= set(waiting.filter(mentor_id__in=mentor_ids).values_list("mentor_id", flat=True))
    mark_changed(school.hub_id, ect_ids, mentor_ids, with_mentors=False)
    if not ect_ids and not mentor_ids:
        transaction.on_commit(lambda: _schedule(school.hub_id))  # in case the queued run was lost
    return len(ect_ids) + len(mentor_ids)


def _schedule(hub_id):
    """Queue the hub's debounced recompute once per burst; with the cache out of reach nothing is
    queued (the debounce cannot be kept) and the sweep recomputes the marks within minutes."""
    from engagement.tasks import recompute_pending

    if quietly(cache.add, f"engagement-recompute:{hub_id}", 1, DEBOUNCE_SECONDS):
        queueing.send(recompute_pending, hub_id, countdown=DEBOUNCE_SECONDS)


def recompute_pending(hub_id, as_of=None):
    """Claim the hub's marks and recompute those people. Returns how many people were marked."""
    from schools.models import Hub
    from schools.scoping import hub_scope

    hub = Hub.objects.get(pk=hub_id)
    with hub_scope(hub), transaction.atomic():
        marks = list(
            PendingRecompute.objects.select_for_update(skip_locked=True).filter(hub=hub).values_list("id", "ect_id", "mentor_id")
        )
        if not marks:
            return 0
        PendingRecompute.objects.filter(id__in=[m[0] for m in marks]).delete()
        compute.recompute(
            [hub], as_of or timezone.localdate(),
            ect_ids={m[1] for m in marks if m[1]}, mentor_ids={m[2] for m in marks if m[2]},
        )
    return len(marks)


def recompute_forgotten(now=None):
    """The sweep: recompute every hub holding marks older than `FORGOTTEN_AFTER` (their task was
    never queued, e.g. the broker was down). Returns how many people were recomputed."""
    now = now or timezone.now()
    hub_ids = set(
        PendingRecompute.objects.with_scopes_disabled()
        .filter(created_at__lte=now - FORGOTTEN_AFTER)
        .values_list("hub_id", flat=True)
    )
    return sum(recompute_pending(hub_id) for hub_id in sorted(hub_ids))


def recompute_everything(as_of=None):
    """The nightly job: every hub, every person, and this week's trend point."""
    from schools.models import Hub

    hubs = list(Hub.objects.all())
    return compute.recompute(hubs, as_of or timezone.localdate()) if hubs else 0

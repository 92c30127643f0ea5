"""Mark people for a recompute when what their engagement depends on changes."""

from django.db.models.signals import post_delete, post_save

from engagement.models import CoachingCycle, PendingRecompute, StudyRecord
from engagement.refresh import mark_changed
from participants.models import ECT, ECTAtSchool, ECTStatus, Mentor, MentorAssignment
from participants.signals import people_imported


def _study(sender, instance, **kwargs):
    mark_changed(instance.hub_id, ect_ids=[instance.ect_id], with_mentors=False)


def _coaching(sender, instance, **kwargs):
    mark_changed(instance.hub_id, mentor_ids=[instance.mentor_id])


def _ect_and_mentors(sender, instance, **kwargs):
    """A change of status, mentor or school: the ECT and every mentor they have had."""
    mark_changed(instance.hub_id, ect_ids=[instance.ect_id])


def _imported(sender, hub_id, ect_ids, mentor_ids, **kwargs):
    """An import's bulk writes: its ECTs and every mentor they have had, and its new mentors' mentees."""
    mark_changed(hub_id, ect_ids=ect_ids, mentor_ids=mentor_ids)


def _forget_marks(sender, instance, **kwargs):
    """A deleted ECT or mentor role needs no recompute: deleting their activity marked them after
    their own marks were deleted, and the marks would point at nobody."""
    field = "ect" if sender is ECT else "mentor"
    PendingRecompute.objects.with_scopes_disabled().filter(**{field: instance.id}).delete()


def connect():
    for signal in (post_save, post_delete):
        signal.connect(_study, sender=StudyRecord, dispatch_uid=f"engagement-study-{signal}")
        signal.connect(_coaching, sender=CoachingCycle, dispatch_uid=f"engagement-coaching-{signal}")
        signal.connect(_ect_and_mentors, sender=ECTStatus, dispatch_uid=f"engagement-status-{signal}")
        signal.connect(_ect_and_mentors, sender=MentorAssignment, dispatch_uid=f"engagement-assignment-{signal}")
        signal.connect(_ect_and_mentors, sender=ECTAtSchool, dispatch_uid=f"engagement-school-period-{signal}")
    people_imported.connect(_imported, dispatch_uid="engagement-people-imported")
    for sender in (ECT, Mentor):
        post_delete.connect(_forget_marks, sender=sender, dispatch_uid=f"engagement-forget-{sender.__name__}")

"""The nightly nudge run: each hub once a day, at its send time, after that day's engagement recompute.

`run_due_hubs` (every quarter of an hour) queues `run_hubs` for the hubs whose send time (UK time)
has passed today, whose figures are as of today (the nightly recompute has run) and which have not
run today. `run_hubs` reads their figures from the engine in one query, then for each hub claims
the day under a lock on the hub's settings (so two at once run it once, and a run that dies
leaves the day unclaimed for the next look), runs it and queues its e-mails in batches: one
`send_nudge_batch` task per `TASK_BATCH` e-mails (a hub of thousands of e-mails is a handful of
tasks), each claiming `CLAIM_BATCH` at a time (`sending.send_emails`), so an e-mail waits little
between its claim and its sending, well within `NUDGE_CLAIM_TIMEOUT`.
`send_unsent` is the sweep for e-mails whose task was lost or whose worker died.
"""

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ectprogramme import queueing
from engagement.compute import tracks
from engagement.models import EngagementRun
from nudges import sending
from nudges.models import HubNudgeSettings
from schools.models import Hub
from schools.scoping import hub_scope

TASK_BATCH = 500  # e-mails per batch task
CLAIM_BATCH = 50  # e-mails a batch task claims at a time


def run_due_hubs(now=None):
    """Queue the run of every hub due now; returns their ids."""
    from nudges.tasks import run_hubs

    now = timezone.localtime(now)
    today = now.date()
    ready = set(EngagementRun.objects.with_scopes_disabled().filter(as_of=today).values_list("hub_id", flat=True))
    settings = {s.hub_id: s for s in HubNudgeSettings.objects.with_scopes_disabled().filter(hub_id__in=ready)}
    due = []
    for hub_id in sorted(ready):
        setting = settings.get(hub_id) or HubNudgeSettings()
        if setting.last_run_on != today and now.time() >= setting.send_time:
            due.append(hub_id)
    if due:
        queueing.send(run_hubs, due, today.isoformat())
    return due


def run_hubs(hub_ids, day):
    """Run the hubs' nudges for `day` (ISO date), each unless already run that day; queue the
    e-mails. Returns how many e-mails were made."""
    day = datetime.date.fromisoformat(day)
    hubs = list(Hub.objects.filter(pk__in=hub_ids).order_by("id"))
    by_hub = defaultdict(list)
    for track in tracks([hub.id for hub in hubs], day):
        by_hub[track.hub_id].append(track)
    made = 0
    for hub in hubs:
        with hub_scope(hub), transaction.atomic():
            setting = HubNudgeSettings.for_hub(hub)
            claimed = HubNudgeSettings.objects.filter(pk=setting.pk).filter(Q(last_run_on__isnull=True) | Q(last_run_on__lt=day))
            if not claimed.select_for_update().exists():
                continue
            claimed.update(last_run_on=day)
            result = sending.run(hub, day, tracks=by_hub[hub.id])
            ids = [email.id for email in result.emails]
            transaction.on_commit(lambda ids=ids: queue_batches(ids))
            made += len(ids)
    return made


def queue_batches(email_ids):
    """Queue `send_nudge_batch` tasks for the e-mails, `TASK_BATCH` a task. Returns how many tasks."""
    from nudges.tasks import send_nudge_batch

    chunks = [email_ids[start : start + TASK_BATCH] for start in range(0, len(email_ids), TASK_BATCH)]
    for chunk in chunks:
        queueing.send(send_nudge_batch, chunk)
    return len(chunks)


def send_batch(email_ids, last_attempt=True):
    """Send a batch task's e-mails (exactly once: see `sending.send_emails`); {status: count}."""
    statuses = sending.send_emails(email_ids, batch=CLAIM_BATCH, last_attempt=last_attempt)
    counts = defaultdict(int)
    for status in statuses.values():
        counts[str(status)] += 1
    return dict(counts)


def send_unsent():
    """The sweep: mend nudges of batches cut short and queue the e-mails never sent (in batches)."""
    sending.mend()
    ids = sending.unsent()
    queue_batches(ids)
    return len(ids)

"""Queue Celery tasks without letting a broker outage fail the request that saved the work.

A view saves a row (an invitation, a recompute mark) and queues a task once the transaction
commits. If the broker refuses (Redis down, the filesystem broker's folder missing), the row is
already committed: answering 500 would make the person retry and save it twice. So the refusal
is logged and the row left as it is; the periodic sweeps in `ectprogramme/schedule.py` find work
that was never done and do it. Every task queued this way must therefore be safe to run twice.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, OSError)


def send(task, *args, **options):
    """Queue `task(*args)` now (`options` go to `apply_async`); False if the broker refused."""
    try:
        task.apply_async(args, **options)
    except BROKER_ERRORS:
        logger.exception("Could not queue %s%r; the periodic sweep will pick the work up", task.name, args)
        return False
    return True


def on_commit(task, *args, **options):
    """Queue `task(*args)` once the current transaction commits (now, outside one)."""
    transaction.on_commit(lambda: send(task, *args, **options))

"""Celery tasks for engagement: thin callers of `engagement.refresh`."""

from celery import shared_task

from engagement import refresh


@shared_task
def recompute_pending(hub_id):
    return refresh.recompute_pending(hub_id)


@shared_task
def recompute_forgotten():
    return refresh.recompute_forgotten()


@shared_task
def recompute_everything():
    return refresh.recompute_everything()

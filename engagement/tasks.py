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


@shared_task
def render_report(report_id):
    from engagement.reports import stored

    return stored.render(report_id)


@shared_task
def requeue_stuck_reports():
    from engagement.reports import stored

    return stored.requeue_stuck()


@shared_task
def delete_old_reports():
    from engagement.reports import stored

    return stored.delete_old()

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


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def render_report(report_id):
    """Make the report; a monthly one is then e-mailed (a retry after a failed e-mail only sends)."""
    from engagement.reports import monthly, stored

    made = stored.render(report_id)
    monthly.email(report_id)
    return made


@shared_task
def requeue_stuck_reports():
    from engagement.reports import monthly, stored

    return stored.requeue_stuck(), monthly.email_unsent()


@shared_task
def queue_monthly_reports():
    from engagement.reports import monthly

    return monthly.queue_month()


@shared_task
def delete_old_reports():
    from engagement.reports import stored

    return stored.delete_old()

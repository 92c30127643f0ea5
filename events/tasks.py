"""Celery tasks for events: thin callers of services, safe to retry."""

from celery import shared_task

from events import notifications


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_session_notices(session_id):
    return notifications.send_session_notices(session_id)


@shared_task
def send_unsent_session_notices():
    return notifications.send_unsent()

"""Celery tasks for events: thin callers of services, safe to retry."""

from celery import shared_task

from events import booking, notifications


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_session_notices(session_id):
    return notifications.send_session_notices(session_id)


@shared_task
def send_unsent_session_notices():
    return notifications.send_unsent()


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_booking_notice(notice_id):
    return notifications.send_notice(notice_id)


@shared_task
def work_waiting_lists():
    return booking.work_waiting_lists()

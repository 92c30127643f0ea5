"""Celery tasks for nudges: thin callers of `nudges.sending` and `nudges.nightly`."""

from celery import shared_task

from nudges import nightly, sending

MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_nudge_email(self, email_id):
    """Send one stored e-mail (claim-then-send: a tutor's manual nudge); retried with backoff on SMTP and
    network errors."""
    try:
        return sending.send_email(email_id, last_attempt=self.request.retries >= self.max_retries)
    except sending.SEND_ERRORS as error:
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 3600))


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def send_nudge_batch(self, email_ids):
    """Send a batch of stored e-mails, claimed a few at a time (the nightly path); on an SMTP or
    network error the unsent ones go back to the queue and the task is retried with backoff."""
    try:
        return nightly.send_batch(email_ids, last_attempt=self.request.retries >= self.max_retries)
    except sending.SEND_ERRORS as error:
        raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 3600))


@shared_task(acks_late=True)
def run_hubs(hub_ids, day):
    return nightly.run_hubs(hub_ids, day)


@shared_task
def run_due_hubs():
    return nightly.run_due_hubs()


@shared_task
def send_unsent_nudge_emails():
    return nightly.send_unsent()

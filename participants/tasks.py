"""Celery tasks for participants: thin callers of services, safe to retry."""

from celery import shared_task
from django.core.management import call_command

from participants.setup_emails import send_invitation, send_unsent


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_setup_email(invitation_id):
    send_invitation(invitation_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email_change_mails(change_id):
    from participants.email_changes import send_mails

    send_mails(change_id)


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_email_changed_notice(change_id):
    from participants.email_changes import send_confirmed_notice

    send_confirmed_notice(change_id)


@shared_task
def send_unsent_setup_emails():
    return send_unsent()


@shared_task
def send_unsent_email_change_mails():
    from participants.email_changes import send_unsent as send_unsent_email_change_mails

    return send_unsent_email_change_mails()


@shared_task
def clear_expired_sessions():
    call_command("clearsessions")


@shared_task
def check_import_upload(upload_id):
    from participants.uploads import run_check

    run_check(upload_id)


@shared_task
def run_import_upload(upload_id):
    from participants.uploads import run_import

    run_import(upload_id)


@shared_task
def resume_stalled_import_uploads():
    """Re-queue the check or import of uploads whose task never ran (both are safe to run twice)."""
    from participants.models import ImportUploadStatus
    from participants.uploads import stalled

    uploads = stalled()
    for upload_id, status in uploads:
        task = check_import_upload if status == ImportUploadStatus.CHECKING else run_import_upload
        task.delay(upload_id)
    return len(uploads)

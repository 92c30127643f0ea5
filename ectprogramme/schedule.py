"""Every periodic (Celery beat) job, in one place.

The sweeps every few minutes do the work whose task could not be queued when it was saved
(see `ectprogramme.queueing`): set-up e-mails, e-mail change links, session change or cancellation
e-mails and nudge e-mails never sent (or claimed by a worker that died), recompute marks never
claimed, and uploaded registration files whose check or import never ran. Nudges run per hub at
the hub's send time (`nudges.tasks.run_due_hubs` looks every quarter
of an hour).
"""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "recompute-engagement-nightly": {
        "task": "engagement.tasks.recompute_everything",
        "schedule": crontab(hour=2, minute=0),
    },
    # each hub's nudges, once a day at its send time, after that day's recompute
    "run-nudges-due": {
        "task": "nudges.tasks.run_due_hubs",
        "schedule": crontab(minute="*/15"),
    },
    "send-unsent-nudge-emails": {
        "task": "nudges.tasks.send_unsent_nudge_emails",
        "schedule": crontab(minute="*/5"),
    },
    "send-unsent-setup-emails": {
        "task": "participants.tasks.send_unsent_setup_emails",
        "schedule": crontab(minute="*/5"),
    },
    "send-unsent-email-change-mails": {
        "task": "participants.tasks.send_unsent_email_change_mails",
        "schedule": crontab(minute="*/5"),
    },
    "send-unsent-session-notices": {
        "task": "events.tasks.send_unsent_session_notices",
        "schedule": crontab(minute="*/5"),
    },
    "resume-stalled-import-uploads": {
        "task": "participants.tasks.resume_stalled_import_uploads",
        "schedule": crontab(minute="*/5"),
    },
    "recompute-forgotten-engagement": {
        "task": "engagement.tasks.recompute_forgotten",
        "schedule": crontab(minute="*/5"),
    },
    "clear-expired-sessions": {
        "task": "participants.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
}

"""Every periodic (Celery beat) job, in one place.

The sweeps every few minutes do the work whose task could not be queued when it was saved
(see `ectprogramme.queueing`): set-up e-mails, e-mail change links, booking and session e-mails and
nudge e-mails never sent (or claimed by a worker that died), recompute marks never claimed,
uploaded registration files whose check or import never ran, and engagement reports never rendered
(or whose worker died); reports older than `REPORT_KEEP_DAYS` are deleted nightly. Nudges run per hub at the hub's send time (`nudges.tasks.run_due_hubs` looks every
quarter of an hour). The waiting lists are worked every 5 minutes too (offers expired, freed places
offered: `events.booking.work_waiting_lists`). Reminders of booked sessions and catch-up notices
are nudges (`nudges.event_rules`), planned in each hub's nightly nudge run.
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
    "work-waiting-lists": {
        "task": "events.tasks.work_waiting_lists",
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
    "requeue-stuck-reports": {
        "task": "engagement.tasks.requeue_stuck_reports",
        "schedule": crontab(minute="*/5"),
    },
    # the monthly school reports, e-mailed to the induction tutors of the schools that asked
    "queue-monthly-school-reports": {
        "task": "engagement.tasks.queue_monthly_reports",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
    "delete-old-reports": {
        "task": "engagement.tasks.delete_old_reports",
        "schedule": crontab(hour=3, minute=30),
    },
    "clear-expired-sessions": {
        "task": "participants.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
}

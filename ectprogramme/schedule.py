"""Every periodic (Celery beat) job, in one place.

The sweeps every few minutes do the work whose task could not be queued when it was saved
(see `ectprogramme.queueing`): set-up e-mails and e-mail change links never sent, and recompute
marks never claimed, and nudge e-mails never sent (or claimed by a worker that died). Nudges run
per hub at the hub's send time (`nudges.tasks.run_due_hubs` looks every quarter of an hour).
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
    "recompute-forgotten-engagement": {
        "task": "engagement.tasks.recompute_forgotten",
        "schedule": crontab(minute="*/5"),
    },
    "clear-expired-sessions": {
        "task": "participants.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
}

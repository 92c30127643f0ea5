"""Every periodic (Celery beat) job, in one place."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "recompute-engagement-nightly": {
        "task": "engagement.tasks.recompute_everything",
        "schedule": crontab(hour=2, minute=0),
    },
    "clear-expired-sessions": {
        "task": "participants.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
}

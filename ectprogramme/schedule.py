"""Every periodic (Celery beat) job, in one place."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "clear-expired-sessions": {
        "task": "participants.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
}

"""The Celery application: workers and beat for the whole project."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ectprogramme.settings")

app = Celery("ectprogramme")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folders(sender, **kwargs):
    """kombu's filesystem transport does not create its folders itself."""
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            os.makedirs(options[key], exist_ok=True)


from ectprogramme.schedule import BEAT_SCHEDULE  # noqa: E402

app.conf.beat_schedule = BEAT_SCHEDULE

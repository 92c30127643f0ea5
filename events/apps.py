"""Events: conferences and clinics, and attendance at them."""
from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "events"

    def ready(self):
        from events import signals  # noqa: F401

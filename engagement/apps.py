from django.apps import AppConfig
from django.db.backends.signals import connection_created


class EngagementConfig(AppConfig):
    name = "engagement"

    def ready(self):
        from engagement import signals, sqlite_functions, timeline

        signals.connect()
        timeline.register()
        connection_created.connect(sqlite_functions.register)

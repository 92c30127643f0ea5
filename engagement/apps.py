from django.apps import AppConfig
from django.db.backends.signals import connection_created


class EngagementConfig(AppConfig):
    name = "engagement"

    def ready(self):
        from engagement import signals, sqlite_functions

        signals.connect()
        connection_created.connect(sqlite_functions.register)

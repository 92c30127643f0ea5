from django.apps import AppConfig


class NudgesConfig(AppConfig):
    name = "nudges"

    def ready(self):
        from nudges import demo  # noqa: F401  (its part of `seed_demo`, on `engagement.demo.seeded`)

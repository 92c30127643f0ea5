from django.apps import AppConfig


class NudgesConfig(AppConfig):
    name = "nudges"

    def ready(self):
        from nudges import demo, timeline  # noqa: F401  (demo: its part of `seed_demo`, on `engagement.demo.seeded`)

        timeline.register()

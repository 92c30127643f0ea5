"""manage.py seed_demo: a realistic demo hub with a year of history, idempotent, printing one demo login per role."""

import os

from django.core.management.base import BaseCommand
from django.utils import timezone

from engagement import demo
from participants import demo as people
from schools.models import Hub


class Command(BaseCommand):
    help = (
        "Create (or top up) the demo hub with schools, tutors, mentors and ECTs, its term dates and a year of "
        "study and coaching history; prints demo logins."
    )

    def handle(self, **options):
        password = os.environ.get("DEMO_PASSWORD", "ect-demo-2026")
        result = demo.seed(timezone.localdate(), password)
        hub = Hub.objects.get(slug=people.HUB_SLUG)
        counts = ", ".join(f"{count} {label}" for label, count in people.demo_roles_summary(hub).items())
        self.stdout.write(self.style.SUCCESS(f"Demo hub “{hub.name}” ({hub.slug}): {counts}."))
        self.stdout.write("Demo logins (password for all: %s):" % result.password)
        for role, email in result.logins.items():
            self.stdout.write(f"  {role:<34} {email}")

"""manage.py import_activity FILE.csv --hub SLUG [--dry-run]

The file format and rules are in `engagement.imports`.
"""

from django.core.management.base import BaseCommand, CommandError

from engagement.imports import COLUMNS, import_activity
from schools.models import Hub


class Command(BaseCommand):
    help = (
        "Import the learning platform's activity export (study, observation, feedback) from a UTF-8 CSV "
        f"file with the columns {', '.join(COLUMNS)}. All or nothing: any problem is listed and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file")
        parser.add_argument("--hub", required=True, help="Slug of the hub to import into")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing")

    def handle(self, file, hub, dry_run=False, **options):
        slug = hub
        hub = Hub.objects.filter(slug=slug).first()
        if hub is None:
            raise CommandError(f"No hub with the slug {slug!r}.")
        try:
            with open(file, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        result = import_activity(hub, data, dry_run=dry_run)
        for note in result.notes:
            self.stdout.write(f"note: {note}")
        if result.errors:
            for error in result.errors:
                self.stderr.write(error)
            raise CommandError(f"{len(result.errors)} problem(s) in {file}; nothing was imported.")
        if dry_run:
            self.stdout.write(self.style.SUCCESS(f"Dry run, nothing written: {file} would import into {hub.slug}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported {file} into {hub.slug}"))
        for line in result.summary_lines():
            self.stdout.write(f"  {line}")

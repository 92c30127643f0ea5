"""manage.py import_terms FILE.csv --hub SLUG"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from schools.commands import hub_by_slug
from schools.scoping import hub_scope
from schools.terms import TermDatesError, import_terms


class Command(BaseCommand):
    help = "Import a hub's term dates (academic_year,half_term,start_date,end_date); all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--hub", required=True, help="The hub's slug")

    def handle(self, file, hub, **options):
        hub_obj = hub_by_slug(hub)
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None
        try:
            with hub_scope(hub_obj):
                result = import_terms(hub_obj, data)
        except TermDatesError as error:
            for message in error.errors:
                self.stderr.write(message)
            raise CommandError(f"{len(error.errors)} problem(s) in {file}; nothing was imported.") from None
        years = ", ".join(f"{y}/{str(y + 1)[-2:]}" for y in result.years)
        self.stdout.write(self.style.SUCCESS(f"Imported {result.half_terms} half terms for {years} ({result.changed} changed)."))

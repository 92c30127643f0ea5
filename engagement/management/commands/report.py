"""manage.py report --hub SLUG [--school URN] --as-of YYYY-MM-DD --output FILE.pdf"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from engagement.calendar import sync_calendar
from engagement.reports.pdf import render_hub_report, render_school_report
from schools.commands import hub_by_slug, iso_date
from schools.models import School
from schools.scoping import hub_scope


class Command(BaseCommand):
    help = "Write the engagement report (PDF) of a school, or of the whole hub, as of a date."

    def add_arguments(self, parser):
        parser.add_argument("--hub", required=True, help="The hub's slug")
        parser.add_argument("--school", help="The school's URN (without it: the hub's report, every school)")
        parser.add_argument("--as-of", required=True, help="YYYY-MM-DD")
        parser.add_argument("--output", required=True, help="The PDF file to write")

    def handle(self, hub, school, as_of, output, **options):
        hub_obj = hub_by_slug(hub)
        as_of = iso_date(as_of)
        with hub_scope(hub_obj):
            school_obj = None
            if school is not None:
                school_obj = School.objects.filter(urn=school).first()
                if school_obj is None:
                    raise CommandError(f"No school with the URN {school!r} in the hub {hub!r}.")
            sync_calendar(hub_obj)
            pdf = render_school_report(hub_obj, school_obj, as_of) if school_obj else render_hub_report(hub_obj, as_of)
        try:
            Path(output).write_bytes(pdf)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        self.stdout.write(f"Wrote {output} ({len(pdf):,} bytes).")

"""manage.py engagement --hub SLUG --as-of YYYY-MM-DD [--format csv|json]"""

from django.core.management.base import BaseCommand

from engagement.calendar import sync_calendar
from engagement.export import rows_as_of, write_csv, write_json
from schools.commands import hub_by_slug, iso_date
from schools.scoping import hub_scope


class Command(BaseCommand):
    help = "Print every person's engagement (one row per person and strand) as of a date."

    def add_arguments(self, parser):
        parser.add_argument("--hub", required=True, help="The hub's slug")
        parser.add_argument("--as-of", required=True, help="YYYY-MM-DD")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, hub, as_of, format, **options):
        hub_obj = hub_by_slug(hub)
        as_of = iso_date(as_of)
        with hub_scope(hub_obj):
            sync_calendar(hub_obj)
            rows = rows_as_of(hub_obj, as_of)
        (write_json if format == "json" else write_csv)(rows, self.stdout)

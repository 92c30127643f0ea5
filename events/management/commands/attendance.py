"""manage.py attendance --hub SLUG --as-of YYYY-MM-DD [--format csv|json]"""

from django.core.management.base import BaseCommand

from events.attendance import command_rows, write_csv, write_json
from schools.commands import hub_by_slug, iso_date
from schools.scoping import hub_scope


class Command(BaseCommand):
    help = "Print event attendance as of a date: one row per person and expected event."

    def add_arguments(self, parser):
        parser.add_argument("--hub", required=True, help="The hub's slug")
        parser.add_argument("--as-of", required=True, help="YYYY-MM-DD")
        parser.add_argument("--format", choices=["csv", "json"], default="csv")

    def handle(self, hub, as_of, format, **options):
        hub_obj = hub_by_slug(hub)
        as_of = iso_date(as_of)
        with hub_scope(hub_obj):
            rows = command_rows(hub_obj, as_of)
        (write_json if format == "json" else write_csv)(rows, self.stdout)

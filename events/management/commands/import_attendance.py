"""manage.py import_attendance FILE.csv --hub SLUG [--dry-run]

The file format and rules are in `events.registers.import_attendance`.
"""

from events.registers import COLUMNS, import_attendance
from schools.csv_import import ImportCommand


class Command(ImportCommand):
    importer = staticmethod(import_attendance)
    help = (
        f"Record bookings and registers taken elsewhere from a UTF-8 CSV file with the columns {', '.join(COLUMNS)} "
        "(status: booked, attended, absent or excused). All or nothing: any problem is listed and nothing is written."
    )

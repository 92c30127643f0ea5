"""manage.py import_sessions FILE.csv --hub SLUG [--dry-run]

The file format and rules are in `events.sessions.import_sessions`.
"""

from events.sessions import COLUMNS, import_sessions
from schools.csv_import import ImportCommand


class Command(ImportCommand):
    importer = staticmethod(import_sessions)
    help = (
        f"Create or update the hub's event sessions from a UTF-8 CSV file with the columns {', '.join(COLUMNS)}. "
        "All or nothing: any problem is listed and nothing is written."
    )

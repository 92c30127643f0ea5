"""manage.py import_activity FILE.csv --hub SLUG [--dry-run]

The file format and rules are in `engagement.imports`.
"""

from engagement.imports import COLUMNS, import_activity
from schools.csv_import import ImportCommand


class Command(ImportCommand):
    importer = staticmethod(import_activity)
    help = (
        "Import the learning platform's activity export (study, observation, feedback) from a UTF-8 CSV "
        f"file with the columns {', '.join(COLUMNS)}. All or nothing: any problem is listed and nothing is written."
    )
